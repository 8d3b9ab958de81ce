#!/usr/bin/env bash
# scripts/check-layering.py passes on the tree, and fails on a throwaway tree
# with one include that points up (core including store), naming it.
set -euo pipefail
check="$1/scripts/check-layering.py"
"$check" "$1/src" >/dev/null

tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/core" "$tree/store"
printf '#include "core/a.h"\n' >"$tree/store/b.h"
printf '#pragma once\n' >"$tree/core/a.h"
"$check" "$tree" >/dev/null

printf '#include "store/b.h"\n' >"$tree/core/c.cc"
set +e
message=$("$check" "$tree" 2>&1)
status=$?
set -e
[ "$status" -eq 1 ] || { echo "expected exit 1 for an upward include, got $status"; exit 1; }
grep -q "core/c.cc:1: core includes store/, a module above it" <<<"$message" || { echo "unexpected: $message"; exit 1; }
"$check" "$tree" extra >/dev/null 2>&1 && { echo "expected exit 2 on bad usage"; exit 1; }
echo "1 passed, 0 failed"
