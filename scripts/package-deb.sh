#!/usr/bin/env bash
# Builds the Debian package: build-deb/exidx_<version>-1_<arch>.deb (README,
# Installing as a service). exidx is built as the test suite builds it
# (RelWithDebInfo; the package carries it stripped), in its own build
# directory without the tests and benchmarks, so that `cpack`, which builds
# everything of the directory first, builds only exidx, its man pages and its
# bash completion.
#
#   scripts/package-deb.sh                    build ./build-deb and package
#   BUILD_DIR=dir scripts/package-deb.sh      another build directory
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build-deb}
for tool in cmake ninja cpack dpkg-shlibdeps; do
  command -v "$tool" >/dev/null || { echo "package-deb: $tool is missing (scripts/install-deps.sh)" >&2; exit 1; }
done
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEXIDX_BUILD_TESTS=OFF \
  -DEXIDX_BUILD_BENCH=OFF >/dev/null
ninja -C "$build_dir" exidx exidx_cli_docs
(cd "$build_dir" && cpack -G DEB >/dev/null)
deb=$(ls -t "$build_dir"/exidx_*.deb | head -1)
echo "package-deb: $deb ($(du -k "$deb" | cut -f1) KiB)"
