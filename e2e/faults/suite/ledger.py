"""Accounting of `record` jobs: what went in, what came out, and every execution in between.

A job is *lost* when it did not end `completed`, or ended `completed` without any recorded
execution. A job executed more than once is a *duplicate*; it is *accounted for* when every
execution but one was made by a worker process the suite killed (the kill came after the
job's work but before its completion was written, so the job ran again elsewhere).
"""

from __future__ import annotations

from collections import defaultdict


def account(jobs: dict[int, dict], executions: list[dict], killed_pids: set[int], tags: dict[str, tuple[int, float]] | None = None) -> dict:
    per_job: dict[int, list[dict]] = defaultdict(list)
    for e in executions:
        per_job[e["job"]].append(e)
    not_completed = sorted(j for j, row in jobs.items() if row["state"] != "completed")
    never_ran = sorted(j for j, row in jobs.items() if row["state"] == "completed" and j not in per_job)
    unknown = sorted(j for j in per_job if j not in jobs)
    duplicates = {j: ex for j, ex in per_job.items() if len(ex) > 1}
    unaccounted = sorted(j for j, ex in duplicates.items() if sum(1 for e in ex if e["pid"] not in killed_pids) > 1)
    # Every execution is a claim, so a job's attempt count is at least its executions.
    over_attempts = sorted(j for j, ex in per_job.items() if j in jobs and len(ex) > jobs[j]["attempt"])
    out = {
        "jobs_in": len(jobs),
        "jobs_out": sum(1 for row in jobs.values() if row["state"] == "completed"),
        "executions": len(executions),
        "duplicates": len(duplicates),
        "duplicates_by_killed_workers": len(duplicates) - len(unaccounted),
        "lost": len(not_completed) + len(never_ran),
        "problems": [],
    }
    if tags is not None:
        accepted_ids = {jid for jid, _ in tags.values()}
        missing = sorted(accepted_ids - set(jobs))
        out["accepted_by_api"] = len(tags)
        if missing:
            out["problems"].append(f"{len(missing)} jobs the API accepted are not in the database: {missing[:10]}")
        extra = sorted(set(jobs) - accepted_ids)
        if extra:
            # Ambiguous client retries (an answer lost after the commit) enqueue again.
            out["enqueued_twice_by_client_retries"] = len(extra)
    if not_completed:
        states = defaultdict(int)
        for j in not_completed:
            states[jobs[j]["state"]] += 1
        out["problems"].append(f"{len(not_completed)} jobs did not complete: {dict(states)} e.g. {not_completed[:10]}")
    if never_ran:
        out["problems"].append(f"{len(never_ran)} jobs completed without an execution: {never_ran[:10]}")
    if unknown:
        out["problems"].append(f"executions of jobs that are not in the database: {unknown[:10]}")
    if unaccounted:
        out["problems"].append(
            f"{len(unaccounted)} jobs ran more than once without a killed worker to explain it: "
            + ", ".join(f"#{j} by pids {[e['pid'] for e in duplicates[j]]}" for j in unaccounted[:10])
        )
    if over_attempts:
        out["problems"].append(f"jobs with more executions than attempts: {over_attempts[:10]}")
    return out
