"""Read-only looks at the queue's tables, the source of truth the suite checks against.

PostgreSQL through `psql`, MariaDB through the `mariadb` client, SQLite through Python's
own sqlite3; all answer rows of strings (None for NULL) so scenarios need not care which
one they run on.
"""

from __future__ import annotations

import sqlite3
import subprocess
from datetime import datetime, timezone
from urllib.parse import urlsplit

_NULL = "\x01NULL\x01"
_SEP = "\x1f"


def quote(s: str) -> str:
    """A SQL string literal (the suite only quotes values it made itself)."""
    return "'" + s.replace("'", "''") + "'"


def parse_time(s: str | None) -> float | None:
    """A stored naive UTC timestamp as seconds since the epoch."""
    if s is None:
        return None
    return datetime.fromisoformat(s.replace("T", " ")).replace(tzinfo=timezone.utc).timestamp()


class Database:
    kind = "?"

    def __init__(self, url: str):
        self.url = url

    def query(self, sql: str) -> list[tuple]:
        raise NotImplementedError

    def scalar(self, sql: str) -> str | None:
        rows = self.query(sql)
        return rows[0][0] if rows else None

    def count(self, sql_from_where: str) -> int:
        return int(self.scalar(f"SELECT count(*) {sql_from_where}") or 0)

    def jobs(self, kind: str) -> dict[int, dict]:
        """Every job of `kind`: id → state, attempt, finished_at (epoch s), errors."""
        rows = self.query(
            f"SELECT id, state, attempt, finished_at, errors, payload FROM jobs WHERE kind = {quote(kind)}"
        )
        return {
            int(r[0]): {
                "state": r[1],
                "attempt": int(r[2]),
                "finished_at": parse_time(r[3]),
                "errors": r[4] or "",
                "payload": r[5] or "",
            }
            for r in rows
        }

    def worker_id(self, pid: int) -> str | None:
        """The registered id of the live worker process `pid` (None until it registered)."""
        return self.scalar(
            f"SELECT id FROM workers WHERE pid = {pid} AND stopped_at IS NULL ORDER BY started_at DESC LIMIT 1"
        )

    def running_of(self, worker: str) -> list[int]:
        rows = self.query(f"SELECT id FROM jobs WHERE state = 'running' AND lease_owner = {quote(worker)}")
        return [int(r[0]) for r in rows]


class Postgres(Database):
    kind = "postgres"

    def query(self, sql: str) -> list[tuple]:
        r = subprocess.run(
            ["psql", "-X", "-q", "-A", "-t", "-F", _SEP, "-P", f"null={_NULL}", "-v", "ON_ERROR_STOP=1", self.url, "-c", sql],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if r.returncode != 0:
            raise RuntimeError(f"psql failed: {r.stderr.strip()}\n{sql}")
        rows = []
        for line in r.stdout.splitlines():
            if line == "":
                continue
            rows.append(tuple(None if v == _NULL else v for v in line.split(_SEP)))
        return rows


class Sqlite(Database):
    kind = "sqlite"

    def __init__(self, url: str):
        super().__init__(url)
        self.path = url.removeprefix("sqlite://")

    def query(self, sql: str) -> list[tuple]:
        con = sqlite3.connect(self.path, timeout=30)
        try:
            return [tuple(None if v is None else str(v) for v in row) for row in con.execute(sql)]
        finally:
            con.close()


class Mysql(Database):
    kind = "mysql"

    def __init__(self, url: str):
        super().__init__(url)
        u = urlsplit(url)
        self.args = ["-h", u.hostname or "127.0.0.1", "-P", str(u.port or 3306), "-u", u.username or "root"]
        if u.password:
            self.args.append(f"-p{u.password}")
        self.name = u.path.lstrip("/")

    def client(self, sql: str, *, database: bool = True) -> subprocess.CompletedProcess:
        # --raw: values as stored (the suite's JSON columns hold no tab or newline).
        return subprocess.run(
            ["mariadb", "--protocol=tcp", *self.args, "-B", "-N", "--raw",
             *([self.name] if database else []), "-e", sql],
            capture_output=True,
            text=True,
            timeout=60,
        )

    def query(self, sql: str) -> list[tuple]:
        r = self.client(sql)
        if r.returncode != 0:
            raise RuntimeError(f"mariadb failed: {r.stderr.strip()}\n{sql}")
        return [
            tuple(None if v == "NULL" else v for v in line.split("\t"))
            for line in r.stdout.splitlines()
            if line != ""
        ]


def create_mysql_database(server_url: str, name: str) -> str:
    """A new, empty database on the MariaDB at `server_url` (dropped first if left over)."""
    url = f"{server_url.rstrip('/')}/{name}"
    db = Mysql(url)
    r = db.client(f"DROP DATABASE IF EXISTS `{name}`; CREATE DATABASE `{name}`", database=False)
    if r.returncode != 0:
        raise RuntimeError(f"creating MariaDB database {name} failed: {r.stderr.strip()}")
    return url


def open_database(url: str) -> Database:
    if url.startswith("sqlite://"):
        return Sqlite(url)
    if url.startswith(("mysql://", "mariadb://")):
        return Mysql(url)
    return Postgres(url)
