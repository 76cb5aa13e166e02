# Sourced by scripts: makes TEST_DATABASE_URL point at a reachable PostgreSQL.
# Order: TEST_DATABASE_URL if set; else the local server at 127.0.0.1:5432; else a
# throwaway cluster (initdb + pg_ctl) on port 55432 under ${TMPDIR:-/tmp}/longjobs-pg.

longjobs_test_postgres() {
  if [[ -n ${TEST_DATABASE_URL:-} ]]; then
    return 0
  fi
  if command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then
    export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres
    return 0
  fi
  local bin dir port=55432
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -x $bin/initdb ]] || { echo "no PostgreSQL server binaries found (install postgresql)" >&2; return 1; }
  dir=${TMPDIR:-/tmp}/longjobs-pg
  local as=()
  [[ $(id -u) == 0 ]] && as=(runuser -u postgres --)
  if [[ ! -f $dir/PG_VERSION ]]; then
    mkdir -p "$dir" && chown "$([[ $(id -u) == 0 ]] && echo postgres || id -un)" "$dir"
    "${as[@]}" "$bin/initdb" -D "$dir" -A trust -U postgres >/dev/null
  fi
  if ! pg_isready -q -h 127.0.0.1 -p $port; then
    "${as[@]}" "$bin/pg_ctl" -D "$dir" -l "$dir/log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" start >/dev/null
  fi
  export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres
  echo "using a throwaway PostgreSQL cluster at $dir (port $port)" >&2
}
