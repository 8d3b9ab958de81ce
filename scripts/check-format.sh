#!/usr/bin/env bash
# Checks that the C++ sources are formatted as .clang-format says, with the
# one clang-format version the style is pinned to (versions format differently).
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/check-format.sh [--fix] [FILE...]

Formats each FILE (default: every *.cc and *.h under src/ tests/ fuzz/ bench/)
with clang-format 19 and .clang-format, and lists those whose text changes.
Nothing is written unless --fix is given.

  --fix   format those files in place

Exit status: 0 when every file is formatted (with --fix: when every file was
formatted), 1 when some file is not (the list is on standard output),
2 on bad usage or when clang-format-19 is missing (scripts/install-deps.sh
installs it).
Environment: CLANG_FORMAT (default clang-format-19).
EOF
}

bad_usage() {
  echo "check-format.sh: $1" >&2
  echo "Try 'scripts/check-format.sh --help'." >&2
  exit 2
}

fix=""
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --fix) fix=1; shift ;;
    --) shift; files+=("$@"); break ;;
    -*) bad_usage "unknown option '$1'" ;;
    *) files+=("$1"); shift ;;
  esac
done
for f in "${files[@]}"; do [ -f "$f" ] || bad_usage "no such file '$f'"; done

clang_format=${CLANG_FORMAT:-clang-format-19}
if ! command -v "$clang_format" >/dev/null; then
  echo "check-format.sh: $clang_format is missing: run scripts/install-deps.sh" >&2
  exit 2
fi
if ! "$clang_format" --version | grep -q 'version 19\.'; then
  echo "check-format.sh: warning: $("$clang_format" --version) is not clang-format 19, the version the style is checked with" >&2
fi

# Relative paths from here on are the repository's, as is .clang-format.
if [ ${#files[@]} -eq 0 ]; then
  cd "$(dirname "$0")/.."
  mapfile -t files < <(find src tests fuzz bench -name node_modules -prune -o \( -name '*.cc' -o -name '*.h' \) -type f -print | sort)
fi

unformatted=()
for f in "${files[@]}"; do
  if ! "$clang_format" --style=file "$f" | cmp -s - "$f"; then
    unformatted+=("$f")
  fi
done

if [ ${#unformatted[@]} -eq 0 ]; then
  exit 0
fi
if [ -n "$fix" ]; then
  "$clang_format" --style=file -i "${unformatted[@]}"
  echo "check-format.sh: formatted ${#unformatted[@]} file(s):" >&2
  printf '%s\n' "${unformatted[@]}"
  exit 0
fi
printf '%s\n' "${unformatted[@]}"
echo "check-format.sh: ${#unformatted[@]} of ${#files[@]} file(s) not formatted; scripts/check-format.sh --fix formats them" >&2
exit 1
