#!/usr/bin/env bash
# The 30-day statistics query (`exidx stats`, what /v1/executions/stats and
# the History page's chart answer) on a DynamoDB table (moto_server, the
# tests' one-request-at-a-time launcher) beside the same query on the
# embedded store, both holding the same simulated month; then what the month
# cost to write on DynamoDB (requests per event).
#
# usage: bench/dynamodb_stats/run.sh [BUILD_DIR] [EXECUTIONS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
executions=${2:-2000}
runs=${3:-3}
exidx=$(realpath "$build/src/cli/exidx")
work=$(mktemp -d)
python=python3
[ -x /root/.pyenv/shims/python3 ] && python=/root/.pyenv/shims/python3
port=$($python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
$python tests/aws/moto_serialized.py -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -s "http://127.0.0.1:$port/moto-api/" >/dev/null && break; sleep 0.2; done
export AWS_ENDPOINT_URL=http://127.0.0.1:$port AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench
export AWS_EC2_METADATA_DISABLED=true

"$exidx" simulate --executions "$executions" --seed 7 --agents 20 --output "$work/events.ndjson" \
  --tags-out "$work/tags.json"
events=$(wc -l <"$work/events.ndjson")
"$exidx" init --store dynamodb://BenchStats --statistics-wait 0 >/dev/null 2>&1
"$exidx" ingest "$work/events.ndjson" --store "$work/embedded" --tags-file "$work/tags.json" >/dev/null
start=$(date +%s.%N)
"$exidx" ingest "$work/events.ndjson" --store dynamodb://BenchStats --tags-file "$work/tags.json" >"$work/ingest.out"
end=$(date +%s.%N)
echo "$events events of $executions executions over 30 days, 20 agents; ingest into moto: $(echo "$end - $start" | bc) s"
cat "$work/ingest.out"

# A fixed range (the simulation's 30 days up to now), so that both answers are comparable.
to=$(date -u +%Y-%m-%dT%H:%M:%SZ)
from=$(date -u -d "-30 days" +%Y-%m-%dT%H:%M:%SZ)
query() { echo "exec $exidx stats --store $1 --from $from --to $to --bucket day --format json >$2"; }
sh -c "$(query "$work/embedded" "$work/embedded.json")"
sh -c "$(query dynamodb://BenchStats "$work/dynamodb.json")"
$python - "$work/embedded.json" "$work/dynamodb.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for doc in (a, b):
    del doc["metadata"]
print("same answer on both stores:", a == b, "| executions", a["totals"]["executions"])
PY
echo "== exidx stats, 30 days by day: DynamoDB (moto) vs the embedded store"
bench/ab_timing.py -n "$runs" "$(query dynamodb://BenchStats /dev/null)" "$(query "$work/embedded" /dev/null)"
