#!/usr/bin/env python3
"""longjobs benchmarks, side by side with delayed_job and graphile-worker, in one run.

Sections (each figure a median of RUNS runs, all on the same local databases):
  1. burn-down throughput of no-op jobs: longjobs on PostgreSQL, SQLite and MariaDB beside
     delayed_job and graphile-worker 0.17.3 (BATCH=0 and BATCH=500) on the same PostgreSQL;
  2. enqueue throughput: bulk through the library and through the REST API;
  3. pick-up latency: an idle worker, jobs enqueued one at a time, commit to handler start;
  4. the API under wrk with a million jobs in the table (filtered job list, stats);
  5. memory: RSS of the server and a worker process at rest and at peak.
Writes docs/benchmarks.md and prints it.

    python3 bench/run.py     # env: N, DJ_N, RUNS, PG_BASE_URL, MYSQL_BASE_URL,
                             #      BURN_CONFIGS, LATENCY_N, API_ROWS, WRK_SECONDS, SECTIONS (e.g. "burn,api")
"""
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

TOP = Path(__file__).resolve().parent.parent
PG = os.environ.get("PG_BASE_URL", "postgres://root@127.0.0.1:5432").rstrip("/")
MYSQL = os.environ.get("MYSQL_BASE_URL", "mysql://root@127.0.0.1:3306").rstrip("/")
N = int(os.environ.get("N", "20000"))
DJ_N = int(os.environ.get("DJ_N", "5000"))
RUNS = int(os.environ.get("RUNS", "3"))
# (concurrency, prefetch) pairs: prefetch claims jobs beyond the free slots, like
# graphile-worker's BATCH; the worker's default is 0.
BURN_CONFIGS = [tuple(int(x) for x in c.split("/"))
                for c in os.environ.get("BURN_CONFIGS", "24/0,24/500,500/0").split(",")]
LATENCY_N = int(os.environ.get("LATENCY_N", "1000"))
API_ROWS = int(os.environ.get("API_ROWS", "1000000"))
WRK_SECONDS = int(os.environ.get("WRK_SECONDS", "10"))
SECTIONS = set(os.environ.get("SECTIONS", "burn,enqueue,latency,api,memory").split(","))
RELEASE = TOP / os.environ.get("CARGO_TARGET_DIR", "target") / "release"
PASSWORD = "bench-password-123"


def sh(cmd, **kw):
    print("+", " ".join(str(c) for c in cmd), file=sys.stderr)
    return subprocess.run([str(c) for c in cmd], check=True, text=True, stdout=subprocess.PIPE, **kw).stdout


def field(line, name):
    return float(re.search(rf"{name}=([0-9.]+)", line).group(1))


def med(values):
    return statistics.median(values)


def psql(db, sql):
    return sh(["psql", "-qAtX", f"{PG}/{db}", "-c", sql])


def fresh_pg(db):
    subprocess.run(["psql", "-qX", f"{PG}/postgres", "-c", f"DROP DATABASE IF EXISTS {db}"], capture_output=True)
    sh(["psql", "-qX", f"{PG}/postgres", "-c", f"CREATE DATABASE {db}"])
    return f"{PG}/{db}"


def mysql_available():
    m = re.match(r"mysql://([^@:/]+)(?::([^@]*))?@([^:/]+)(?::(\d+))?", MYSQL)
    if not m or not shutil.which("mariadb"):
        return None
    user, pw, host, port = m.group(1), m.group(2), m.group(3), m.group(4) or "3306"
    cmd = ["mariadb", "--protocol=tcp", "-h", host, "-P", port, "-u", user] + ([f"-p{pw}"] if pw else [])
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


class Server:
    """A release longjobs-server on a free loopback port."""

    def __init__(self, url):
        self.port = free_port()
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
        status, body = self.request("POST", "/api/auth/login", {"username": "admin", "password": PASSWORD})
        assert status == 200, body
        self.token = json.loads(body)["token"]

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


# 1. Burn-down -----------------------------------------------------------------------------

def burn(bench, out):
    targets = [("PostgreSQL", f"{PG}/lj_bench"), ("SQLite", f"sqlite://{SQLITE_DIR}/bench.db")]
    my = mysql_available()
    if my:
        targets.append(("MariaDB", my))
    fresh_pg("lj_bench")
    results = {}
    for _ in range(RUNS):
        for c, prefetch in BURN_CONFIGS:
            for name, url in targets:
                line = sh([bench, "--database-url", url, "--jobs", N, "--concurrency", c, "--prefetch", prefetch],
                          env={**os.environ, "RUST_LOG": "warn"})
                results.setdefault(f"longjobs, {name}, concurrency {c}, prefetch {prefetch}", []).append(
                    field(line, "jobs_per_s"))
        lines = sh(["bash", TOP / "bench/peers.sh", PG, N], env={**os.environ, "RUNS": "1", "DJ_N": str(DJ_N)})
        for line in lines.strip().splitlines():
            if line.startswith("delayed_job"):
                label = "delayed_job (2 workers), PostgreSQL"
            else:
                batch = re.search(r"batch=(\d+)", line).group(1)
                label = f"graphile-worker 0.17.3 (concurrency 24, BATCH={batch}), PostgreSQL"
            results.setdefault(label, []).append(field(line, "jobs_per_s"))
    m = {k: med(v) for k, v in results.items()}
    dj = m["delayed_job (2 workers), PostgreSQL"]
    gw = m["graphile-worker 0.17.3 (concurrency 24, BATCH=500), PostgreSQL"]
    rows = ["| system | jobs/s (median) | runs | x delayed_job | x graphile batched |",
            "|---|---:|---|---:|---:|"]
    for k, v in sorted(m.items(), key=lambda kv: -kv[1]):
        runs = ", ".join(f"{x:.0f}" for x in results[k])
        rows.append(f"| {k} | {v:,.0f} | {runs} | {v / dj:.1f} | {v / gw:.2f} |")
    out.append(f"""## 1. Burn-down throughput

N no-op jobs inserted in bulk, then drained by the worker; jobs per second of draining.
"prefetch" is the worker's `--prefetch` (jobs claimed beyond its free slots and started as
slots free up; default 0, for long jobs); graphile-worker's BATCH is its counterpart.
longjobs runs {N:,} jobs per run; graphile-worker {N:,}; delayed_job {DJ_N:,} (it is slow).
{"MariaDB was not reachable at " + MYSQL + "; no MariaDB row." if not my else ""}

""" + "\n".join(rows))


# 2. Enqueue -------------------------------------------------------------------------------

def enqueue(bench, out):
    rows = ["| path | database | jobs/s (median) | runs |", "|---|---|---:|---|"]
    targets = [("PostgreSQL", f"{PG}/lj_bench"), ("SQLite", f"sqlite://{SQLITE_DIR}/bench.db")]
    my = mysql_available()
    if my:
        targets.append(("MariaDB", my))
    fresh_pg("lj_bench")
    for name, url in targets:
        r = [field(sh([bench, "--mode", "enqueue", "--database-url", url, "--jobs", N, "--batch", 1000],
                      env={**os.environ, "RUST_LOG": "warn"}), "jobs_per_s") for _ in range(RUNS)]
        rows.append(f"| library, `enqueue_many` in batches of 1,000 | {name} | {med(r):,.0f} | "
                    + ", ".join(f"{x:.0f}" for x in r) + " |")
    url = fresh_pg("lj_bench_enqueue")
    server = Server(url)
    try:
        for db_name in ["PostgreSQL"]:
            r = []
            for _ in range(RUNS):
                batch = [{"queue": "api", "kind": "noop", "payload": {"i": i}} for i in range(1000)]
                started = time.perf_counter()
                for _ in range(N // 1000):
                    status, body = server.request("POST", "/api/jobs", {"jobs": batch}, server.token)
                    assert status in (200, 201), body[:300]
                r.append((N // 1000) * 1000 / (time.perf_counter() - started))
            rows.append(f"| REST API, `POST /api/jobs` with 1,000 jobs per request | {db_name} | {med(r):,.0f} | "
                        + ", ".join(f"{x:.0f}" for x in r) + " |")
    finally:
        server.stop()
    out.append(f"""## 2. Enqueue throughput

{N:,} jobs per run.

""" + "\n".join(rows))


# 3. Pick-up latency -----------------------------------------------------------------------

def latency(bench, out):
    fresh_pg("lj_bench")
    runs = [sh([bench, "--mode", "latency", "--database-url", f"{PG}/lj_bench", "--jobs", LATENCY_N,
                "--concurrency", 10], env={**os.environ, "RUST_LOG": "warn"}) for _ in range(RUNS)]
    p50 = [field(x, "p50_ms") for x in runs]
    p99 = [field(x, "p99_ms") for x in runs]
    mx = [field(x, "max_ms") for x in runs]
    out.append(f"""## 3. Pick-up latency

An idle worker (default settings: batch 500, 1 s poll, woken by LISTEN/NOTIFY on PostgreSQL);
{LATENCY_N:,} jobs enqueued one at a time, each timed from its enqueue transaction's commit to
its handler starting.

| database | p50 ms | p99 ms | max ms | runs (p50 / p99) |
|---|---:|---:|---:|---|
| PostgreSQL | {med(p50):.2f} | {med(p99):.2f} | {med(mx):.2f} | {", ".join(f"{a:.2f} / {b:.2f}" for a, b in zip(p50, p99))} |

SQLite and MariaDB have no NOTIFY: an idle worker finds new jobs at its next poll
(`--poll-interval`, default 1 s), so their pick-up latency is the poll interval at worst.""")


# 4. API under load and 5. memory ----------------------------------------------------------

FILL = """
INSERT INTO jobs (queue, kind, payload, priority, state, attempt, max_attempts, run_at,
                  cancel_requested, last_error, errors, created_at, finished_at)
SELECT 'q' || (g % 10), 'kind' || (g % 7), '{{"n":' || g || '}}', 0,
       (ARRAY['completed','completed','completed','completed','completed','completed',
              'discarded','available','retryable','cancelled'])[1 + g % 10],
       1, 5, t, false,
       CASE WHEN g % 10 IN (6, 8) THEN 'boom ' || g END, '[]', t,
       CASE WHEN g % 10 NOT IN (7, 8) THEN t END
FROM (SELECT g, (now() AT TIME ZONE 'utc') - make_interval(secs => g) AS t
      FROM generate_series(1, {rows}) g) s;
ANALYZE jobs;
"""


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


def api_and_memory(out, do_api, do_memory):
    url = fresh_pg("lj_bench_api")
    sh([RELEASE / "longjobs-server", "migrate"], env={**os.environ, "LONGJOBS_DATABASE_URL": url})
    server = Server(url)
    time.sleep(1)
    server_rest = rss_kb(server.proc.pid, "VmRSS")
    try:
        if do_api:
            started = time.time()
            psql("lj_bench_api", FILL.format(rows=API_ROWS))
            fill_s = time.time() - started
            rows = ["| request | requests/s | p50 ms | p99 ms | runs (p50 / p99) |", "|---|---:|---:|---:|---|"]
            for label, path in [
                ("`GET /api/jobs?queue=q6&state=discarded&limit=50` (filtered)", "/api/jobs?queue=q6&state=discarded&limit=50"),
                ("`GET /api/jobs?limit=50` (newest first)", "/api/jobs?limit=50"),
                ("`GET /api/jobs?q=boom%2012345&limit=50` (text search)", "/api/jobs?q=boom%2012345&limit=50"),
                ("`GET /api/stats`", "/api/stats"),
            ]:
                r = [wrk(server, path) for _ in range(RUNS)]
                rows.append(f"| {label} | {med([x[0] for x in r]):,.0f} | {med([x[1] for x in r]):.2f} | "
                            f"{med([x[2] for x in r]):.2f} | " + ", ".join(f"{x[1]:.2f} / {x[2]:.2f}" for x in r) + " |")
            out.append(f"""## 4. The API under load

{API_ROWS:,} jobs in the table (10 queues, 7 kinds, 60% completed, 10% each discarded, available,
retryable, cancelled; filled by SQL in {fill_s:.0f} s), release server on PostgreSQL,
`wrk -t2 -c8 -d{WRK_SECONDS}s` on loopback with an operator's bearer token, {RUNS} runs each.

""" + "\n".join(rows))
        server_peak = rss_kb(server.proc.pid, "VmHWM")
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
        done = int(subprocess.run(["psql", "-qAtX", f"{PG}/lj_bench_worker", "-c",
                                   "SELECT count(*) FROM jobs WHERE state = 'completed'"],
                                  check=True, text=True, capture_output=True).stdout.strip())
        if done >= N:
            break
        time.sleep(0.1)
    worker_peak = rss_kb(worker.pid, "VmHWM")
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=60)
    out.append(f"""## 5. Memory

| process | at rest (RSS) | peak (VmHWM) | while |
|---|---:|---:|---|
| `longjobs-server` (release, PostgreSQL) | {mb(server_rest)} | {mb(server_peak)} | {"the API load above" if do_api else "start-up"} |
| `longjobs-worker run --queue bench=100` (release) | {mb(worker_rest)} | {mb(worker_peak)} | burning down {N:,} jobs |""")


def main():
    global SQLITE_DIR, BENCH
    sh(["cargo", "build", "--release", "-q", "-p", "longjobs-worker", "-p", "longjobs-server"], cwd=TOP)
    BENCH = RELEASE / "longjobs-bench"
    SQLITE_DIR = Path(os.environ.get("TMPDIR", "/tmp")) / "longjobs-bench"
    SQLITE_DIR.mkdir(exist_ok=True)
    out = []
    if "burn" in SECTIONS:
        burn(BENCH, out)
    if "enqueue" in SECTIONS:
        enqueue(BENCH, out)
    if "latency" in SECTIONS:
        latency(BENCH, out)
    if SECTIONS & {"api", "memory"}:
        api_and_memory(out, "api" in SECTIONS, "memory" in SECTIONS)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    body = "\n\n".join(out)
    doc = f"""# Benchmarks

All figures from one run of `python3 bench/run.py`, medians of {RUNS} runs, every system on the
same local PostgreSQL.

- Machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; PostgreSQL at
  `{PG}`, MariaDB at `{MYSQL}`.
- Measured: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}.
- Reproduce: `python3 bench/run.py` (env `N`, `DJ_N`, `RUNS`, `BURN_CONFIGS`, `LATENCY_N`,
  `API_ROWS`, `WRK_SECONDS`, `SECTIONS`, `PG_BASE_URL`, `MYSQL_BASE_URL`). It builds the
  release binaries, installs the peers (`bench/peers-setup.sh`: Debian's delayed_job
  packages, graphile-worker from npm; wrk from Debian) and runs them with `bench/peers.sh`,
  using the scripts in `../shared/bench/peers/`.

{body}
"""
    if SECTIONS == {"burn", "enqueue", "latency", "api", "memory"}:
        (TOP / "docs").mkdir(exist_ok=True)
        (TOP / "docs/benchmarks.md").write_text(doc)
    print(doc)


if __name__ == "__main__":
    main()
