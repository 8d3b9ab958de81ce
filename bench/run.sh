#!/usr/bin/env bash
# The benchmark driver: exidx's RocksDB store against SQLite and PostgreSQL on
# one simulated workload, each engine in its own process, one at a time.
#
#   bench/run.sh [--quick] [--out DIR]
#
# --quick: small sizes (under 5 minutes); default: 100k, 1M and 5M executions
# (under 30 minutes on 2 cores). Writes DIR/results.jsonl (one JSON object a
# figure), DIR/machine.json and DIR/RESULTS.md (bench/report.py); copy the
# latter over bench/RESULTS.md to publish a run. Builds into build-bench/.
# Installs `postgresql libpq-dev` with apt-get when missing and runs its own
# PostgreSQL server (initdb in a temporary directory, 127.0.0.1, a free port),
# stopped at exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${EXIDX_BENCH_BUILD:-$ROOT/build-bench}
QUICK=0
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --out) OUT="$2"; shift ;;
    *) echo "usage: bench/run.sh [--quick] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
OUT=${OUT:-$ROOT/build-bench/bench-results-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"
: > "$RESULTS"

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

# --- PostgreSQL and build dependencies --------------------------------------
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! [ -f /usr/include/postgresql/libpq-fe.h ]; then
  echo "Installing postgresql libpq-dev" >&2
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends postgresql libpq-dev
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$BUILD" -j2 exidx_engine_bench >/dev/null
BENCH="$BUILD/bench/exidx_engine_bench"

# --- A private PostgreSQL server --------------------------------------------
PGTMP=$(mktemp -d /tmp/exidx-bench-pg.XXXXXX)
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  # PostgreSQL refuses to run as root.
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$PGTMP"
  as_pg=(runuser -u postgres --)
fi
pg_stop() {
  "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$PGTMP/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$PGTMP"
}
trap pg_stop EXIT
"${as_pg[@]}" "$PGBIN/initdb" -D "$PGTMP/data" -A trust -U postgres --no-instructions >/dev/null
# Durability stays on (fsync=on; synchronous_commit is set per session by the
# bench); shared_buffers and WAL sizing as a server for this data would have.
"${as_pg[@]}" "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w start \
  -o "-c port=$PGPORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PGTMP \
      -c fsync=on -c shared_buffers=128MB -c max_wal_size=4GB -c checkpoint_timeout=15min" >/dev/null
CONNINFO="host=127.0.0.1 port=$PGPORT user=postgres dbname=postgres"

# --- The machine and versions -------------------------------------------------
python3 - "$OUT/machine.json" "$QUICK" <<PY
import json, os, platform, subprocess, sys, datetime
def sh(c):
    try: return subprocess.run(c, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception: return ""
json.dump({
  "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
  "command": "bench/run.sh" + (" --quick" if sys.argv[2] == "1" else ""),
  "nproc": sh("nproc"),
  "memory": sh("free -h | awk '/Mem:/{print \$2}'"),
  "disk": sh("df -h $ROOT | awk 'NR==2{print \$1\" \"\$2\" (\"\$4\" free)\"}'") + ", " +
          sh("lsblk -dno NAME,ROTA,MODEL 2>/dev/null | head -3 | tr '\n' ';'"),
  "cpu": sh("lscpu | sed -n 's/^Model name: *//p'"),
  "kernel": platform.release(),
  "compiler": sh("c++ --version | head -1"),
  "rocksdb": sh("dpkg-query -W -f='\${Version}' librocksdb-dev"),
  "sqlite": sh("dpkg-query -W -f='\${Version}' libsqlite3-0"),
  "postgresql": sh("$PGBIN/postgres --version"),
  "git": sh("git -C $ROOT rev-parse --short HEAD") + (" (dirty tree)" if sh("git -C $ROOT status --porcelain") else ""),
}, open(sys.argv[1], "w"), indent=1)
PY

if [ "$QUICK" -eq 1 ]; then
  SIZES=20000,200000; PEER_SIZES=$SIZES; TOTAL=200000; QUERIES=300; WALKS=10
  SYNC_B1=300; SYNC_B100=30000; RELAXED_B1=5000; RELAXED_B100=100000
  SYNC_CC1=1000; SYNC_CC100=10000; RELAXED_CC1=10000; RELAXED_CC100=50000
else
  # exidx grows to 5M for its growth goal; the peers stop at 1M (loading
  # them to 5M would take about 15 more minutes each on 2 cores): ratios are
  # taken at 1M, the largest size all three reach.
  # Every engine simulates the same 5M history (--total) and the peers stop
  # at 1M, so all see the same first million.
  SIZES=100000,1000000,5000000; PEER_SIZES=100000,1000000; TOTAL=5000000; QUERIES=1000; WALKS=20
  SYNC_B1=1000; SYNC_B100=100000; RELAXED_B1=20000; RELAXED_B100=300000
  SYNC_CC1=4000; SYNC_CC100=40000; RELAXED_CC1=40000; RELAXED_CC100=200000
fi

run() {  # run ENGINE ARGS...: one engine in its own process
  local engine=$1; shift
  local extra=()
  if [ "$engine" = postgres ]; then extra=(--conninfo "$CONNINFO"); fi
  echo "$(date -u +%T) $engine $*" >&2
  "$BENCH" --engine "$engine" --total "$TOTAL" --dir "$OUT/store-$engine" "${extra[@]}" "$@" >> "$RESULTS"
  rm -rf "$OUT/store-$engine"
}

CLIENTS=8
ENGINES=(exidx sqlite postgres)
# Ingest: batches of 1 then of 100, fresh store, at both durabilities; then
# the same with $CLIENTS concurrent clients, each on a fresh store.
for durability in sync relaxed; do
  if [ $durability = sync ]; then
    b1=$SYNC_B1; b100=$SYNC_B100; cc1=$SYNC_CC1; cc100=$SYNC_CC100
  else
    b1=$RELAXED_B1; b100=$RELAXED_B100; cc1=$RELAXED_CC1; cc100=$RELAXED_CC100
  fi
  for engine in "${ENGINES[@]}"; do
    run "$engine" --mode ingest --durability $durability --sizes "$PEER_SIZES" --batch1-events $b1 --batch100-events $b100 \
      --clients $CLIENTS --concurrent-events $cc1 --concurrent-b100-events $cc100
  done
done
# Growth: one history loaded in batches of 100 (relaxed durability), queries,
# disk and memory measured at every size.
for engine in "${ENGINES[@]}"; do
  sizes=$PEER_SIZES
  if [ "$engine" = exidx ]; then sizes=$SIZES; fi
  run "$engine" --mode load --durability relaxed --sizes "$sizes" --queries $QUERIES --walks $WALKS
done
run baseline --sizes "$SIZES"

python3 "$ROOT/bench/report.py" "$OUT" > "$OUT/RESULTS.md"
echo "wrote $OUT/RESULTS.md" >&2
