#!/usr/bin/env bash
# The quick start: builds exidx, simulates 30 days of agent executions,
# indexes them into the embedded store in ./exidx-data and queries it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build exidx
exidx=build/src/cli/exidx

demo=$(mktemp -d)
trap 'rm -rf "$demo"' EXIT
echo "== simulating 100,000 executions of 20 agents over 30 days"
"$exidx" simulate --executions 100000 --seed 7 --output "$demo/events.ndjson" --tags-out "$demo/tags.json"
echo "== ingesting $(wc -l <"$demo/events.ndjson") events into ./exidx-data"
time "$exidx" ingest "$demo/events.ndjson" --tags-file "$demo/tags.json" --store ./exidx-data
echo "== the 10 newest executions of all agents"
"$exidx" query --store ./exidx-data --limit 10
echo "== the 5 newest FAILED executions of research-agent"
"$exidx" query --store ./exidx-data --agent research-agent --status FAILED --limit 5
