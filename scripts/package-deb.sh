#!/usr/bin/env bash
# Builds the Debian package: build/exidx_<version>-1_<arch>.deb (README,
# Installing as a service), from the build the test suite tests
# (RelWithDebInfo, like scripts/package-lambda.sh; the package carries the
# binary stripped). It builds exidx, its man pages and its bash completion,
# then cpack installs them into the package (cpack builds nothing itself:
# packaging/CMakeLists.txt).
#
#   scripts/package-deb.sh                    build ./build and package
#   BUILD_DIR=dir scripts/package-deb.sh      another build directory
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build}
for tool in cmake ninja cpack dpkg-shlibdeps; do
  command -v "$tool" >/dev/null || { echo "package-deb: $tool is missing (scripts/install-deps.sh)" >&2; exit 1; }
done
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build_dir" exidx exidx_cli_docs
(cd "$build_dir" && cpack -G DEB >/dev/null)
deb=$(ls -t "$build_dir"/exidx_*.deb | head -1)
echo "package-deb: $deb ($(du -k "$deb" | cut -f1) KiB)"
