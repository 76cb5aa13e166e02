"""Restart PostgreSQL under a running server and workers: the API answers 503 problem+json
while the database is away, both recover unattended, and every job enqueued before, during
and after the outage completes exactly once."""

from __future__ import annotations

import threading
import time
from collections import Counter

from .api import Api
from .ledger import account
from .procs import wait_until
from .secrets_check import leaks
from .stack import Context, Feeder, Stack

# What the API must answer while the database is away: (method, path, body, authenticated).
PROBES = [
    ("GET", "/api/jobs?limit=5", None, True),
    ("GET", "/api/jobs/1", None, True),
    ("GET", "/api/jobs/count", None, True),
    ("POST", "/api/jobs", {"jobs": [{"queue": "default", "kind": "noop"}]}, True),
    ("POST", "/api/jobs/1/retry", None, True),
    ("GET", "/api/queues", None, True),
    ("POST", "/api/queues/default/pause", None, True),
    ("GET", "/api/workers", None, True),
    ("GET", "/api/stats", None, True),
    ("GET", "/api/stats/timeseries", None, True),
    ("GET", "/api/audit", None, True),
    ("GET", "/api/auth/me", None, True),
    ("GET", "/api/zenodo/copies", None, True),
    ("GET", "/api/merritt/status", None, True),
    ("GET", "/api/maintenance", None, True),
    ("POST", "/api/maintenance/drain", {}, True),
    ("POST", "/api/auth/login", {"username": "nobody", "password": "wrong password"}, False),
]


class Prober(threading.Thread):
    """Calls every probe in turn until stopped, keeping what each answered."""

    def __init__(self, api: Api):
        super().__init__(daemon=True)
        self.api = api
        self.answers: list[tuple[str, object, bool, float]] = []  # (probe, status, problem, seconds)
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            for method, path, body, authed in PROBES:
                if self._halt.is_set():
                    return
                name = f"{method} {path.split('?')[0]}"
                try:
                    a = self.api.call(method, path, body, timeout=15, token=None if authed else "")
                    self.answers.append((name, a.status, a.is_problem, a.seconds))
                except OSError as e:
                    self.answers.append((name, type(e).__name__, False, 15.0))

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=60)


def run(ctx: Context) -> dict:
    before_s, outage_s, after_s = (2, 3, 2) if ctx.quick else (5, 6, 5)
    url = ctx.database("restart", "postgres")
    cluster = ctx.cluster
    s = Stack(ctx, "postgres-restart", url)
    try:
        s.start_server()
        # Default lease timings (15 s lease, 5 s heartbeat and rescue), as in production.
        workers = [s.start_worker(["default=8"], lease="15s", heartbeat="5s", rescue="5s", poll="200ms") for _ in range(2)]
        phase = {"now": "before"}
        feeder = Feeder(s.api, "restart", batch=10, every=0.1, ms=(20, 200), phase_of=lambda _t: phase["now"])
        feeder.start()
        time.sleep(before_s)

        phase["now"] = "during"
        cluster.stop("fast")
        down_at = time.time()
        prober = Prober(s.api)
        prober.start()
        time.sleep(outage_s)
        prober.stop()
        cluster.start()
        up_at = time.time()
        phase["now"] = "after"

        def api_answers():
            try:
                return s.api.call("GET", "/api/jobs?limit=1", timeout=15).status == 200
            except OSError:
                return False

        wait_until("the API to answer again", api_answers, 60, every=0.05)
        api_back = time.time() - up_at
        time.sleep(after_s)
        feeder.stop()
        wait_until(
            "every record job to complete",
            lambda: s.db.count("FROM jobs WHERE kind = 'record' AND state <> 'completed'") == 0,
            180,
            every=0.25,
        )
        codes = [w.stop() for w in workers]
        jobs = s.db.jobs("record")
        result = account(jobs, s.read_executions(), set(), feeder.accepted)

        # The API while the database was away.
        seen = Counter()
        bad = []
        for name, status, problem, secs in prober.answers:
            seen[f"{status}{' problem+json' if problem else ''}"] += 1
            if status != 503 or not problem:
                bad.append(f"{name} answered {status}{'' if problem else ' (not problem+json)'} after {secs:.1f} s")
        if not prober.answers:
            bad.append("no probe was answered during the outage")
        for b in sorted(set(bad))[:20]:
            result["problems"].append(f"while the database was away, {b}")
        slowest = max((a[3] for a in prober.answers), default=0)
        refusals = Counter(str(st) for st, at in feeder.refused if down_at <= at)
        after_recovery = [st for st, at in feeder.refused if at > up_at + api_back]
        if after_recovery:
            result["problems"].append(f"enqueues refused after the API was back: {after_recovery[:10]}")
        if any(c != 0 for c in codes):
            result["problems"].append(f"workers exited with {codes} on SIGTERM")
        # Workers: the first job completed after the database came back.
        finished_after = [row["finished_at"] for row in jobs.values() if row["finished_at"] and row["finished_at"] > up_at]
        worker_back = (min(finished_after) - up_at) if finished_after else None
        by_phase = Counter(feeder.phases[t] for t in feeder.accepted)
        result["problems"] += leaks(s)
        result.update(
            backend="postgres",
            outage_s=round(up_at - down_at, 1),
            enqueued_before=by_phase["before"],
            enqueued_during=by_phase["during"],
            enqueued_after=by_phase["after"],
            api_answers_during_outage=dict(seen),
            slowest_answer_during_outage_s=round(slowest, 2),
            enqueue_refusals_during_outage=dict(refusals),
            api_recover_s=round(api_back, 2),
            worker_recover_s=round(worker_back, 2) if worker_back is not None else None,
            settings="server + 2 workers x 8 slots, lease 15 s, heartbeat 5 s; pg_ctl stop -m fast, then start",
        )
        return result
    finally:
        s.stop()
