#!/usr/bin/env bash
# Builds the Lambda deployment package: build/exidx-lambda.zip, for the
# provided.al2023 custom runtime, from a build on Debian 12.
#
# The binary is linked against Debian 12's glibc 2.36 and libraries, newer
# than Amazon Linux 2023's (glibc 2.34), so the package brings its own: the
# binary, every shared library ldd finds for it, and Debian's dynamic loader,
# which `bootstrap` uses to start the binary with --library-path ./lib. No
# library of the host is used, so what runs on Lambda is what the tests ran.
#
#   scripts/package-lambda.sh                  build (./build) and package
#   BUILD_DIR=dir scripts/package-lambda.sh    another build directory
#   EXIDX_BINARY=path OUT=file.zip scripts/package-lambda.sh   package a given binary
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build}
out=${OUT:-$build_dir/exidx-lambda.zip}
binary=${EXIDX_BINARY:-}
if [ -z "$binary" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  ninja -C "$build_dir" exidx
  binary=$build_dir/src/cli/exidx
fi
for tool in ldd zip strip; do
  command -v "$tool" >/dev/null || { echo "package-lambda: $tool is missing (scripts/install-deps.sh)" >&2; exit 1; }
done

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/lib"

# Debug info stays in the build; the package carries symbols only.
strip --strip-debug -o "$stage/exidx" "$binary"

# "libfoo.so.1 => /lib/x86_64-linux-gnu/libfoo.so.1 (0x...)" and the loader line
# "/lib64/ld-linux-x86-64.so.2 (0x...)".
loader=""
while read -r first arrow path _; do
  if [ "$arrow" = "=>" ]; then
    if [ "$path" = "not" ]; then echo "package-lambda: $first not found" >&2; exit 1; fi
    cp -L "$path" "$stage/lib/$first"
  elif [ "${first#/}" != "$first" ]; then
    loader=$first
  fi
done < <(ldd "$binary")
if [ -z "$loader" ]; then echo "package-lambda: no dynamic loader in ldd's answer" >&2; exit 1; fi
cp -L "$loader" "$stage/lib/ld-linux-x86-64.so.2"

# The libraries' licenses travel with them: licenses/<Debian package> is that
# package's copyright file; LICENSE and NOTICE are exidx's own.
mkdir -p "$stage/licenses"
cp LICENSE NOTICE "$stage/licenses/"
license_of() {
  local owner=""
  for candidate in "$1" "$(readlink -f "$1")" "${1#/usr}" "/usr${1}"; do
    owner=$(dpkg-query -S "$candidate" 2>/dev/null | head -n 1 | cut -d: -f1) && [ -n "$owner" ] && break
  done
  if [ -z "$owner" ] || [ ! -f "/usr/share/doc/$owner/copyright" ]; then
    echo "package-lambda: no Debian package owns $1: cannot ship its license" >&2
    exit 1
  fi
  cp "/usr/share/doc/$owner/copyright" "$stage/licenses/$owner"
}
while read -r first arrow path _; do
  if [ "$arrow" = "=>" ]; then license_of "$path"; elif [ "${first#/}" != "$first" ]; then license_of "$first"; fi
done < <(ldd "$binary")
chmod 0755 "$stage/lib/ld-linux-x86-64.so.2" "$stage/exidx"

cat > "$stage/bootstrap" <<'BOOTSTRAP'
#!/bin/sh
# Lambda custom runtime entry point: starts `exidx lambda` through the
# package's own dynamic loader and libraries (built on Debian 12; see
# scripts/package-lambda.sh). The handler comes from _HANDLER (index or list),
# the table from EXECUTION_INDEX_TABLE_NAME. Uses shell built-ins only.
cd "${LAMBDA_TASK_ROOT:-${0%/*}}" || exit 1
# Debian's libcurl looks for CA certificates at Debian's path; Amazon Linux
# keeps them elsewhere. AWS_CA_BUNDLE names the file for the AWS clients.
if [ -z "${AWS_CA_BUNDLE:-}" ] && [ ! -e /etc/ssl/certs/ca-certificates.crt ]; then
  for bundle in /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/certs/ca-bundle.crt; do
    if [ -e "$bundle" ]; then
      export AWS_CA_BUNDLE="$bundle"
      break
    fi
  done
fi
exec ./lib/ld-linux-x86-64.so.2 --library-path ./lib ./exidx lambda "$@"
BOOTSTRAP
chmod 0755 "$stage/bootstrap"

mkdir -p "$(dirname "$out")"
out_abs=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
rm -f "$out_abs"
(cd "$stage" && zip -q -9 -X -r "$out_abs" bootstrap exidx lib licenses)
echo "package-lambda: $out ($(du -k "$out_abs" | cut -f1) KiB, $(ls "$stage/lib" | wc -l) files in lib/)"
