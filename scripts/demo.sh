#!/usr/bin/env bash
# The quick start: builds exidx and runs `exidx serve --demo`: the HTTP API on
# the embedded store in ./exidx-data, which (when empty) gets 7 days of
# simulated agent executions, then a live simulated feed of about 2 new
# executions per second, so the index changes while you watch.
# EXIDX_LISTEN=HOST:PORT chooses the address (default 127.0.0.1:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build exidx
exidx=build/src/cli/exidx

listen=${EXIDX_LISTEN:-127.0.0.1:8080}
url="http://$listen"
cat <<TEXT
== exidx serve --demo on $url (store ./exidx-data; Ctrl-C stops it)
Try, in another terminal:
  curl -s '$url/v1/executions?maxResults=5'                              # newest first
  curl -s '$url/v1/executions?agentName=research-agent&status=FAILED&maxResults=5'
  curl -s '$url/v1/executions?startDateFrom=$(date -u +%Y-%m-%d)&order=asc&maxResults=3'
  curl -s '$url/v1/agents'
  curl -sN '$url/v1/executions/stream?status=FAILED'                    # live updates (SSE)
  curl -s '$url/metrics'
  $exidx simulate -n 3 --seed 99 | curl -s -X POST --data-binary @- \\
       -H 'Content-Type: application/x-ndjson' '$url/v1/events'    # what EventBridge does
Logs (JSON lines) follow.
TEXT
exec "$exidx" serve --demo --listen "$listen" --store ./exidx-data
