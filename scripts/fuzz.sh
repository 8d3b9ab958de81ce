#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang with ASan and UBSan, in
# build-fuzz/) and runs each one, in turn, on a copy of its seed corpus.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/fuzz.sh [--seconds N | --runs N] [TARGET...]

Builds build-fuzz/ (clang++-19, -DEXIDX_FUZZ=ON, warnings as errors) and
runs each TARGET (all when none is named) for N seconds (default 30) or N
inputs, one after another, starting from a copy of fuzz/corpus/TARGET/ with
fuzz/TARGET.dict. New inputs go to a temporary directory, never into
fuzz/corpus/. Prints the inputs executed and the time per target.

Targets: event time page_token query record_codec index_keys dynamodb_store sfn_client

Exit status: 0 when no target failed, 1 when one crashed or broke a property
(the input is saved in build-fuzz/fuzz-artifacts/TARGET/), 2 on bad usage.

Environment: FUZZ_CXX (default clang++-19), FUZZ_BUILD_JOBS (default: nproc).
To rerun one input: build-fuzz/fuzz/TARGET_fuzzer FILE
EOF
}

all_targets=(event time page_token query record_codec index_keys dynamodb_store sfn_client)

# Longest input per target: enough for its largest meaningful input (an
# EventBridge event with a 4 KiB cause, a DynamoDB or Step Functions answer),
# short enough to keep runs fast.
max_len_of() {
  case "$1" in
    time) echo 64 ;;
    index_keys) echo 256 ;;
    query) echo 1024 ;;
    page_token) echo 4096 ;;  # Beyond the longest executionArn (kMaxArnBytes), which the target cuts to.
    *) echo 8192 ;;
  esac
}

bad_usage() {
  echo "fuzz.sh: $1" >&2
  echo "Try 'scripts/fuzz.sh --help'." >&2
  exit 2
}

mode=seconds
amount=30
mode_given=""
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --seconds | --runs)
      [ -z "$mode_given" ] || bad_usage "give only one of --seconds and --runs"
      mode_given=1
      mode="${1#--}"
      [ $# -ge 2 ] || bad_usage "$1 needs a number"
      [[ "$2" =~ ^[1-9][0-9]*$ ]] || bad_usage "$1 needs a positive integer, got '$2'"
      amount="$2"
      shift 2
      ;;
    -*) bad_usage "unknown option '$1'" ;;
    *)
      known=""
      for t in "${all_targets[@]}"; do [ "$t" = "$1" ] && known=1; done
      [ -n "$known" ] || bad_usage "unknown target '$1' (targets: ${all_targets[*]})"
      targets+=("$1")
      shift
      ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

cd "$(dirname "$0")/.."
root="$(pwd)"
scripts/install-deps.sh

launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER="${FUZZ_CXX:-clang++-19}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DEXIDX_FUZZ=ON -DEXIDX_WERROR=ON -DEXIDX_BUILD_TESTS=OFF -DEXIDX_BUILD_BENCH=OFF -DEXIDX_JEMALLOC=OFF "${launcher[@]}" >/dev/null
ninja -C build-fuzz -j "${FUZZ_BUILD_JOBS:-$(nproc)}" "${targets[@]/%/_fuzzer}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

failed=()
summary=()
for target in "${targets[@]}"; do
  corpus="$work/$target"
  mkdir -p "$corpus" "build-fuzz/fuzz-artifacts/$target"
  cp -R "fuzz/corpus/$target/." "$corpus/"
  args=(-max_len="$(max_len_of "$target")" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$root/build-fuzz/fuzz-artifacts/$target/")
  if [ -f "fuzz/$target.dict" ]; then args+=(-dict="fuzz/$target.dict"); fi
  if [ "$mode" = seconds ]; then args+=(-max_total_time="$amount"); else args+=(-runs="$amount"); fi
  log="$work/$target.log"
  echo "== $target: ${mode} $amount" >&2
  start=$(date +%s.%N)
  status=0
  "build-fuzz/fuzz/${target}_fuzzer" "${args[@]}" "$corpus" >"$log" 2>&1 || status=$?
  end=$(date +%s.%N)
  seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  inputs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  # A run that failed prints no final stats: its last progress line is the best count.
  [ -n "$inputs" ] || inputs=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
  corpus_size=$(find "$corpus" -type f | wc -l)
  if [ "$status" -ne 0 ]; then
    failed+=("$target")
    # What failed and where its input went, without the progress lines.
    grep -v -E '^#[0-9]+' "$log" | tail -n 40 >&2 || true
    summary+=("$(printf '%-16s %10s inputs %8s s  corpus %5s  FAILED (exit %s)' "$target" "${inputs:-?}" "$seconds" \
      "$corpus_size" "$status")")
  else
    summary+=("$(printf '%-16s %10s inputs %8s s  corpus %5s  ok' "$target" "${inputs:-?}" "$seconds" "$corpus_size")")
  fi
  echo "${summary[-1]}" >&2
done

echo "== fuzz summary (${mode} $amount per target)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]} (inputs in build-fuzz/fuzz-artifacts/)" >&2
  exit 1
fi
