#!/usr/bin/env bash
# The backfill benchmark: `exidx backfill` against moto_server, with the
# client-side limiter off and on, beside a boto3 peer that fetches the same
# answers and writes them into SQLite. Each run starts from an empty store.
#
# usage: bench/backfill/run.sh [BUILD_DIR] [MACHINES] [EXECUTIONS_PER_MACHINE] [STOP_PERCENT] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
machines=${2:-2}
per_machine=${3:-1000}
stop_percent=${4:-20}
runs=${5:-3}
exidx=$(realpath "$build/src/cli/exidx")
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
moto_server -p "$port" >"$work/moto.log" 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -s "http://127.0.0.1:$port" >/dev/null && break; sleep 0.2; done
endpoint="http://127.0.0.1:$port"
echo "setting up $machines state machines x $per_machine executions ($stop_percent% stopped) on moto at $endpoint" >&2
python3 bench/backfill/setup_moto.py "$endpoint" "$machines" "$per_machine" "$stop_percent"

export AWS_ENDPOINT_URL=$endpoint AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench
export AWS_EC2_METADATA_DISABLED=true
backfill() {  # backfill NAME FLAGS...: a fresh embedded store each run; the counts of the last run kept.
  local name=$1
  shift
  echo "rm -rf $work/$name && exec $exidx backfill --store $work/$name --relaxed-durability $* >$work/$name.out 2>/dev/null"
}
peer="rm -f $work/peer.sqlite && exec python3 bench/backfill/peer_backfill.py $endpoint $work/peer.sqlite >/dev/null"
echo "== limiter off vs the boto3 + SQLite peer" >&2
bench/ab_timing.py -n "$runs" "$(backfill off --no-rate-limit)" "$peer"
cat "$work/off.out"
echo "== limiter on (Step Functions' published quotas) vs limiter off" >&2
bench/ab_timing.py -n "$runs" "$(backfill on)" "$(backfill off --no-rate-limit)"
cat "$work/on.out"
