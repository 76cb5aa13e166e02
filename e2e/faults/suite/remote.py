"""Remote faults through the simulator — 5xx storms, 504s, slow answers, dropped connections,
checksum corruption: every copy ends finished or in error with a readable reason (or waits,
visibly, behind one in error); none stays replicating. Then the faults stop, an operator
resends each unfinished chain once, and everything finishes."""

from __future__ import annotations

import hashlib
import time
import urllib.request
from collections import Counter

from .api import Api
from .procs import wait_until
from .secrets_check import leaks
from .stack import Context, Stack

METADATA = {
    "title": "Data from: a study of long jobs under faults",
    "upload_type": "dataset",
    "description": "Measurements.",
    "creators": [{"name": "Doe, Jane"}],
    "license": "cc-zero",
    "keywords": ["queues"],
}

# Every kind of remote fault at once. A 2.5 s window of 504s on update outlasts the
# retries of some copies (0.2 + 0.4 + 0.8 + 1.6 s); 400s on update are permanent failures.
FAULTS = {
    "seed": 8,
    "routes": {
        "zenodo.create": {"drop_rate": 0.15},
        "zenodo.get": {"latency_ms": 150, "error_rate": 0.08, "status": 502},
        "zenodo.update": {"storm_for_ms": 2500, "error_rate": 0.04, "status": 400},
        "zenodo.upload": {"latency_ms": 80, "error_rate": 0.2, "status": 503},
        "zenodo.publish": {"storm_next": 4, "commit_then_fail": True, "drop_rate": 0.05},
        "zenodo.newversion": {"drop_next": 3, "error_rate": 0.1, "status": 500},
        "files.get": {"drop_rate": 0.05, "latency_ms": 30},
    },
    "corrupt_checksums": 6,
}
LIVE = ("available", "scheduled", "running", "retryable")


def _file(s: Stack, name: str, size: int, seed: int) -> dict:
    url = f"{s.sim_url}/files/{name}?size={size}&seed={seed}"
    with urllib.request.urlopen(url, timeout=30) as r:  # noqa: S310 — loopback simulator
        md5 = hashlib.md5(r.read()).hexdigest()  # noqa: S324 — Zenodo's checksum
    return {"name": name, "size": size, "md5": md5, "url": url}


def run(ctx: Context) -> dict:
    n = 12 if ctx.quick else 60
    url = ctx.database("remote", "sqlite")
    s = Stack(ctx, "remote-faults", url)
    try:
        s.start_sim()
        s.start_server()
        # Copies of one identifier form a chain of two (the second a new version of the first).
        files = {}
        for i in range(n):
            files[i] = [_file(s, f"part{k}.csv", 200 + 137 * ((i + k) % 23), 1000 * i + k) for k in range(1 + i % 3)]
        s.set_faults(FAULTS)
        workers = [s.start_worker(["zenodo=4"]) for _ in range(2)]
        ids = []
        for i in range(n):
            body = {
                "identifier": f"doi:10.5061/dryad.f{i // 2}",
                "resource_id": i + 1,
                "copy_type": "data",
                "metadata": METADATA,
                "files": files[i],
            }
            ids.append(s.api.ok("POST", "/api/zenodo/copies", body, expect=(201,))["id"])
        started = time.time()

        def settled():
            copies = {c["id"]: c for c in s.copies()}
            jobs = {j: row["state"] for j, row in s.db.jobs("zenodo.copy").items()}

            def done(c):
                if c["state"] == "finished":
                    return True
                if c["state"] == "error":
                    return jobs.get(c["job_id"]) not in LIVE
                if c["state"] == "enqueued" and c.get("waiting_on"):
                    w = copies.get(c["waiting_on"])
                    return w is not None and w["state"] == "error" and jobs.get(w["job_id"]) not in LIVE
                return False

            return copies if all(done(c) for c in copies.values()) and len(copies) == n else None

        copies = wait_until("every copy to settle under faults", settled, 300, every=0.5)
        settled_s = time.time() - started
        states = Counter(c["state"] for c in copies.values())
        problems = []
        for c in copies.values():
            if c["state"] == "error" and len((c.get("last_error") or "").strip()) < 10:
                problems.append(f"copy #{c['id']} is in error without a readable reason: {c.get('last_error')!r}")
        reasons = Counter(_reason(c["last_error"]) for c in copies.values() if c["state"] == "error")
        # What the workers met, from the copies' request logs: one per failed attempt.
        met = Counter()
        for cid in copies:
            for line in s.api.get(f"/api/zenodo/copies/{cid}")["log"]:
                m = line["message"]
                if line["kind"] == "ERROR" and (m.startswith("attempt ") or m.startswith("final failure")):
                    met[_reason(m.split(": ", 1)[-1])] += 1
        injected = s.sim_api.get("/admin/state").get("faults_injected", {})

        # The storm is over: an operator (with an API token) resends each unfinished chain once.
        s.set_faults({})
        token = s.admin.ok("POST", "/api/tokens", {"name": "faults-resend", "role": "operator"}, expect=(201,))
        s.secrets["API token"] = token["secret"]
        ops = Api(s.api_base, token["secret"])
        resent_at = time.time()
        chains = sorted({c["identifier"] for c in copies.values() if c["state"] != "finished"})
        for ident in chains:
            ops.ok("POST", "/api/zenodo/chains/resend", {"identifier": ident})
        wait_until(
            "every copy to finish after the resend",
            lambda: all(c["state"] == "finished" for c in s.copies()),
            300,
            every=0.5,
        )
        recover_s = time.time() - resent_at
        replicating_ever_left = [c["id"] for c in s.copies() if c["state"] == "replicating"]
        if replicating_ever_left:
            problems.append(f"copies still replicating: {replicating_ever_left}")
        codes = [w.stop() for w in workers]
        if any(c != 0 for c in codes):
            problems.append(f"workers exited with {codes} on SIGTERM")
        problems += leaks(s)
        jobs = s.db.jobs("zenodo.copy")
        deps = s.sim_api.get("/admin/state")["depositions"]
        published = sum(1 for d in deps if d.get("submitted"))
        drafts = len(deps) - published
        if published != n:
            problems.append(f"{published} versions published on Zenodo for {n} copies")
        return {
            "backend": "sqlite",
            "jobs_in": n,
            "copies_requested": n,
            "after_faults": dict(states),
            "error_reasons": dict(reasons.most_common(8)),
            "failed_attempts_by_cause": dict(met.most_common(10)),
            "faults_injected": injected,
            "settle_s": round(settled_s, 1),
            "chains_resent": len(chains),
            "jobs_out": sum(1 for c in s.copies() if c["state"] == "finished"),
            "duplicates": max(0, published - n),
            "published_versions": published,
            "drafts_left": drafts,
            "copy_job_attempts": sum(r["attempt"] for r in jobs.values()),
            "recover_s": round(recover_s, 1),
            "problems": problems,
            "settings": "2 workers x 4 Zenodo slots, retry base 0.2 s, 5 attempts per copy",
        }
    finally:
        s.stop()


def _reason(err: str | None) -> str:
    """A short class of a failure message, for the report."""
    e = (err or "").lower()
    for key, label in [
        ("checksum mismatch", "checksum mismatch"),
        ("answered 504", "504 gateway timeout"),
        ("answered 503", "503"),
        ("answered 502", "502"),
        ("answered 500", "500"),
        ("answered 400", "400 (permanent)"),
        ("network error", "dropped connection"),
        ("fetching", "source fetch failed"),
    ]:
        if key in e:
            return label
    return (err or "")[:60]
