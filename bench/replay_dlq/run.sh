#!/usr/bin/env bash
# Dead-letter replay throughput: `exidx replay-dlq` draining a queue of N
# messages on moto_server into a fresh embedded store, beside `exidx ingest`
# of the same N events from a file (the peer: the same Indexer path without
# the queue). Each run fills a new queue first (not timed).
#
# usage: bench/replay_dlq/run.sh [BUILD_DIR] [MESSAGES] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
messages=${2:-2000}
runs=${3:-3}
exidx=$(realpath "$build/src/cli/exidx")
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
moto_server -p "$port" >"$work/moto.log" 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -s "http://127.0.0.1:$port" >/dev/null && break; sleep 0.2; done
endpoint="http://127.0.0.1:$port"
export AWS_ENDPOINT_URL=$endpoint AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench
export AWS_EC2_METADATA_DISABLED=true

"$exidx" simulate --executions "$messages" --output "$work/all.ndjson" --tags-out "$work/tags.json" >/dev/null
head -n "$messages" "$work/all.ndjson" >"$work/events.ndjson"
seconds() { python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.3f}")' "$@"; }
echo "nproc $(nproc); $(lscpu | grep 'Model name' | sed 's/  */ /g')"
echo "run messages replay_s replay_events_per_s ingest_s ingest_events_per_s"
for run in $(seq "$runs"); do
  queue=$(python3 bench/replay_dlq/send_messages.py "$endpoint" "bench-$run" "$work/events.ndjson")
  start=$(date +%s.%N)
  "$exidx" replay-dlq --queue-url "$queue" --store "$work/replay-$run" --tags-file "$work/tags.json" \
    --relaxed-durability >"$work/replay-$run.out" 2>/dev/null
  replay=$(seconds "$start" "$(date +%s.%N)")
  start=$(date +%s.%N)
  "$exidx" ingest "$work/events.ndjson" --store "$work/ingest-$run" --tags-file "$work/tags.json" \
    --relaxed-durability >"$work/ingest-$run.out"
  ingest=$(seconds "$start" "$(date +%s.%N)")
  python3 -c 'import sys; n, r, i = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]); print(sys.argv[1], n, r, f"{n / r:.0f}", i, f"{n / i:.0f}")' \
    "$run" "$messages" "$replay" "$ingest"
  cat "$work/replay-$run.out" >&2
done
