#!/usr/bin/env python3
"""Prints the figures of a fault-suite run as the Markdown tables of docs/reliability.md.

    e2e/faults/report.py target/faults/<run>/report.json
"""

from __future__ import annotations

import json
import sys


def row(*cells) -> str:
    return "| " + " | ".join("" if c is None else str(c) for c in cells) + " |"


def main(path: str) -> None:
    s = json.load(open(path))["scenarios"]
    print(row("scenario", "jobs in", "jobs out", "lost", "ran twice (all by a killed worker)", "time to recover", "ok"))
    print(row("---", "---:", "---:", "---:", "---:", "---", "---"))
    for name in ("kill-postgres", "kill-mariadb", "kill-sqlite"):
        if r := s.get(name):
            print(row(
                f"kill -9 × {r['kills']} ({r['backend']})", r["jobs_in"], r["jobs_out"], r["lost"],
                f"{r['duplicates']} ({r['duplicates_by_killed_workers']})",
                f"held jobs back in the queue after {r['recover_s_median']} s (median), {r['recover_s_max']} s (max)",
                "yes" if r["ok"] else "NO",
            ))
    if r := s.get("postgres-restart"):
        print(row(
            f"PostgreSQL restart ({r['outage_s']} s away)", r["jobs_in"], r["jobs_out"], r["lost"], r["duplicates"],
            f"API {r['api_recover_s']} s, workers {r['worker_recover_s']} s after the database was back",
            "yes" if r["ok"] else "NO",
        ))
    if r := s.get("remote-faults"):
        print(row(
            f"remote faults ({r['copies_requested']} Zenodo copies)", r["copies_requested"], r["jobs_out"],
            r["copies_requested"] - r["jobs_out"],
            f"{r['duplicates']} extra published versions",
            f"settled in {r['settle_s']} s under faults; all finished {r['recover_s']} s after one resend per chain",
            "yes" if r["ok"] else "NO",
        ))
    if r := s.get("drain-deploy"):
        print(row(
            f"drain + SIGTERM deploy (+{r['copies_in']} copies, {r['submissions_in']} submissions)", r["jobs_in"], r["jobs_out"], r["lost"], r["duplicates"],
            f"drained in {r['drain_s']} s; workers away {r['deploy_gap_s']} s; all done {r['recover_s']} s after restart",
            "yes" if r["ok"] else "NO",
        ))
    if r := s.get("fuzz-api"):
        print()
        print(row("schemathesis", "operations", "test cases", "5xx", "answers by status", "outcome"))
        print(row("---", "---:", "---", "---:", "---", "---"))
        for role, p in r.get("passes", {}).items():
            print(row(f"as {'an' if role[0] in 'aeiou' else 'a'} {role}", p.get("operations"), p.get("cases"),
                      sum(n for k, n in p["statuses"].items() if k.startswith("5")),
                      ", ".join(f"{k}: {v}" for k, v in p["statuses"].items()), p.get("outcome")))

if __name__ == "__main__":
    main(sys.argv[1])
