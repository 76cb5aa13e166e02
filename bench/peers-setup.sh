#!/usr/bin/env bash
# Installs what the peer benchmarks need (delayed_job via apt, graphile-worker via npm, PgQueuer in a venv); idempotent, quiet.
# Env: CACHE (graphile-worker's npm prefix), PGQ_VENV (PgQueuer's venv); both default under
# ${XDG_CACHE_HOME:-~/.cache}/longjobs-bench/.
set -euo pipefail

root="${XDG_CACHE_HOME:-$HOME/.cache}/longjobs-bench"
CACHE="${CACHE:-$root/graphile}"
PGQ_VENV="${PGQ_VENV:-$root/pgqueuer}"
GW_VERSION=0.17.3
PGQ_VERSION=1.6.0
die() { echo "peers-setup: $*" >&2; exit 1; }

# Debian packages: install only the missing ones (plus Node.js if this machine has none).
# wrk loads the API; linux-perf profiles a drain (bench/run.py section 7).
pkgs=(ruby ruby-delayed-job ruby-delayed-job-active-record ruby-activerecord ruby-pg wrk python3-venv linux-perf)
command -v node >/dev/null && command -v npm >/dev/null || pkgs+=(nodejs npm)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  [[ $EUID -eq 0 ]] || die "need root to apt-get install: ${missing[*]}"
  echo "peers-setup: apt-get install ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  log=$(mktemp)
  apt-get update -qq >"$log" 2>&1 || { cat "$log" >&2; die "apt-get update failed"; }
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$log" 2>&1 \
    || { cat "$log" >&2; die "apt-get install failed: ${missing[*]}"; }
  rm -f "$log"
fi

# graphile-worker and pg from npm into $CACHE (skipped when the pinned version is already there).
have=$(node -p "require('$CACHE/node_modules/graphile-worker/package.json').version" 2>/dev/null || true)
if [[ $have != "$GW_VERSION" || ! -f $CACHE/node_modules/pg/package.json ]]; then
  echo "peers-setup: npm install graphile-worker@$GW_VERSION pg into $CACHE" >&2
  mkdir -p "$CACHE"
  npm install --prefix "$CACHE" --no-audit --no-fund --loglevel=error "graphile-worker@$GW_VERSION" pg >/dev/null \
    || die "npm install of graphile-worker@$GW_VERSION pg into $CACHE failed"
fi

# PgQueuer, asyncpg and uvloop from PyPI into the venv $PGQ_VENV (skipped when the pinned
# version imports there).
have=$("$PGQ_VENV/bin/python" -c 'import asyncpg, uvloop; from importlib.metadata import version; print(version("pgqueuer"))' 2>/dev/null || true)
if [[ $have != "$PGQ_VERSION" ]]; then
  echo "peers-setup: pip install pgqueuer==$PGQ_VERSION asyncpg uvloop into $PGQ_VENV" >&2
  log=$(mktemp)
  { python3 -m venv "$PGQ_VENV" && "$PGQ_VENV/bin/pip" install -q --disable-pip-version-check \
      "pgqueuer==$PGQ_VERSION" asyncpg uvloop; } >"$log" 2>&1 \
    || { cat "$log" >&2; die "pip install of pgqueuer==$PGQ_VERSION asyncpg uvloop into $PGQ_VENV failed"; }
  rm -f "$log"
fi
