#!/usr/bin/env python3
"""longjobs benchmarks, side by side with delayed_job, graphile-worker and PgQueuer, in one run.

Method (so that no system is favoured by when it runs):
  - every system runs once per round, in an order rotated by one each round; RUNS rounds;
  - every run starts from a fresh table (longjobs-bench TRUNCATEs it, a new SQLite file, the
    peer scripts drop and recreate theirs) and right after a PostgreSQL CHECKPOINT, so no run
    pays for the dirty pages of the one before;
  - the 1-minute load average (/proc/loadavg) before each run is printed beside it;
  - a ratio "x peer" is the median over rounds of (longjobs run r / peer run r), never a
    ratio of two medians, so a load change during one round hits both sides of its pair.

Sections:
  1. burn: no-op jobs drained, jobs/s; longjobs on PostgreSQL, SQLite (synchronous NORMAL and
     FULL) and MariaDB at each BURN_CONFIGS setting, beside delayed_job, graphile-worker 0.17.3
     (BATCH=0 and BATCH=500) and PgQueuer; jobs per PostgreSQL commit from pg_stat_database;
  2. io: IO_N jobs of IO_SLEEP_MS each at concurrency IO_C, drain seconds and % of ideal;
  3. enqueue: bulk through the library and through the REST API;
  4. latency: an idle worker, jobs enqueued one at a time, commit to handler start, LATENCY_RUNS
     runs on PostgreSQL and on SQLite, one (LATENCY_MYSQL_N jobs) on MariaDB;
  5. api: the API under wrk with API_ROWS jobs in the table, the first /api/stats after the fill;
  6. memory: the server before any login, after one, after LOGINS logins 8 at a time, and at
     peak; a worker at rest and at peak;
  7. profile: `perf record -a` over a no-op drain at c24/p500 on PostgreSQL: the CPU each
     process (PostgreSQL, the worker, the kernel, idle) spends per job, their top functions,
     and the rate PostgreSQL's own share per job allows on this machine's cores.
Writes OUT (default docs/benchmarks.md, only when every section runs) and prints it.

    python3 bench/run.py     # env: N, DJ_N, RUNS, PG_BASE_URL, MYSQL_BASE_URL, BURN_CONFIGS,
                             #      IO_N, IO_SLEEP_MS, IO_C, LATENCY_N, LATENCY_RUNS, LATENCY_MYSQL_N, API_ROWS,
                             #      WRK_SECONDS, LOGINS, PROFILE_N, SECTIONS (e.g. "burn,api"), OUT, PROFILE
"""
import concurrent.futures
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from logins import login

TOP = Path(__file__).resolve().parent.parent
PG = os.environ.get("PG_BASE_URL", "postgres://root@127.0.0.1:5432").rstrip("/")
MYSQL = os.environ.get("MYSQL_BASE_URL", "mysql://root@127.0.0.1:3306").rstrip("/")
N = int(os.environ.get("N", "20000"))
DJ_N = int(os.environ.get("DJ_N", "5000"))
RUNS = int(os.environ.get("RUNS", "3"))
# (concurrency, prefetch) pairs: prefetch claims jobs beyond the free slots, like
# graphile-worker's BATCH; the worker's default is 0 (with adaptive prefetch on).
BURN_CONFIGS = [tuple(int(x) for x in c.split("/"))
                for c in os.environ.get("BURN_CONFIGS", "24/500,24/0,500/0").split(",")]
IO_N = int(os.environ.get("IO_N", "5000"))
IO_SLEEP_MS = int(os.environ.get("IO_SLEEP_MS", "50"))
IO_C = int(os.environ.get("IO_C", "50"))
LATENCY_N = int(os.environ.get("LATENCY_N", "1000"))
LATENCY_RUNS = int(os.environ.get("LATENCY_RUNS", "5"))
LATENCY_MYSQL_N = int(os.environ.get("LATENCY_MYSQL_N", "40"))
API_ROWS = int(os.environ.get("API_ROWS", "1000000"))
WRK_SECONDS = int(os.environ.get("WRK_SECONDS", "10"))
LOGINS = int(os.environ.get("LOGINS", "1000"))
PROFILE_N = int(os.environ.get("PROFILE_N", "100000"))
ALL_SECTIONS = ["burn", "io", "enqueue", "latency", "api", "memory", "profile"]
SECTIONS = set(os.environ.get("SECTIONS", ",".join(ALL_SECTIONS)).split(","))
# The cargo profile of the binaries measured; PROFILE=dev (debug binaries) only to check the harness.
PROFILE = os.environ.get("PROFILE", "release")
RELEASE = TOP / os.environ.get("CARGO_TARGET_DIR", "target") / ("debug" if PROFILE == "dev" else PROFILE)
BUILT = "release" if PROFILE == "release" else f"{PROFILE} build"
PASSWORD = "bench-password-123"
DURABLE = {"SQLite": "WAL, synchronous NORMAL: safe from a crash, not from a power loss",
           "SQLite FULL": "WAL, synchronous FULL: fsync per commit"}
LOADS = []  # every load average printed, for the header


def sh(cmd, **kw):
    print("+", " ".join(str(c) for c in cmd), file=sys.stderr)
    return subprocess.run([str(c) for c in cmd], check=True, text=True, stdout=subprocess.PIPE, **kw).stdout


def field(line, name):
    return float(re.search(rf"{name}=([0-9.]+)", line).group(1))


def fields(line):
    """Every name=number of a result line."""
    return {k: float(v) for k, v in re.findall(r"(\w+)=([0-9.]+)", line)}


def med(values):
    return statistics.median(values)


def load1():
    """The 1-minute load average, recorded before each run."""
    value = float(Path("/proc/loadavg").read_text().split()[0])
    LOADS.append(value)
    return value


def psql(db, sql):
    return sh(["psql", "-qAtX", f"{PG}/{db}", "-c", sql])


def fresh_pg(db):
    subprocess.run(["psql", "-qX", f"{PG}/postgres", "-c", f"DROP DATABASE IF EXISTS {db}"], capture_output=True)
    sh(["psql", "-qX", f"{PG}/postgres", "-c", f"CREATE DATABASE {db}"])
    return f"{PG}/{db}"


def xact_commit(db):
    """Commits PostgreSQL counted for `db` (its backends report them when they exit)."""
    time.sleep(0.5)
    out = psql("postgres", f"SELECT xact_commit FROM pg_stat_database WHERE datname = '{db}'").strip()
    return int(out or 0)


def durability():
    """What a commit survives on the PostgreSQL and MariaDB under test, read from their settings."""
    pg = [psql("postgres", f"SHOW {k}").strip() for k in ("fsync", "synchronous_commit")]
    DURABLE["PostgreSQL"] = "fsync per commit" if pg == ["on", "on"] else f"fsync={pg[0]}, synchronous_commit={pg[1]}"
    my = mysql_cli()
    flush = subprocess.run(my + ["-N", "-e", "SELECT @@innodb_flush_log_at_trx_commit"], text=True,
                           capture_output=True).stdout.strip() if my else ""
    DURABLE["MariaDB"] = "fsync per commit" if flush == "1" else f"innodb_flush_log_at_trx_commit={flush or '?'}"


def mysql_cli():
    m = re.match(r"mysql://([^@:/]+)(?::([^@]*))?@([^:/]+)(?::(\d+))?", MYSQL)
    if not m or not shutil.which("mariadb"):
        return None
    user, pw, host, port = m.group(1), m.group(2), m.group(3), m.group(4) or "3306"
    return ["mariadb", "--protocol=tcp", "-h", host, "-P", port, "-u", user] + ([f"-p{pw}"] if pw else [])


def mysql_available():
    cmd = mysql_cli()
    if not cmd:
        return None
    ok = subprocess.run(cmd + ["-e", "DROP DATABASE IF EXISTS lj_bench; CREATE DATABASE lj_bench"], capture_output=True)
    return f"{MYSQL}/lj_bench" if ok.returncode == 0 else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid, key):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def mb(kb):
    return f"{kb / 1024:.1f} MB"


# Interleaved rounds ------------------------------------------------------------------------

class System:
    """One benchmarked system: the command printing its result line, and how to reset it."""

    def __init__(self, label, durability, argv, env=None, sqlite=None, commits_db=None, jobs=None):
        self.label, self.durability, self.argv = label, durability, argv
        self.env = {**os.environ, "RUST_LOG": "warn", **(env or {})}
        self.sqlite = sqlite          # a SQLite file removed before each run
        self.commits_db = commits_db  # a PostgreSQL database whose commits are counted
        self.jobs = jobs
        self.runs = []                # per round: the result line's fields, "load", "commits"

    def run(self):
        if self.sqlite:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.sqlite}{suffix}").unlink(missing_ok=True)
        psql("postgres", "CHECKPOINT")
        load = load1()
        before = xact_commit(self.commits_db) if self.commits_db else 0
        run = {**fields(sh(self.argv, env=self.env)), "load": load}
        if self.commits_db:
            # Leave out the bench's own completion checks and its enqueue transactions
            # (10,000 jobs each) and the setup and worker start-up measured with no jobs.
            own = int(run["polls"]) + -(-self.jobs // 10_000)
            run["commits"] = xact_commit(self.commits_db) - before - own - COMMITS_BASELINE.get(self.commits_db, 0)
        self.runs.append(run)

    def values(self, key):
        return [r[key] for r in self.runs]

    def ratio(self, other, key="jobs_per_s"):
        """Median over rounds of this run / the other's run in the same round."""
        return med([a[key] / b[key] for a, b in zip(self.runs, other.runs)])

    def listing(self, key, fmt):
        return ", ".join(f"{fmt.format(r[key])} ({r['load']:.1f})" for r in self.runs)


COMMITS_BASELINE = {}


def rounds(systems):
    """RUNS rounds; every system once per round, the order rotated by one each round."""
    for r in range(RUNS):
        k = r % len(systems)
        order = systems[k:] + systems[:k]
        print(f"round {r + 1}/{RUNS}: " + "; ".join(s.label for s in order), file=sys.stderr)
        for s in order:
            s.run()


def longjobs_systems(bench, jobs, flags, suffix=""):
    """longjobs-bench on every database (SQLite twice: synchronous NORMAL and FULL)."""
    sqlite_dir = SQLITE_DIR
    targets = [("PostgreSQL", f"{PG}/lj_bench", {}, None, "lj_bench"),
               ("SQLite", f"sqlite://{sqlite_dir}/normal.db", {}, sqlite_dir / "normal.db", None),
               ("SQLite FULL", f"sqlite://{sqlite_dir}/full.db", {"LONGJOBS_SQLITE_SYNCHRONOUS": "FULL"},
                sqlite_dir / "full.db", None)]
    my = mysql_available()
    if my:
        targets.append(("MariaDB", my, {}, None, None))
    return [System(f"longjobs, {name}{suffix}", DURABLE[name],
                   [bench, "--database-url", url, "--jobs", jobs, *flags], env, sqlite, commits, jobs)
            for name, url, env, sqlite, commits in targets]


def peer(label, name, *settings):
    return System(label, DURABLE["PostgreSQL"], ["bash", TOP / "bench/peers.sh", PG, name, *settings])


def commits_baseline(bench):
    """Commits of a run with no jobs (migration check, TRUNCATE, worker start and stop)."""
    before = xact_commit("lj_bench")
    line = sh([bench, "--database-url", f"{PG}/lj_bench", "--jobs", 0], env={**os.environ, "RUST_LOG": "warn"})
    COMMITS_BASELINE["lj_bench"] = xact_commit("lj_bench") - before - int(field(line, "polls"))


# 1. Burn-down ------------------------------------------------------------------------------

def burn(bench, out):
    fresh_pg("lj_bench")
    commits_baseline(bench)
    lj = []
    for c, prefetch in BURN_CONFIGS:
        default = " (worker default)" if prefetch == 0 else ""
        lj += longjobs_systems(bench, N, ["--concurrency", c, "--prefetch", prefetch],
                               f", concurrency {c}, prefetch {prefetch}{default}")
    dj = peer("delayed_job (2 workers)", "delayed_job", f"N={DJ_N}", "W=2")
    gw0 = peer("graphile-worker 0.17.3 (concurrency 24, BATCH=0)", "graphile", f"N={N}", "C=24", "BATCH=0")
    gw = peer("graphile-worker 0.17.3 (concurrency 24, BATCH=500)", "graphile", f"N={N}", "C=24", "BATCH=500")
    pgq = peer("PgQueuer 1.6.0 (5 dequeuers, batch 10)", "pgqueuer", f"N={N}", "DEQUEUE=5", "BATCH=10")
    systems = lj + [dj, gw0, gw, pgq]
    rounds(systems)
    rows = ["| system | durability | jobs/s (median) | runs: jobs/s (load) | x delayed_job | x graphile BATCH=500 "
            "| x PgQueuer | jobs per commit (runs) |",
            "|---|---|---:|---|---:|---:|---:|---|"]
    for s in sorted(systems, key=lambda s: -med(s.values("jobs_per_s"))):
        per_commit = ", ".join(f"{s.jobs / r['commits']:.0f}" if r["commits"] > 0 else "?" for r in s.runs) \
            if s.commits_db else ""
        rows.append(f"| {s.label} | {s.durability} | {med(s.values('jobs_per_s')):,.0f} | "
                    f"{s.listing('jobs_per_s', '{:.0f}')} | {s.ratio(dj):.1f} | {s.ratio(gw):.2f} | "
                    f"{s.ratio(pgq):.2f} | {per_commit} |")
    out.append(f"""## 1. Burn-down throughput

N no-op jobs inserted in bulk, then drained; jobs per second of draining. "prefetch" is the
worker's `--prefetch` (jobs claimed beyond its free slots and started as slots free up;
default 0, with adaptive prefetch on); graphile-worker's BATCH is its counterpart. longjobs,
graphile-worker and PgQueuer run {N:,} jobs per run; delayed_job {DJ_N:,} (it is slow).
{len(systems)} systems, {RUNS} interleaved rounds. "x peer": median over rounds of this run's
jobs/s / the peer's in the same round. Jobs per commit (longjobs on PostgreSQL): jobs /
`pg_stat_database.xact_commit` of the bench database over the run, less the bench's own
completion checks, its enqueue transactions and the {COMMITS_BASELINE['lj_bench']} commits of a run
with no jobs (migration check, TRUNCATE, worker start and stop).
{"" if any("MariaDB" in s.label for s in lj) else "MariaDB was not reachable at " + MYSQL + "; no MariaDB row."}

""" + "\n".join(rows))


# 2. I/O-bound ------------------------------------------------------------------------------

def io_bound(bench, out):
    fresh_pg("lj_bench")
    ideal = IO_N * IO_SLEEP_MS / 1000 / IO_C
    lj = longjobs_systems(bench, IO_N, ["--concurrency", IO_C, "--sleep-ms", IO_SLEEP_MS],
                          ", worker defaults")
    common = [f"N={IO_N}", f"SLEEP_MS={IO_SLEEP_MS}"]
    gw0 = peer(f"graphile-worker 0.17.3 (concurrency {IO_C}, BATCH=0)", "graphile", *common, f"C={IO_C}", "BATCH=0")
    gw = peer(f"graphile-worker 0.17.3 (concurrency {IO_C}, BATCH=500)", "graphile", *common, f"C={IO_C}", "BATCH=500")
    pgq = peer(f"PgQueuer 1.6.0 (1 dequeuer, MAX_TASKS={IO_C})", "pgqueuer", *common, "DEQUEUE=1",
               f"MAX_TASKS={IO_C}")
    # The same run with tokio's own sleep, so the page shows what the exact timer changes.
    tokio_pg = System("longjobs, PostgreSQL, worker defaults, tokio sleep", lj[0].durability,
                      [*lj[0].argv, "--timer", "tokio"], None, None, lj[0].commits_db, lj[0].jobs)
    lj.append(tokio_pg)
    systems = lj + [gw0, gw, pgq]
    rounds(systems)
    rows = ["| system | durability | drain s (median) | % of ideal | runs: drain s (load) | x graphile BATCH=500 "
            "| x PgQueuer |", "|---|---|---:|---:|---|---:|---:|"]
    for s in sorted(systems, key=lambda s: med(s.values("drain_s"))):
        d = med(s.values("drain_s"))
        rows.append(f"| {s.label} | {s.durability} | {d:.2f} | {100 * d / ideal:.0f} % | "
                    f"{s.listing('drain_s', '{:.2f}')} | {s.ratio(gw):.2f} | {s.ratio(pgq):.2f} |")
    out.append(f"""## 2. I/O-bound jobs

{IO_N:,} jobs that each await a {IO_SLEEP_MS} ms timer (like an HTTP call), {IO_C} at a time: the
ideal drain is {ideal:.2f} s (100 %). longjobs' jobs wait on a timer thread that wakes each at its
deadline, as a reply would (`longjobs-bench --timer exact`; tokio's own sleep rounds every wait up
to its next millisecond tick), and its drain ends when the database holds no unfinished job,
looked at every 10 ms and as soon as the worker has written every outcome; mean wait per job
(runs): {"; ".join(s.label.removeprefix("longjobs, ").replace(", worker defaults", "") + " " + "/".join(f"{r['job_ms']:.2f}" for r in s.runs) for s in lj)} ms.
The row "tokio sleep" is longjobs on PostgreSQL with the jobs awaiting `tokio::time::sleep`
instead (`--timer tokio`), for comparison; the peers await their own runtime's timer (Node's
`setTimeout`, asyncio's `sleep`), which overshoot 50 ms by about 0.4 ms here.
longjobs with the worker's default settings (prefetch 0, adaptive prefetch on); PgQueuer with one dequeuer so that MAX_TASKS={IO_C} caps all its jobs.
{len(systems)} systems, {RUNS} interleaved rounds; "x peer": median over rounds of this run's
jobs/s / the peer's in the same round.

""" + "\n".join(rows))


# 3. Enqueue --------------------------------------------------------------------------------

def enqueue(bench, out):
    rows = ["| path | database | jobs/s (median) | runs: jobs/s (load) |", "|---|---|---:|---|"]
    fresh_pg("lj_bench")
    systems = longjobs_systems(bench, N, ["--mode", "enqueue", "--batch", 1000])
    for s in systems:
        s.commits_db = None
    rounds(systems)
    for s in systems:
        rows.append(f"| library, `enqueue_many` in batches of 1,000 | {s.label.removeprefix('longjobs, ')} | "
                    f"{med(s.values('jobs_per_s')):,.0f} | {s.listing('jobs_per_s', '{:.0f}')} |")
    server = Server(fresh_pg("lj_bench_enqueue"))
    try:
        server.login()
        r = []
        for _ in range(RUNS):
            load = load1()
            batch = [{"queue": "api", "kind": "noop", "payload": {"i": i}} for i in range(1000)]
            started = time.perf_counter()
            for _ in range(N // 1000):
                status, body = server.request("POST", "/api/jobs", {"jobs": batch}, server.token)
                assert status in (200, 201), body[:300]
            r.append(((N // 1000) * 1000 / (time.perf_counter() - started), load))
        rows.append(f"| REST API, `POST /api/jobs` with 1,000 jobs per request | PostgreSQL | "
                    f"{med([x for x, _ in r]):,.0f} | " + ", ".join(f"{x:.0f} ({lo:.1f})" for x, lo in r) + " |")
    finally:
        server.stop()
    out.append(f"""## 3. Enqueue throughput

{N:,} jobs per run, {RUNS} rounds.

""" + "\n".join(rows))


# 4. Pick-up latency ------------------------------------------------------------------------

def latency(bench, out):
    fresh_pg("lj_bench")
    header = ["| database | run | load | p50 ms | p99 ms | max ms |", "|---|---:|---:|---:|---:|---:|"]

    def runs_on(name, url, n, count, prepare):
        rows, runs = [], []
        for i in range(count):
            prepare()
            load = load1()
            line = sh([bench, "--mode", "latency", "--database-url", url, "--jobs", n,
                       "--concurrency", 10], env={**os.environ, "RUST_LOG": "warn"})
            runs.append([field(line, k) for k in ("p50_ms", "p99_ms", "max_ms")])
            rows.append(f"| {name} | {i + 1} | {load:.1f} | " + " | ".join(f"{v:.2f}" for v in runs[-1]) + " |")
        if count > 1:
            rows.append(f"| {name} | median | | " + " | ".join(f"{med([r[k] for r in runs]):.2f}" for k in range(3)) + " |")
        return rows

    rows = runs_on("PostgreSQL", f"{PG}/lj_bench", LATENCY_N, LATENCY_RUNS, lambda: psql("postgres", "CHECKPOINT"))
    sqlite_file = SQLITE_DIR / "latency.db"

    def fresh_sqlite():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_file}{suffix}").unlink(missing_ok=True)

    rows += runs_on("SQLite", f"sqlite://{sqlite_file}", LATENCY_N, LATENCY_RUNS, fresh_sqlite)
    my = mysql_available()
    if my:
        rows += runs_on("MariaDB", my, LATENCY_MYSQL_N, 1, lambda: None)
    out.append(f"""## 4. Pick-up latency

An idle worker (default settings: batch 500, 1 s poll); jobs enqueued one at a time, each timed
from its enqueue transaction's commit to its handler starting. {LATENCY_RUNS} runs of
{LATENCY_N:,} jobs on PostgreSQL (each after a CHECKPOINT) and on SQLite (each on a new file);
one run of {LATENCY_MYSQL_N} jobs on MariaDB.

- PostgreSQL wakes the worker by LISTEN/NOTIFY.
- SQLite: the worker reads the file's `PRAGMA data_version` every 5 ms (shared memory of the WAL
  index: no disk read, no lock, so an idle file costs nothing) and, after another connection's
  commit, which queues got new jobs; the bound is those 5 ms plus the claim.
- MariaDB: nothing reaches the worker without asking the server, and asking often would load an
  idle database, so an idle worker finds a new job at its next poll: the bound is the poll
  interval (`--poll-interval`, default 1 s), the mean about half of it.

""" + "\n".join(header + rows))


# 5. API under load and 6. memory -----------------------------------------------------------

class Server:
    """A release longjobs-server on a free loopback port; it does not sign in until asked."""

    def __init__(self, url):
        self.port = free_port()
        self.token = None
        env = {**os.environ, "RUST_LOG": "warn", "LONGJOBS_DATABASE_URL": url,
               "LONGJOBS_LISTEN": f"127.0.0.1:{self.port}", "LONGJOBS_ADMIN_PASSWORD": PASSWORD,
               "LONGJOBS_JWT_SECRET": "bench-secret-0123456789-bench-secret"}
        self.proc = subprocess.Popen([RELEASE / "longjobs-server", "serve"], env=env,
                                     stdout=subprocess.DEVNULL, stderr=sys.stderr)
        for _ in range(300):
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("server did not start")

    def login(self):
        status, body = self.request("POST", "/api/auth/login", {"username": "admin", "password": PASSWORD})
        assert status == 200, body
        self.token = json.loads(body)["token"]

    def rss(self, key="VmRSS"):
        return rss_kb(self.proc.pid, key)

    def request(self, method, path, body=None, token=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        c.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, data

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


FILL = """
INSERT INTO jobs (queue, kind, payload, priority, state, attempt, max_attempts, run_at,
                  cancel_requested, last_error, errors, created_at, finished_at)
SELECT 'q' || (g % 10), 'kind' || (g % 7), '{{"n":' || g || '}}', 0,
       (ARRAY['completed','completed','completed','completed','completed','completed',
              'discarded','available','retryable','cancelled'])[1 + g % 10],
       1, 5, t, false,
       CASE WHEN g % 10 = 6 THEN 'boom ' || g
            WHEN g % 10 = 8 THEN 'connection reset by peer (request ' || g || ')' END, '[]', t,
       CASE WHEN g % 10 NOT IN (7, 8) THEN t END
FROM (SELECT g, (now() AT TIME ZONE 'utc') - make_interval(secs => g) AS t
      FROM generate_series(1, {rows}) g) s;
ANALYZE jobs;
ANALYZE job_texts;
"""

API_PATHS = [
    ("`GET /api/jobs?queue=q6&state=discarded&limit=50` (filtered)", "/api/jobs?queue=q6&state=discarded&limit=50"),
    ("`GET /api/jobs?limit=50` (newest first)", "/api/jobs?limit=50"),
    ("`GET /api/jobs?q=boom%2012345&limit=50` (text search, one match)", "/api/jobs?q=boom%2012345&limit=50"),
    ("`GET /api/jobs?q=connection%20reset&limit=50` (text search, 10 % match)",
     "/api/jobs?q=connection%20reset&limit=50"),
    ("`GET /api/stats`", "/api/stats"),
]


def wrk(server, path):
    script = Path(tempfile.mkdtemp()) / "auth.lua"
    script.write_text(f'wrk.headers["Authorization"] = "Bearer {server.token}"\n')
    text = sh(["wrk", "-t2", "-c8", f"-d{WRK_SECONDS}s", "--latency", "-s", script,
               f"http://127.0.0.1:{server.port}{path}"])
    def ms(label):
        m = re.search(rf"^\s+{label}\s+([0-9.]+)(us|ms|s)\s*$", text, re.M)
        v = float(m.group(1))
        return v / 1000 if m.group(2) == "us" else v * 1000 if m.group(2) == "s" else v
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    assert not non2xx, f"wrk saw errors on {path}:\n{text}"
    return float(re.search(r"Requests/sec:\s+([0-9.]+)", text).group(1)), ms("50%"), ms("99%")


def api(server, out):
    started = time.time()
    psql("lj_bench_api", FILL.format(rows=API_ROWS))
    fill_s = time.time() - started
    started = time.perf_counter()
    status, body = server.request("GET", "/api/stats", token=server.token)
    assert status == 200, body[:300]
    first_stats_ms = (time.perf_counter() - started) * 1000
    rows = ["| request | requests/s | p50 ms | p99 ms | runs: p50 / p99 (load) |", "|---|---:|---:|---:|---|"]
    for label, path in API_PATHS:
        r = []
        for _ in range(RUNS):
            load = load1()
            r.append((*wrk(server, path), load))
        rows.append(f"| {label} | {med([x[0] for x in r]):,.0f} | {med([x[1] for x in r]):.2f} | "
                    f"{med([x[2] for x in r]):.2f} | "
                    + ", ".join(f"{x[1]:.2f} / {x[2]:.2f} ({x[3]:.1f})" for x in r) + " |")
    out.append(f"""## 5. The API under load

{API_ROWS:,} jobs in the table (10 queues, 7 kinds, 60% completed, 10% each discarded, available,
retryable, cancelled; the retryable ones failed with "connection reset by peer"; filled by SQL
in {fill_s:.0f} s), {BUILT} server on PostgreSQL, `wrk -t2 -c8 -d{WRK_SECONDS}s` on loopback with
an operator's bearer token, {RUNS} runs each. The first `GET /api/stats` after the fill, alone:
{first_stats_ms:.1f} ms (the job counts are read once, then kept up to date by the counts
cache). The fill ends with `ANALYZE` of `jobs` and of `job_texts` (the text search's table,
filled by its trigger), as autovacuum would soon after such a load: without statistics on
`job_texts` the planner takes the 10 % search for a rare one and reads all its matches
(0.29 s instead of 0.24 ms, measured by `EXPLAIN ANALYZE` on this table). On SQLite and
MariaDB `q=` reads the jobs table (no index serves a substring search there).

""" + "\n".join(rows))


def logins(server):
    """RSS after LOGINS sign-ins, 8 at a time."""
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: login(server.port), range(LOGINS)))
    assert all(c == 200 for c in codes), f"logins answered {sorted(set(codes))}"
    return server.rss()


def api_and_memory(out, do_api, do_memory):
    url = fresh_pg("lj_bench_api")
    sh([RELEASE / "longjobs-server", "migrate"], env={**os.environ, "LONGJOBS_DATABASE_URL": url})
    server = Server(url)
    try:
        time.sleep(1)
        server_rest = server.rss()
        server.login()
        server_one = server.rss()
        server_many = logins(server) if do_memory else 0
        if do_api:
            api(server, out)
        server_peak = server.rss("VmHWM")
    finally:
        server.stop()
    if not do_memory:
        return
    # A worker process (release longjobs-worker) burning down N jobs at concurrency 100.
    wurl = fresh_pg("lj_bench_worker")
    sh([RELEASE / "longjobs-server", "migrate"], env={**os.environ, "LONGJOBS_DATABASE_URL": wurl})
    worker = subprocess.Popen([RELEASE / "longjobs-worker", "run", "--queue", "bench=100"],
                              env={**os.environ, "RUST_LOG": "warn", "LONGJOBS_DATABASE_URL": wurl},
                              stdout=subprocess.DEVNULL, stderr=sys.stderr)
    time.sleep(2)
    worker_rest = rss_kb(worker.pid, "VmRSS")
    sh([BENCH, "--mode", "enqueue", "--database-url", wurl, "--jobs", N, "--batch", 1000],
       env={**os.environ, "RUST_LOG": "warn"})
    for _ in range(600):
        done = int(psql("lj_bench_worker", "SELECT count(*) FROM jobs WHERE state = 'completed'").strip())
        if done >= N:
            break
        time.sleep(0.1)
    worker_peak = rss_kb(worker.pid, "VmHWM")
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=60)
    out.append(f"""## 6. Memory

| process | RSS | when |
|---|---:|---|
| `longjobs-server` ({BUILT}, PostgreSQL) | {mb(server_rest)} | at rest, before any login |
| | {mb(server_one)} | after one login |
| | {mb(server_many)} | after {LOGINS:,} more logins, 8 at a time |
| | {mb(server_peak)} | peak (VmHWM), {"through the API load above" if do_api else "through the logins"} |
| `longjobs-worker run --queue bench=100` ({BUILT}) | {mb(worker_rest)} | at rest |
| | {mb(worker_peak)} | peak (VmHWM), burning down {N:,} jobs |""")


# 7. Profile --------------------------------------------------------------------------------

PERF_HZ = 999


def perf_rows(data, sort, *extra):
    """(percent, samples, name) rows of `perf report`, highest first."""
    text = sh(["perf", "report", "-i", data, "--stdio", "--no-children", "-q", "-n", "--sort", sort, *extra],
              stderr=subprocess.DEVNULL)
    rows = []
    for line in text.splitlines():
        m = re.match(r"\s*([0-9.]+)%\s+(\d+)\s+(.*\S)", line)
        if m:
            rows.append((float(m.group(1)), int(m.group(2)), m.group(3)))
    return rows


def process_of(comm):
    """perf names threads; these are the processes they belong to."""
    if comm.startswith("postgres") or comm.startswith("postmaster"):
        return "PostgreSQL"
    if comm == "swapper":
        return "idle"
    if comm.startswith("tokio") or comm.startswith("longjobs-bench"):
        return "worker (longjobs-bench)"
    return "other"


def profile(bench, out):
    if not shutil.which("perf"):
        out.append("## 7. Profile\n\n`perf` is not installed (Debian's linux-perf); no profile.")
        return
    url = fresh_pg("lj_bench")
    sh([bench, "--mode", "enqueue", "--database-url", url, "--jobs", PROFILE_N, "--batch", 10_000],
       env={**os.environ, "RUST_LOG": "warn"})
    psql("postgres", "CHECKPOINT")
    load = load1()
    data = Path(tempfile.mkdtemp()) / "perf.data"
    line = sh(["perf", "record", "-a", "-F", PERF_HZ, "-o", data, "--", bench, "--mode", "drain",
               "--database-url", url, "--concurrency", 24, "--prefetch", 500],
              env={**os.environ, "RUST_LOG": "warn"}, stderr=subprocess.DEVNULL)
    drain_s = field(line, "drain_s")
    jobs_per_s = field(line, "jobs_per_s")
    cores = os.cpu_count()
    by_comm = perf_rows(data, "comm")
    # Every core is sampled PERF_HZ times a second, idle or not (the idle task is "swapper"):
    # a process's samples / PERF_HZ are its CPU seconds over the recording, which holds the
    # drain and the bench's start and stop (about 0.1 s).
    cpu_s, total = {}, sum(n for _, n, _ in by_comm)
    for _, n, comm in by_comm:
        cpu_s[process_of(comm)] = cpu_s.get(process_of(comm), 0) + n / PERF_HZ
    per_job = {k: v / PROFILE_N * 1e6 for k, v in cpu_s.items()}
    rows = ["| where | CPU s | share of all samples | CPU µs per job |", "|---|---:|---:|---:|"]
    for k in sorted(cpu_s, key=lambda k: -cpu_s[k]):
        rows.append(f"| {k} | {cpu_s[k]:.2f} | {100 * cpu_s[k] * PERF_HZ / total:.1f} % | {per_job[k]:.1f} |")
    def top(comm_filter, n=8):
        picked = [c for _, _, c in by_comm if comm_filter(c)]
        if not picked:
            return "(none sampled)"
        syms = perf_rows(data, "dso,sym", "--percentage", "relative", "--comms", ",".join(sorted(set(picked))))
        return "\n".join(f"  - {p:.1f} % {name}" for p, _, name in syms[:n])
    pg_us = per_job.get("PostgreSQL", 0)
    bound = cores / (pg_us / 1e6) if pg_us else 0
    out.append(f"""## 7. Where the time goes

`perf record -a -F {PERF_HZ}` (every process on the machine) over one no-op drain of {PROFILE_N:,}
jobs at concurrency 24, prefetch 500 on PostgreSQL ({BUILT} `longjobs-bench --mode drain`, the
jobs enqueued before the recording), load {load:.1f} before: {jobs_per_s:,.0f} jobs/s, {drain_s:.2f} s.
CPU s: a process's samples / {PERF_HZ} (every core is sampled, idle or not); CPU µs per job:
those seconds / the jobs (the bench's start and stop, about 0.1 s, are in the recording too).
"idle" is CPU time nobody used.

""" + "\n".join(rows) + f"""

The limit on this machine: PostgreSQL alone spends {pg_us:.1f} CPU µs per job, so even with a
worker that cost nothing, {cores} cores would drain at most about {bound:,.0f} jobs/s with these
statements; the run reached {100 * jobs_per_s / bound if bound else 0:.0f} % of that.

Top functions in PostgreSQL's processes (share of their samples):
{top(lambda c: process_of(c) == "PostgreSQL")}

Top functions in the worker's threads:
{top(lambda c: process_of(c).startswith("worker"))}""")


def commit():
    rev = sh(["git", "-C", TOP, "rev-parse", "--short=10", "HEAD"]).strip()
    dirty = sh(["git", "-C", TOP, "status", "--porcelain", "--untracked-files=no"]).strip()
    return rev + (" (with uncommitted changes)" if dirty else "")


def main():
    global SQLITE_DIR, BENCH
    sh(["cargo", "build", "--profile", PROFILE, "-q", "-p", "longjobs-worker", "-p", "longjobs-server", "--bins"],
       cwd=TOP)
    BENCH = RELEASE / "longjobs-bench"
    SQLITE_DIR = Path(os.environ.get("TMPDIR", "/tmp")) / "longjobs-bench"
    SQLITE_DIR.mkdir(exist_ok=True)
    started = datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
    durability()
    out = []
    if "burn" in SECTIONS:
        burn(BENCH, out)
    if "io" in SECTIONS:
        io_bound(BENCH, out)
    if "enqueue" in SECTIONS:
        enqueue(BENCH, out)
    if "latency" in SECTIONS:
        latency(BENCH, out)
    if SECTIONS & {"api", "memory"}:
        api_and_memory(out, "api" in SECTIONS, "memory" in SECTIONS)
    if "profile" in SECTIONS:
        profile(BENCH, out)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    loads = (f"went from {min(LOADS):.1f} to {max(LOADS):.1f}; each run's is in parentheses beside it"
             if LOADS else "was not sampled (no timed runs in these sections)")
    body = "\n\n".join(out)
    doc = f"""# Benchmarks

All figures from one run of `python3 bench/run.py`: {RUNS} round(s), every system on the
same local databases.

- Measured: {started}, commit {commit()}, {BUILT} binaries.
- Machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; PostgreSQL at
  `{PG}`, MariaDB at `{MYSQL}`.
- Load: the 1-minute load average before the runs {loads}.
- Method: in each round every system runs once, in an order rotated by one each round;
  every run starts from a fresh table and right after a PostgreSQL `CHECKPOINT`. A ratio to a
  peer is the median over rounds of the two runs of the same round, not a ratio of medians.
- Durability, read from the servers' settings: PostgreSQL {DURABLE["PostgreSQL"]}; MariaDB
  {DURABLE["MariaDB"]}. SQLite runs both with the default `synchronous = NORMAL` in WAL mode
  (survives a process crash, not a power loss) and with `LONGJOBS_SQLITE_SYNCHRONOUS=FULL`
  (an fsync per commit); each table says which row has which.
- Reproduce: `python3 bench/run.py` (env `N`, `DJ_N`, `RUNS`, `BURN_CONFIGS`, `IO_N`,
  `IO_SLEEP_MS`, `IO_C`, `LATENCY_N`, `LATENCY_RUNS`, `API_ROWS`, `WRK_SECONDS`, `LOGINS`, `PROFILE_N`,
  `SECTIONS`, `PG_BASE_URL`, `MYSQL_BASE_URL`, `OUT`, `PROFILE`). It builds the binaries,
  installs the peers (`bench/peers-setup.sh`: Debian's delayed_job packages, wrk and perf,
  graphile-worker from npm, PgQueuer from PyPI in a venv) and runs each with `bench/peers.sh`,
  using the scripts in `../shared/bench/peers/`.

{body}
"""
    target = os.environ.get("OUT") or ("docs/benchmarks.md" if SECTIONS >= set(ALL_SECTIONS) else None)
    if target:
        path = TOP / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(doc)
    print(doc)


if __name__ == "__main__":
    main()
