#!/usr/bin/env bash
# Runs clang-tidy (the checks in .clang-tidy) over the sources, with the
# compile commands CMake exports, and sums up the findings per check.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/tidy.sh [--analyzer] [--jobs N] [--build-dir DIR] [FILE...]

Runs clang-tidy 19 with .clang-tidy on each FILE (default: every *.cc under
src/, the unit tests beside the code included), using DIR/compile_commands.json
(default DIR: build; configured with cmake, nothing compiled, when it has
none). Prints the findings, then their count per check. Findings in headers
under src/ are reported once, not once per file that includes them.
About 25 CPU-minutes for src/ (13 min on 2 free cores).

  --analyzer       add the static analyzer's checks (clang-analyzer-*): slower,
                   up to 5x on a test file
  --jobs N         files checked at once (default: nproc)
  --build-dir DIR  the build directory whose compile_commands.json to use

Exit status: 0 when there is no finding, 1 when there are findings or a file
did not compile, 2 on bad usage or when clang-tidy-19 is missing
(scripts/install-deps.sh installs it).
Environment: CLANG_TIDY (default clang-tidy-19), RUN_CLANG_TIDY (default run-clang-tidy-19).
EOF
}

bad_usage() {
  echo "tidy.sh: $1" >&2
  echo "Try 'scripts/tidy.sh --help'." >&2
  exit 2
}

jobs=$(nproc)
build_dir=build
extra_checks=()
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --analyzer) extra_checks=("-checks=clang-analyzer-*"); shift ;;
    --jobs)
      [ $# -ge 2 ] || bad_usage "--jobs needs a number"
      [[ "$2" =~ ^[1-9][0-9]*$ ]] || bad_usage "--jobs needs a positive integer, got '$2'"
      jobs="$2"
      shift 2
      ;;
    --build-dir)
      [ $# -ge 2 ] || bad_usage "--build-dir needs a directory"
      build_dir="$2"
      shift 2
      ;;
    -*) bad_usage "unknown option '$1'" ;;
    *)
      [ -f "$1" ] || bad_usage "no such file '$1'"
      files+=("$(realpath "$1")")
      shift
      ;;
  esac
done

clang_tidy=${CLANG_TIDY:-clang-tidy-19}
run_clang_tidy=${RUN_CLANG_TIDY:-run-clang-tidy-19}
for tool in "$clang_tidy" "$run_clang_tidy"; do
  if ! command -v "$tool" >/dev/null; then
    echo "tidy.sh: $tool is missing: run scripts/install-deps.sh" >&2
    exit 2
  fi
done

cd "$(dirname "$0")/.."
root=$(pwd)
if [ ! -f "$build_dir/compile_commands.json" ]; then
  echo "tidy.sh: configuring $build_dir/ for its compile_commands.json" >&2
  cmake -S . -B "$build_dir" -G Ninja >/dev/null
fi
# Every .cc under src/ that the build compiles (run-clang-tidy takes regular
# expressions over the paths in compile_commands.json).
[ ${#files[@]} -gt 0 ] || files=("^$root/src/.*\\.cc\$")

out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
# -Wno-unknown-warning-option: the commands are GCC's, with warning options
# clang does not know (-Wno-restrict).
"$run_clang_tidy" -p "$build_dir" -j "$jobs" -quiet -clang-tidy-binary "$(command -v "$clang_tidy")" \
  -extra-arg=-Wno-unknown-warning-option "${extra_checks[@]}" "${files[@]}" >"$out" 2>/dev/null || status=$?

# A finding: "path:line:col: warning: message [check]"; one in a header shows
# once per file that includes it, so unique lines only.
findings=$(grep -E '^/.*:[0-9]+:[0-9]+: (warning|error): .*\[[A-Za-z0-9.,-]+\]$' "$out" | sort -u || true)
if [ -n "$findings" ]; then
  printf '%s\n' "$findings" | sed "s|^$root/||"
  echo "== findings per check"
  printf '%s\n' "$findings" | sed -E 's/.*\[([^]]+)\]$/\1/' | sort | uniq -c | sort -rn
  echo "tidy.sh: $(printf '%s\n' "$findings" | wc -l) finding(s)" >&2
  exit 1
fi
if [ "$status" -ne 0 ]; then
  grep -E 'error' "$out" | head -n 20 >&2 || true
  echo "tidy.sh: clang-tidy failed (exit $status)" >&2
  exit 1
fi
echo "tidy.sh: no findings" >&2
