#!/usr/bin/env bash
# Builds exidx and runs every test: the release build's whole suite (unit,
# integration, end-to-end), then the unit tests again under AddressSanitizer
# and UndefinedBehaviorSanitizer, then every fuzz target for a fixed number
# of inputs (scripts/fuzz.sh). Installs what it needs first.
#   scripts/test.sh            everything
#   SKIP_SANITIZERS=1 scripts/test.sh   without the sanitizer build's unit tests
#   SKIP_FUZZ=1 scripts/test.sh         without the fuzz targets
#   CHECK_FORMAT=0 scripts/test.sh      without the check of the C++ formatting (scripts/check-format.sh)
# Warnings are errors in every build here (-DEXIDX_WERROR=ON).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/check-layering.py  # layers only point down (README, Layout)
if [ "${CHECK_FORMAT:-1}" = "1" ]; then
  scripts/check-format.sh
fi

jobs=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEXIDX_WERROR=ON -DEXIDX_BUILD_TESTS=ON -DEXIDX_BUILD_BENCH=ON >/dev/null
ninja -C build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs" --timeout 600

if [ "${SKIP_SANITIZERS:-0}" != "1" ]; then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DEXIDX_SANITIZE=ON -DEXIDX_WERROR=ON -DEXIDX_BUILD_BENCH=OFF >/dev/null
  ninja -C build-asan -j "$jobs"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs" -L unit --timeout 900
fi

# 30000 inputs per target from the seed corpora: 52 s for all eight on 2 shared
# cores, after a build of 3 min 10 s from scratch (8 s with a warm ccache).
# `scripts/fuzz.sh --seconds N` fuzzes for longer.
if [ "${SKIP_FUZZ:-0}" != "1" ]; then
  scripts/fuzz.sh --runs 30000
fi
