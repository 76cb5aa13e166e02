"""One scenario's longjobs: simulator, API server and worker processes over one database.

All of it is real: the binaries `cargo build --workspace` made, on loopback ports, with
their logs under the scenario's directory.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .api import Api
from .db import Database, create_mysql_database, open_database
from .pg import Cluster
from .procs import Proc, free_port, wait_until

OPERATOR = "faults-ops"


@dataclass
class Context:
    """What every scenario shares: where the binaries are, where output goes, quick or full."""

    bin: Path
    out: Path
    quick: bool
    venv_dir: Path | None = None  # where the schemathesis venv lives
    cluster: Cluster | None = None  # started on first use

    def database(self, name: str, backend: str) -> str:
        """A new, empty database for one scenario: a SQLite file, a database on the MariaDB
        of TEST_MYSQL_URL (scripts/faults finds or starts one), or a database in the suite's
        own PostgreSQL cluster (started on first use)."""
        if backend == "sqlite":
            d = self.out / "databases"
            d.mkdir(parents=True, exist_ok=True)
            return f"sqlite://{d / name}.db"
        if backend in ("mysql", "mariadb"):
            server = os.environ.get("TEST_MYSQL_URL")
            if not server:
                raise RuntimeError("TEST_MYSQL_URL is not set: run the suite through scripts/faults")
            return create_mysql_database(server, f"longjobs_faults_{name}")
        if self.cluster is None:
            self.cluster = Cluster(self.out / "postgres")
            self.cluster.start()
        return self.cluster.create_database(name)

    def exe(self, name: str) -> str:
        p = self.bin / name
        if not p.exists():
            raise RuntimeError(f"{p} is missing: run `cargo build --workspace` first")
        return str(p)


class Stack:
    def __init__(self, ctx: Context, name: str, url: str):
        self.ctx = ctx
        self.name = name
        self.dir = ctx.out / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.url = url
        self.db: Database = open_database(url)
        db_password = urlsplit(url).password if url.startswith("postgres") else None
        self.executions = self.dir / "executions.jsonl"
        self.secrets: dict[str, str] = {
            "admin password": "adm-" + secrets.token_urlsafe(18),
            "operator password": "ops-" + secrets.token_urlsafe(18),
            "JWT secret": secrets.token_urlsafe(36),
            "Zenodo access token": "zt-" + secrets.token_urlsafe(24),
        }
        if db_password:
            self.secrets["database password"] = db_password
        self.sim: Proc | None = None
        self.sim_url = ""
        self.server: Proc | None = None
        self.api: Api | None = None
        self.admin: Api | None = None
        self.api_base = ""
        self.workers: list[Proc] = []
        self._n = 0
        self._scanned = 0
        self._by_pid: dict[int, int] = {}

    # --- processes -------------------------------------------------------------------

    def env(self, **extra: str) -> dict[str, str]:
        e = {k: v for k, v in os.environ.items() if not k.startswith("LONGJOBS_")}
        e.update(
            LONGJOBS_DATABASE_URL=self.url,
            RUST_LOG=os.environ.get("FAULTS_RUST_LOG", "info"),
            NO_COLOR="1",
        )
        e.update(extra)
        return e

    def start_sim(self, plan: dict | None = None) -> None:
        port = free_port()
        self.sim = Proc(
            "sim",
            [self.ctx.exe("longjobs-sim"), "--listen", f"127.0.0.1:{port}", "--merritt-delay", "300ms", "--zenodo-token", self.secrets["Zenodo access token"]],
            self.dir / "sim.log",
            self.env(),
        )
        self.sim_url = f"http://127.0.0.1:{port}"
        self.sim_api = Api(self.sim_url)
        wait_until("the simulator", lambda: self._answers(self.sim_api, "/admin/faults"), 30)
        if plan is not None:
            self.set_faults(plan)

    def set_faults(self, plan: dict) -> None:
        self.sim_api.ok("PUT", "/admin/faults", plan)

    def start_server(self) -> None:
        """Starts the API server; on a new database it creates the first admin (password
        from the environment), who creates the operator the scenario signs in as."""
        env = self.env(
            LONGJOBS_ADMIN_PASSWORD=self.secrets["admin password"],
            LONGJOBS_JWT_SECRET=self.secrets["JWT secret"],
            LONGJOBS_CONSOLE_DIR=str(self.dir / "no-console"),
        )
        port = free_port()
        self.server = Proc("server", [self.ctx.exe("longjobs-server"), "serve", "--listen", f"127.0.0.1:{port}"], self.dir / "server.log", env)
        self.api_base = f"http://127.0.0.1:{port}"
        anon = Api(self.api_base)
        wait_until("the API server", lambda: self._answers(anon, "/healthz"), 60)
        if self.api is None:
            admin = Api(self.api_base, self.login("admin", self.secrets["admin password"], "admin login token"))
            admin.ok("POST", "/api/users", {"username": OPERATOR, "password": self.secrets["operator password"], "role": "operator"}, expect=(201,))
            self.admin = admin
        self.api = Api(self.api_base, self.login(OPERATOR, self.secrets["operator password"], "operator login token"))

    def login(self, username: str, password: str, secret_name: str) -> str:
        """Signs in; the token joins the secrets no log may hold."""
        token = Api(self.api_base).ok("POST", "/api/auth/login", {"username": username, "password": password})["token"]
        self.secrets[secret_name] = token
        return token

    @staticmethod
    def _answers(api: Api, path: str) -> bool:
        try:
            return api.call("GET", path, timeout=2).status == 200
        except OSError:
            return False

    def start_worker(self, queues: list[str], *, lease="2s", heartbeat="500ms", rescue="500ms", grace="10s", poll="100ms", extra: list[str] | None = None) -> Proc:
        self._n += 1
        argv = [self.ctx.exe("longjobs-worker"), "run"]
        for q in queues:
            argv += ["--queue", q]
        argv += ["--lease", lease, "--heartbeat", heartbeat, "--rescue-interval", rescue, "--grace", grace, "--poll-interval", poll]
        if self.sim_url:
            argv += [
                "--zenodo-url", f"{self.sim_url}/zenodo",
                "--merritt-url", f"{self.sim_url}/merritt",
                "--merritt-check-interval", "300ms",
                "--remote-retry-base", "200ms",
                # The simulator's file source is on loopback: allowed by name.
                "--source-hosts", self.sim_url.removeprefix("http://"),
                "--source-private-networks", "127.0.0.1/32",
            ]
        argv += extra or []
        env = self.env(LONGJOBS_EXECUTION_LOG=str(self.executions), LONGJOBS_ZENODO_TOKEN=self.secrets["Zenodo access token"])
        w = Proc(f"worker-{self._n}", argv, self.dir / f"worker-{self._n}.log", env)
        self.workers.append(w)
        return w

    def worker_id(self, w: Proc, timeout: float = 30) -> str:
        """The id `w` registered under (waits for it to register)."""
        return wait_until(f"{w.name} to register", lambda: self.db.worker_id(w.pid), timeout)

    def stop(self) -> None:
        for p in [*self.workers, self.server, self.sim]:
            if p is not None and p.alive():
                p.stop(grace=30)

    def logs(self) -> str:
        return "".join(p.read_text(errors="replace") for p in sorted(self.dir.glob("*.log")))

    # --- work ------------------------------------------------------------------------

    def read_executions(self) -> list[dict]:
        if not self.executions.exists():
            return []
        out = []
        for line in self.executions.read_text().splitlines():
            if line.strip():
                out.append(json.loads(line))
        return out

    def executed_by(self, pid: int) -> int:
        """How many executions worker process `pid` recorded so far (reads only what is new)."""
        if self.executions.exists():
            with open(self.executions, "rb") as f:
                f.seek(self._scanned)
                data = f.read()
            whole = data.rfind(b"\n") + 1
            self._scanned += whole
            for line in data[:whole].splitlines():
                if line.strip():
                    p = json.loads(line)["pid"]
                    self._by_pid[p] = self._by_pid.get(p, 0) + 1
        return self._by_pid.get(pid, 0)

    def copies(self) -> list[dict]:
        """Every Zenodo copy, through the API (pages of 500)."""
        out, before = [], None
        while True:
            path = "/api/zenodo/copies?limit=500" + (f"&before={before}" if before else "")
            page = self.api.get(path)
            out += page["copies"]
            before = page.get("next_before")
            if not before:
                return out


class Feeder(threading.Thread):
    """Enqueues `record` jobs in batches through the API until stopped, each batch retried
    (same unique keys) until accepted: the client a real caller would be."""

    def __init__(self, api: Api, prefix: str, *, batch: int = 10, every: float = 0.2, ms: tuple[int, int] = (20, 120), limit: int = 100_000, phase_of=None):
        super().__init__(daemon=True)
        self.api, self.prefix, self.batch, self.every, self.ms, self.limit = api, prefix, batch, every, ms, limit
        self.phase_of = phase_of  # callable: time -> phase name
        self.accepted: dict[str, tuple[int, float]] = {}  # tag -> (job id, accepted at)
        self.refused: list[tuple[object, float]] = []  # (status or error, at)
        self.phases: dict[str, str] = {}  # tag -> phase at the first try
        self.error: Exception | None = None
        self._halt = threading.Event()
        self._n = 0

    def stop(self) -> None:
        """Stops after the batch in flight; raises what went wrong in the thread."""
        self._halt.set()
        if self.is_alive():
            self.join(timeout=180)
        if self.error:
            raise self.error

    def enqueue_now(self, n: int) -> None:
        """Enqueues `n` jobs at once (from the caller's thread), in batches of 500."""
        while n > 0:
            k = min(n, 500)
            self._send(k, retry_until=time.time() + 60)
            n -= k

    def run(self) -> None:
        try:
            while not self._halt.is_set() and self._n < self.limit:
                self._send(self.batch, retry_until=time.time() + 120)
                self._halt.wait(self.every)
        except Exception as e:  # noqa: BLE001 — reported by stop()
            self.error = e

    def _send(self, k: int, retry_until: float) -> None:
        tags = [f"{self.prefix}-{self._n + i}" for i in range(k)]
        self._n += k
        phase = self.phase_of(time.time()) if self.phase_of else ""
        for t in tags:
            self.phases[t] = phase
        body = {
            "jobs": [
                {"queue": "default", "kind": "record", "unique_key": t, "payload": {"ms": random.randint(*self.ms), "tag": t}}
                for t in tags
            ]
        }
        while True:
            try:
                a = self.api.call("POST", "/api/jobs", body, timeout=30)
                if a.status in (200, 201):
                    now = time.time()
                    for t, j in zip(tags, a.body["jobs"]):
                        self.accepted[t] = (j["job"]["id"], now)
                    return
                self.refused.append((a.status, time.time()))
            except OSError as e:
                self.refused.append((type(e).__name__, time.time()))
            if time.time() > retry_until:
                raise RuntimeError(f"enqueueing {tags[0]}… was refused until the deadline: {self.refused[-3:]}")
            time.sleep(0.2)
