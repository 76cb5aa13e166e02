#!/usr/bin/env python3
"""Burn-down benchmark: longjobs (PostgreSQL, SQLite) beside delayed_job and graphile-worker.

Runs every system RUNS times on the same local PostgreSQL in one go, takes medians and
writes the table to docs/benchmarks.md (and prints it).

    python3 bench/run.py            # PG_BASE_URL, N, DJ_N, RUNS from the environment
"""
import os
import platform
import re
import statistics
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent
PG = os.environ.get("PG_BASE_URL", "postgres://root@127.0.0.1:5432").rstrip("/")
N = int(os.environ.get("N", "20000"))
DJ_N = int(os.environ.get("DJ_N", "5000"))
RUNS = int(os.environ.get("RUNS", "3"))
CONCURRENCY = [int(c) for c in os.environ.get("CONCURRENCY", "24,500").split(",")]


def sh(cmd, **kw):
    print("+", " ".join(cmd), file=sys.stderr)
    return subprocess.run(cmd, check=True, text=True, stdout=subprocess.PIPE, **kw).stdout


def rate(line):
    return float(re.search(r"jobs_per_s=([0-9.]+)", line).group(1))


def main():
    sh(["cargo", "build", "--release", "-q", "-p", "longjobs-worker", "--bin", "longjobs-bench"], cwd=TOP)
    bench = str(TOP / "target/release/longjobs-bench")
    subprocess.run(["psql", f"{PG}/postgres", "-qc", "CREATE DATABASE lj_bench"], capture_output=True)
    sqlite_dir = Path(os.environ.get("TMPDIR", "/tmp")) / "longjobs-bench"
    sqlite_dir.mkdir(exist_ok=True)
    results = {}  # label -> list of jobs/s
    for _ in range(RUNS):
        for c in CONCURRENCY:
            for label, url in [
                (f"longjobs, PostgreSQL, concurrency {c}", f"{PG}/lj_bench"),
                (f"longjobs, SQLite, concurrency {c}", f"sqlite://{sqlite_dir}/bench.db"),
            ]:
                out = sh([bench, "--database-url", url, "--jobs", str(N), "--concurrency", str(c)],
                         env={**os.environ, "RUST_LOG": "warn"})
                results.setdefault(label, []).append(rate(out))
        out = sh(["bash", str(TOP / "bench/peers.sh"), PG, str(N)], env={**os.environ, "RUNS": "1", "DJ_N": str(DJ_N)})
        for line in out.strip().splitlines():
            if line.startswith("delayed_job"):
                label = "delayed_job (2 workers), PostgreSQL"
            else:
                batch = re.search(r"batch=(\d+)", line).group(1)
                label = f"graphile-worker 0.17.3 (concurrency 24, BATCH={batch}), PostgreSQL"
            results.setdefault(label, []).append(rate(line))

    med = {k: statistics.median(v) for k, v in results.items()}
    dj = med["delayed_job (2 workers), PostgreSQL"]
    gw = med["graphile-worker 0.17.3 (concurrency 24, BATCH=500), PostgreSQL"]
    rows = ["| system | jobs/s (median) | runs | x delayed_job | x graphile batched |", "|---|---:|---|---:|---:|"]
    for k, v in sorted(med.items(), key=lambda kv: -kv[1]):
        runs = ", ".join(f"{x:.0f}" for x in results[k])
        rows.append(f"| {k} | {v:,.0f} | {runs} | {v / dj:.1f} | {v / gw:.2f} |")
    table = "\n".join(rows)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    doc = f"""# Benchmarks

Burn-down throughput of no-op jobs: N jobs inserted in bulk, then drained by the worker;
jobs per second of draining, median of {RUNS} runs, all systems on the same PostgreSQL in one run.
longjobs runs {N:,} jobs per run; graphile-worker {N:,}; delayed_job {DJ_N:,} (it is slow).

{table}

- Machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; PostgreSQL at `{PG}`.
- Measured: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}.
- Reproduce: `python3 bench/run.py` (env `N`, `DJ_N`, `RUNS`, `CONCURRENCY`, `PG_BASE_URL`).
  It builds `longjobs-bench` in release mode, installs the peers (`bench/peers-setup.sh`:
  Debian's delayed_job packages, graphile-worker from npm) and runs them with
  `bench/peers.sh`, using the scripts in `../shared/bench/peers/`.
"""
    (TOP / "docs").mkdir(exist_ok=True)
    (TOP / "docs/benchmarks.md").write_text(doc)
    print(doc)


if __name__ == "__main__":
    main()
