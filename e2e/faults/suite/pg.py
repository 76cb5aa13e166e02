"""A throwaway PostgreSQL cluster of the suite's own (initdb + pg_ctl), on a free port.

The suite stops and starts this cluster to take the database away; it never touches any
other PostgreSQL on the machine.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

from .procs import free_port, run


def _bin(name: str) -> str:
    """The server binary `name`: the newest /usr/lib/postgresql/*/bin, else the PATH."""
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: [int(x) for x in d.split("/")[-2].split(".") if x.isdigit()])
    for d in reversed(dirs):
        if os.access(f"{d}/{name}", os.X_OK):
            return f"{d}/{name}"
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"no PostgreSQL {name} found (install postgresql)")
    return found


class Cluster:
    """A private cluster: `start`, `stop` (fast shutdown, as a restart does), `url(db)`."""

    def __init__(self, root: Path):
        self.port = free_port()
        root.mkdir(parents=True, exist_ok=True)
        # Short path: the socket directory lives here too (sockets have a length limit).
        self.dir = Path(tempfile.mkdtemp(prefix="ljf-pg-", dir="/tmp"))
        self.log = root / "postgres.log"
        self.as_postgres: list[str] = []
        if os.geteuid() == 0:
            self.as_postgres = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.dir, "postgres")
            self.log.touch()
            shutil.chown(self.log, "postgres")
        run([*self.as_postgres, _bin("initdb"), "-D", str(self.dir), "-A", "trust", "-U", "postgres", "--no-sync"], timeout=120)
        self.running = False
        # Trust authentication ignores it, but every URL carries it: the suite then checks
        # that no log or stored row ever shows it.
        self.password = "pgpw-" + secrets.token_urlsafe(12)

    def start(self) -> None:
        opts = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c max_connections=300 -c fsync=off -c synchronous_commit=off"
        )
        run([*self.as_postgres, _bin("pg_ctl"), "-D", str(self.dir), "-l", str(self.log), "-w", "-t", "60", "-o", opts, "start"], timeout=90)
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        run([*self.as_postgres, _bin("pg_ctl"), "-D", str(self.dir), "-m", mode, "-w", "-t", "60", "stop"], timeout=90)
        self.running = False

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres:{self.password}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        run(["psql", "-q", "-X", self.url(), "-c", f"CREATE DATABASE {name}"])
        return self.url(name)

    def destroy(self) -> None:
        if self.running:
            try:
                self.stop("immediate")
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(self.dir, ignore_errors=True)
