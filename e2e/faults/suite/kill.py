"""Kill -9 a worker in the middle of a batch, again and again, under load: nothing is lost,
and every job that ran twice ran first on a worker that was killed."""

from __future__ import annotations

import json
import random
import statistics
import time

from .db import parse_time
from .ledger import account
from .procs import wait_until
from .secrets_check import leaks
from .stack import Context, Feeder, Stack

CONCURRENCY = "default=16"


def run(ctx: Context, backend: str) -> dict:
    kills = 3 if ctx.quick else 20
    backlog = 300 if ctx.quick else 3000
    url = ctx.database(f"kill_{backend}", backend)
    s = Stack(ctx, f"kill-{backend}", url)
    try:
        s.start_server()
        feeder = Feeder(s.api, "kill", batch=20, every=0.25, ms=(20, 150))
        feeder.enqueue_now(backlog)
        workers = [s.start_worker([CONCURRENCY]) for _ in range(2)]
        feeder.start()
        started = time.time()
        kill_log = []
        for k in range(kills):
            slot = k % len(workers)
            victim = workers[slot]
            wid = s.worker_id(victim)
            # Mid-batch: it has finished some of its jobs and holds others right now.
            wait_until(
                f"{victim.name} to be mid-batch",
                lambda: s.executed_by(victim.pid) > 0 and s.db.running_of(wid),
                60,
                every=0.05,
            )
            time.sleep(random.uniform(0, 0.3))
            victim.kill9()
            at = time.time()
            cut_off = s.db.running_of(wid)
            kill_log.append({"pid": victim.pid, "worker": wid, "at": at, "cut_off": cut_off})
            workers[slot] = s.start_worker([CONCURRENCY])
        feeder.stop()
        kills_done = time.time()
        wait_until(
            "every record job to complete",
            lambda: s.db.count("FROM jobs WHERE kind = 'record' AND state <> 'completed'") == 0,
            240,
            every=0.25,
        )
        drained = time.time()
        codes = [w.stop() for w in workers]
        jobs = s.db.jobs("record")
        result = account(jobs, s.read_executions(), {k["pid"] for k in kill_log}, feeder.accepted)
        rescued, redone = [], []
        for k in kill_log:
            if not k["cut_off"]:
                continue
            # Back in the queue: the rescue note each job it held got after the kill.
            notes = [rescued_at(jobs.get(j, {}).get("errors", ""), k["at"]) for j in k["cut_off"]]
            if all(n is not None for n in notes):
                rescued.append(max(notes) - k["at"])
            else:
                result["problems"].append(f"jobs cut off by the kill of pid {k['pid']} have no rescue note: {k['cut_off']}")
            done = [jobs[j]["finished_at"] for j in k["cut_off"] if jobs.get(j, {}).get("finished_at")]
            if len(done) == len(k["cut_off"]):
                redone.append(max(done) - k["at"])
            else:
                result["problems"].append(f"jobs cut off by the kill of pid {k['pid']} never finished: {k['cut_off']}")
        cut_total = sum(len(k["cut_off"]) for k in kill_log)
        if cut_total == 0:
            result["problems"].append("no kill caught a job running: the scenario proved nothing")
        if any(c != 0 for c in codes):
            result["problems"].append(f"surviving workers exited with {codes} on SIGTERM")
        result["problems"] += leaks(s)
        result.update(
            backend=backend,
            kills=len(kill_log),
            jobs_running_at_kills=cut_total,
            recover_s_median=_round(statistics.median(rescued)) if rescued else None,
            recover_s_max=_round(max(rescued)) if rescued else None,
            completed_again_s_median=_round(statistics.median(redone)) if redone else None,
            completed_again_s_max=_round(max(redone)) if redone else None,
            seconds_under_kills=round(kills_done - started, 1),
            seconds_to_drain_after=round(drained - kills_done, 1),
            settings="2 workers x 16 slots, lease 2 s, heartbeat 0.5 s, rescue every 0.5 s",
        )
        return result
    finally:
        s.stop()


def rescued_at(errors: str, after: float) -> float | None:
    """When the job was first rescued after `after` (epoch s), from its error history."""
    try:
        history = json.loads(errors or "[]")
    except ValueError:
        return None
    times = [parse_time(e["at"]) for e in history if e.get("kind") == "rescued"]
    times = [t for t in times if t is not None and t >= after - 1]
    return min(times) if times else None


def _round(x: float) -> float:
    return round(x, 2)
