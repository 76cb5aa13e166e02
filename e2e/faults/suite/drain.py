"""Drain under load, SIGTERM every worker as a deploy does, start new ones, restart: no job
is cut off, nothing is lost, and every count is conserved."""

from __future__ import annotations

import subprocess
import time
from collections import Counter

from .ledger import account
from .procs import wait_until
from .remote import METADATA, _file
from .secrets_check import leaks
from .stack import Context, Feeder, Stack

QUEUES = ["default=8", "zenodo=3", "merritt=2"]


def _worker(s: Stack):
    return s.start_worker(QUEUES, lease="5s", heartbeat="1s", rescue="1s", grace="15s")


def _cli(s: Stack, *args: str) -> tuple[int, str, float]:
    started = time.time()
    r = subprocess.run(
        [s.ctx.exe("longjobs"), "--server", s.api_base, "--token", s.api.token, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=s.env(),
    )
    return r.returncode, r.stdout + r.stderr, time.time() - started


def run(ctx: Context) -> dict:
    n_copies, n_subs, backlog = (8, 2, 100) if ctx.quick else (24, 4, 400)
    url = ctx.database("drain", "postgres")
    s = Stack(ctx, "drain-deploy", url)
    problems: list[str] = []
    try:
        s.start_sim({"routes": {"zenodo.upload": {"latency_ms": 600}}})
        s.start_server()
        workers = [_worker(s) for _ in range(2)]
        feeder = Feeder(s.api, "drain", batch=10, every=0.2, ms=(100, 800))
        feeder.enqueue_now(backlog)
        for i in range(n_copies):
            body = {
                "identifier": f"doi:10.5061/dryad.d{i // 2}",
                "resource_id": i + 1,
                "copy_type": "data",
                "metadata": METADATA,
                "files": [_file(s, "data.csv", 300 + i, 500 + i)],
            }
            s.api.ok("POST", "/api/zenodo/copies", body, expect=(201,))
        for i in range(n_subs):
            f = _file(s, "m.csv", 100 + i, 900 + i)
            s.api.ok(
                "POST",
                "/api/merritt/submissions",
                {"resource_id": 100 + i, "identifier": f"doi:10.5061/dryad.m{i}", "profile": "p", "submitter": "ops", "files": [f]},
                expect=(201,),
            )
        feeder.start()
        wait_until("a copy to be replicating", lambda: any(c["state"] == "replicating" for c in s.copies()), 60, every=0.1)

        # Drain under load: what replicates now finishes; nothing of Zenodo or Merritt starts.
        code, out, drain_s = _cli(s, "drain", "--wait", "--timeout", "240")
        if code != 0:
            problems.append(f"`longjobs drain --wait` exited {code}: {out[-500:]}")
        status = s.api.get("/api/maintenance")
        at_drain = Counter(c["state"] for c in s.copies())
        if not status.get("drained"):
            problems.append(f"not drained after `drain --wait`: {status}")
        if at_drain.get("replicating"):
            problems.append(f"{at_drain['replicating']} copies still replicating after the drain")
        remote_running = s.db.count("FROM jobs WHERE queue IN ('zenodo', 'merritt') AND state = 'running'")
        if remote_running:
            problems.append(f"{remote_running} Zenodo/Merritt jobs running after the drain")

        # Deploy: SIGTERM every worker at once (record jobs are still running), then new ones.
        stopped_at = time.time()
        for w in workers:
            w.signal(15)
        codes = [w.wait(60) for w in workers]
        if any(c != 0 for c in codes):
            problems.append(f"workers exited with {codes} on SIGTERM")
        handed_back = sum(w.output().count("handed back unfinished jobs") for w in workers)
        if handed_back:
            problems.append(f"{handed_back} workers handed back jobs they could not finish within the grace period")
        time.sleep(2)  # the deploy; enqueues go on
        workers = [_worker(s) for _ in range(2)]
        for w in workers:
            s.worker_id(w)
        deploy_gap_s = time.time() - stopped_at
        code, out, _ = _cli(s, "restart")
        if code != 0:
            problems.append(f"`longjobs restart` exited {code}: {out[-500:]}")
        restarted_at = time.time()
        time.sleep(3)
        feeder.stop()

        def all_done():
            copies_done = all(c["state"] == "finished" for c in s.copies())
            subs = s.api.get("/api/merritt/submissions?limit=500")
            subs = subs["submissions"] if isinstance(subs, dict) else subs
            subs_done = all(x["state"] == "completed" for x in subs)
            jobs_left = s.db.count("FROM jobs WHERE kind = 'record' AND state <> 'completed'")
            return copies_done and subs_done and jobs_left == 0

        wait_until("every job, copy and submission to finish", all_done, 300, every=0.5)
        done_s = time.time() - restarted_at
        codes = [w.stop() for w in workers]
        if any(c != 0 for c in codes):
            problems.append(f"new workers exited with {codes} on SIGTERM")
        jobs = s.db.jobs("record")
        result = account(jobs, s.read_executions(), set(), feeder.accepted)
        result["problems"] += problems + leaks(s)
        copies = s.copies()
        cut_off = sum(1 for row in jobs.values() if "handed_back" in row["errors"])
        if cut_off:
            result["problems"].append(f"{cut_off} record jobs were handed back (cut off)")
        result.update(
            backend="postgres",
            copies_in=n_copies,
            copies_out=sum(1 for c in copies if c["state"] == "finished"),
            submissions_in=n_subs,
            copies_at_drain=dict(at_drain),
            jobs_cut_off=cut_off,
            drain_s=round(drain_s, 1),
            deploy_gap_s=round(deploy_gap_s, 1),
            recover_s=round(done_s, 1),
            settings="2 workers (default=8, zenodo=3, merritt=2), grace 15 s; uploads take 0.6 s",
        )
        return result
    finally:
        s.stop()
