#!/usr/bin/env bash
# Runs the peer queue benchmarks (delayed_job, graphile-worker) and prints their one-line results on stdout.
# Usage: bench/peers.sh PG_BASE_URL N   e.g. bench/peers.sh postgres://root@127.0.0.1:5432 20000
# Env: DJ_N (delayed_job jobs, default 5000), RUNS (rounds, default 1), PEERS_DIR (overrides the
# default ../shared/bench/peers beside the repo top level), CACHE (see peers-setup.sh).
set -euo pipefail

die() { echo "peers: $*" >&2; exit 1; }
[[ $# -eq 2 ]] || die "usage: $0 PG_BASE_URL N"
BASE=${1%/}; N=$2
DJ_N=${DJ_N:-5000}; RUNS=${RUNS:-1}
for v in N DJ_N RUNS; do [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, got '${!v}'"; done
[[ $BASE =~ ^postgres(ql)?://[^/]+$ ]] || die "PG_BASE_URL must look like postgres://user@host:port (no database), got '$1'"

here=$(cd "$(dirname "$0")" && pwd)
top=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null || dirname "$here")
PEERS=${PEERS_DIR:-$top/../shared/bench/peers}
[[ -f $PEERS/delayed_job/bench.rb && -f $PEERS/graphile/bench.js ]] \
  || die "peer scripts not found in $PEERS (set PEERS_DIR)"

export CACHE="${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/longjobs-bench/graphile}"
"$here/peers-setup.sh" >&2

# Runs one peer; its jobs_per_s= line goes to stdout, all other output to stderr.
run() {
  local name=$1 out; shift
  out=$(env "$@") || { printf '%s\n' "$out" >&2; die "$name run failed"; }
  printf '%s' "$out" | grep -v 'jobs_per_s=' >&2 || true
  grep -m1 'jobs_per_s=' <<<"$out" || die "$name printed no jobs_per_s= line"
}

for ((r = 1; r <= RUNS; r++)); do
  run delayed_job N="$DJ_N" W=2 DATABASE_URL="$BASE/dj_bench" ruby "$PEERS/delayed_job/bench.rb"
  for batch in 0 500; do
    run "graphile-worker BATCH=$batch" N="$N" C=24 BATCH=$batch DATABASE_URL="$BASE/gw_bench" \
      NODE_PATH="$CACHE/node_modules" node "$PEERS/graphile/bench.js"
  done
done
