# Sourced by scripts: makes TEST_MYSQL_URL point at a reachable MySQL / MariaDB where root
# may create databases. Order: TEST_MYSQL_URL if set; else the local server at
# 127.0.0.1:3306 (root, no password); else a throwaway MariaDB (mariadb-install-db +
# mariadbd) on port 53306 under ${TMPDIR:-/tmp}/longjobs-mariadb.

longjobs_mysql_reachable() {
  mariadb-admin --protocol=tcp -h 127.0.0.1 -P "$1" -u root ping >/dev/null 2>&1
}

longjobs_test_mysql() {
  if [[ -n ${TEST_MYSQL_URL:-} ]]; then
    return 0
  fi
  if longjobs_mysql_reachable 3306; then
    export TEST_MYSQL_URL=mysql://root@127.0.0.1:3306
    return 0
  fi
  command -v mariadbd >/dev/null || [[ -x /usr/sbin/mariadbd ]] ||
    { echo "no MariaDB server binaries found (install mariadb-server)" >&2; return 1; }
  local dir=${TMPDIR:-/tmp}/longjobs-mariadb port=53306 user
  user=$([[ $(id -u) == 0 ]] && echo mysql || id -un)
  if [[ ! -d $dir/data/mysql ]]; then
    mkdir -p "$dir/data" && chown -R "$user" "$dir"
    mariadb-install-db --user="$user" --datadir="$dir/data" --auth-root-authentication-method=normal \
      --skip-test-db >"$dir/install.log" 2>&1
  fi
  if ! longjobs_mysql_reachable $port; then
    /usr/sbin/mariadbd --user="$user" --datadir="$dir/data" --port=$port --bind-address=127.0.0.1 \
      --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" --skip-log-bin \
      --innodb-flush-log-at-trx-commit=2 --max-connections=500 >"$dir/log" 2>&1 &
    for _ in $(seq 1 60); do
      longjobs_mysql_reachable $port && break
      sleep 0.5
    done
    longjobs_mysql_reachable $port || { echo "throwaway MariaDB did not start; see $dir/log" >&2; return 1; }
  fi
  export TEST_MYSQL_URL=mysql://root@127.0.0.1:$port
  echo "using a throwaway MariaDB at $dir (port $port)" >&2
}
