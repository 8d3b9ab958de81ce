#!/usr/bin/env bash
# Installs the Debian 12 packages exidx needs to build and test. Safe to rerun:
# it asks apt only for what is missing. Runs apt through sudo when not root.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config git python3
  librocksdb-dev libboost1.81-dev libboost-json1.81-dev libssl-dev libcurl4-openssl-dev
  libfmt-dev libspdlog-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev libsqlite3-dev
  zip unzip busybox-static  # the Lambda package and its chroot test
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "Installing: ${missing[*]}" >&2
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
