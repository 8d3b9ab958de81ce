#!/usr/bin/env bash
# Configures and builds the exidx binary in each CMake build type, warnings as
# errors, one type after another, and says which types built.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/check-build-types.sh [--jobs N] [TYPE...]

Configures build-<type>/ (the type in lower case) with -DCMAKE_BUILD_TYPE=TYPE
and -DEXIDX_WERROR=ON, tests and benchmarks off, and builds the exidx target,
for each TYPE (default: Debug Release RelWithDebInfo MinSizeRel), one after
another. Each is a full build: about 5 minutes a type on 2 cores (ccache, when
installed, makes a rebuild fast). Goes on after a compile or a type fails,
so that every failure shows, and prints a summary at the end.

  --jobs N   parallel compile jobs (default: nproc)

Exit status: 0 when every type built, 1 when one failed to configure or
build, 2 on bad usage.
Environment: CXX chooses the compiler, as for CMake (default: c++, GCC 12 on Debian 12).
EOF
}

bad_usage() {
  echo "check-build-types.sh: $1" >&2
  echo "Try 'scripts/check-build-types.sh --help'." >&2
  exit 2
}

all_types=(Debug Release RelWithDebInfo MinSizeRel)
jobs=$(nproc)
types=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --jobs)
      [ $# -ge 2 ] || bad_usage "--jobs needs a number"
      [[ "$2" =~ ^[1-9][0-9]*$ ]] || bad_usage "--jobs needs a positive integer, got '$2'"
      jobs="$2"
      shift 2
      ;;
    -*) bad_usage "unknown option '$1'" ;;
    *)
      known=""
      for t in "${all_types[@]}"; do [ "$t" = "$1" ] && known=1; done
      [ -n "$known" ] || bad_usage "unknown build type '$1' (types: ${all_types[*]})"
      types+=("$1")
      shift
      ;;
  esac
done
[ ${#types[@]} -gt 0 ] || types=("${all_types[@]}")

cd "$(dirname "$0")/.."
scripts/install-deps.sh

launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi

failed=()
summary=()
for type in "${types[@]}"; do
  dir="build-${type,,}"
  echo "== $type in $dir/" >&2
  start=$(date +%s)
  result=ok
  if ! cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" -DEXIDX_WERROR=ON \
      -DEXIDX_BUILD_TESTS=OFF -DEXIDX_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null; then
    result="FAILED to configure"
  elif ! ninja -C "$dir" -j "$jobs" -k 0 exidx; then
    result="FAILED to build"
  fi
  [ "$result" = ok ] || failed+=("$type")
  summary+=("$(printf '%-15s %-20s %5s s' "$type" "$result" "$(($(date +%s) - start))")")
  echo "${summary[-1]}" >&2
done

echo "== build types (exidx target, -DEXIDX_WERROR=ON)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi
