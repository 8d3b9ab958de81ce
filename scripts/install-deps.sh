#!/usr/bin/env bash
# Installs the Debian 12 packages exidx needs to build and test. Safe to rerun:
# it asks apt only for what is missing. Runs apt through sudo when not root.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config git python3
  librocksdb-dev libboost1.81-dev libboost-json1.81-dev libssl-dev libcurl4-openssl-dev
  libfmt-dev libspdlog-dev libcli11-dev libjemalloc-dev
  libgtest-dev libgmock-dev libbenchmark-dev libsqlite3-dev
  zip unzip busybox-static  # the Lambda package and its chroot test
  chromium                  # the History page's browser tests (tests/web)
  clang-19 libclang-rt-19-dev  # the libFuzzer targets (fuzz/, scripts/fuzz.sh)
  clang-format-19 clang-tidy-19  # scripts/check-format.sh, scripts/tidy.sh (the style is pinned to 19)
  dpkg-dev                  # the .deb's Depends (dpkg-shlibdeps, run by cpack)
  systemd man-db            # the .deb's test: systemd-analyze verify on the unit, man -l on the pages
  strace                    # the unit's sandbox checked against what exidx serve calls (tests/packaging)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# node and npm drive the browser tests; any install of them will do (Debian's,
# or NodeSource's nodejs, which carries npm).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi

# The browser tests' npm packages (playwright-core, pinned by the committed
# package-lock.json); never a browser download: they drive Debian's chromium.
# dynalite (pinned the same way) is the second DynamoDB implementation of the
# DynamoDB conformance suite.
install_web_test_packages() {
  local root
  root="$(cd "$(dirname "$0")/.." && pwd)"
  if [ -f "$root/tests/web/package-lock.json" ] && [ ! -f "$root/tests/web/node_modules/playwright-core/package.json" ]; then
    (cd "$root/tests/web" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  fi
  if [ -f "$root/tests/dynalite/package-lock.json" ] && [ ! -f "$root/tests/dynalite/node_modules/dynalite/package.json" ]; then
    (cd "$root/tests/dynalite" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  # docs/openapi.yaml's validator, and the JSON Schema validator (Ajv) that
  # checks every answer of exidx serve against it (tests/openapi).
  if [ -f "$root/tests/openapi/package-lock.json" ] && { [ ! -f "$root/tests/openapi/node_modules/ajv/package.json" ] || [ ! -f "$root/tests/openapi/node_modules/@seriousme/openapi-schema-validator/package.json" ]; }; then
    (cd "$root/tests/openapi" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  install_web_test_packages
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "Installing: ${missing[*]}" >&2
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
install_web_test_packages
