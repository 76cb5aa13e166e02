#!/usr/bin/env bash
# Runs one peer queue benchmark once (delayed_job, graphile-worker or PgQueuer) and prints its one-line result on stdout.
# Usage: bench/peers.sh PG_BASE_URL PEER [NAME=VALUE ...]
#   PEER: delayed_job (N, W), graphile (N, C, BATCH, SLEEP_MS) or pgqueuer (N, DEQUEUE, BATCH,
#   SLEEP_MS, MAX_TASKS); the NAME=VALUE pairs are the peer script's settings (see
#   ../shared/bench/peers/README.md), e.g. bench/peers.sh postgres://root@127.0.0.1:5432 graphile N=20000 C=24 BATCH=500
# Each peer uses its own database (dj_bench, gw_bench, pgq_bench) and recreates its tables.
# Env: PEERS_DIR (overrides the default ../shared/bench/peers beside the repo top level),
# CACHE and PGQ_VENV (see peers-setup.sh).
set -euo pipefail

die() { echo "peers: $*" >&2; exit 1; }
[[ $# -ge 2 ]] || die "usage: $0 PG_BASE_URL PEER [NAME=VALUE ...]"
BASE=${1%/}; PEER=$2; shift 2
[[ $BASE =~ ^postgres(ql)?://[^/]+$ ]] || die "PG_BASE_URL must look like postgres://user@host:port (no database), got '$BASE'"
for kv in "$@"; do
  [[ $kv =~ ^(N|W|C|BATCH|SLEEP_MS|DEQUEUE|MAX_TASKS)=[0-9]+$ ]] || die "expected NAME=NUMBER (N, W, C, BATCH, SLEEP_MS, DEQUEUE, MAX_TASKS), got '$kv'"
done

here=$(cd "$(dirname "$0")" && pwd)
top=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null || dirname "$here")
PEERS=${PEERS_DIR:-$top/../shared/bench/peers}
[[ -f $PEERS/delayed_job/bench.rb && -f $PEERS/graphile/bench.js && -f $PEERS/pgqueuer/bench.py ]] \
  || die "peer scripts not found in $PEERS (set PEERS_DIR)"

root="${XDG_CACHE_HOME:-$HOME/.cache}/longjobs-bench"
export CACHE="${CACHE:-$root/graphile}" PGQ_VENV="${PGQ_VENV:-$root/pgqueuer}"
"$here/peers-setup.sh" >&2

case $PEER in
  delayed_job) cmd=(ruby "$PEERS/delayed_job/bench.rb"); db=dj_bench ;;
  graphile) cmd=(env NODE_PATH="$CACHE/node_modules" node "$PEERS/graphile/bench.js"); db=gw_bench ;;
  pgqueuer) cmd=("$PGQ_VENV/bin/python" "$PEERS/pgqueuer/bench.py"); db=pgq_bench ;;
  *) die "PEER must be delayed_job, graphile or pgqueuer, got '$PEER'" ;;
esac

# The jobs_per_s= line goes to stdout, all other output to stderr.
out=$(env "$@" DATABASE_URL="$BASE/$db" "${cmd[@]}") || { printf '%s\n' "$out" >&2; die "$PEER run failed"; }
printf '%s' "$out" | grep -v 'jobs_per_s=' >&2 || true
grep -m1 'jobs_per_s=' <<<"$out" || die "$PEER printed no jobs_per_s= line"
