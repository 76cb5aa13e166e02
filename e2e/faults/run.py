#!/usr/bin/env python3
"""The fault suite of longjobs: kill, restart, remote faults, drain and fuzzing, for real.

Runs each scenario against the binaries of `cargo build --workspace`, on loopback only, each
bounded in time and count, and prints one line of figures per scenario (jobs in, jobs out,
duplicates, time to recover). Exit status 1 when any scenario found a problem.

    e2e/faults/run.py                 # every scenario, full size (what docs/reliability.md reports)
    e2e/faults/run.py --quick         # small counts (what scripts/test runs)
    e2e/faults/run.py --only kill-sqlite --only remote-faults
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import time
import traceback
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, str(Path(__file__).resolve().parent))

from suite import drain, fuzz, kill, remote, restart  # noqa: E402
from suite.procs import stop_all  # noqa: E402
from suite.stack import Context  # noqa: E402

SCENARIOS = {
    "kill-postgres": lambda ctx: kill.run(ctx, "postgres"),
    "kill-sqlite": lambda ctx: kill.run(ctx, "sqlite"),
    "kill-mariadb": lambda ctx: kill.run(ctx, "mariadb"),
    "postgres-restart": restart.run,
    "remote-faults": remote.run,
    "drain-deploy": drain.run,
    "fuzz-api": fuzz.run,
}
BINARIES = ["longjobs-server", "longjobs-worker", "longjobs-sim", "longjobs"]
# Longest any one scenario may take before the suite gives up on it.
SCENARIO_LIMIT_S = 1500


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small counts, for every test run")
    ap.add_argument("--only", action="append", choices=sorted(SCENARIOS), help="run only this scenario (repeatable)")
    ap.add_argument("--skip", action="append", default=[], choices=sorted(SCENARIOS), help="leave this scenario out (repeatable)")
    ap.add_argument("--out", type=Path, help="where logs, databases and the report go (default: target/faults/<time>)")
    args = ap.parse_args()

    root = Path(__file__).resolve().parents[2]
    target = Path(os.environ.get("CARGO_TARGET_DIR", root / "target"))
    if not target.is_absolute():
        target = root / target
    out = (args.out or target / "faults" / time.strftime("%Y%m%d-%H%M%S")).resolve()
    out.mkdir(parents=True, exist_ok=True)
    # A copy of the binaries: a build during the run (the tree is shared) must not swap
    # them under the scenarios.
    bin_dir = out / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name in BINARIES:
        src = target / "debug" / name
        if not src.exists():
            print(f"{src} is missing: run `cargo build --workspace` first", file=sys.stderr)
            return 2
        shutil.copy2(src, bin_dir / name)
    ctx = Context(bin=bin_dir, out=out, quick=args.quick, venv_dir=target)

    def interrupted(signum, _frame):
        stop_all()
        if ctx.cluster is not None:
            ctx.cluster.destroy()
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGALRM, _overrun)

    names = [n for n in (args.only or list(SCENARIOS)) if n not in args.skip]
    print(f"fault suite ({'quick' if args.quick else 'full'}): {', '.join(names)}; output in {out}", flush=True)
    results = {}
    try:
        for name in names:
            started = time.time()
            print(f"--- {name}", flush=True)
            signal.alarm(SCENARIO_LIMIT_S)
            try:
                r = SCENARIOS[name](ctx)
            except Exception as e:  # noqa: BLE001 — a scenario that breaks is a failed scenario
                r = {"problems": [f"{type(e).__name__}: {e}"], "traceback": traceback.format_exc()}
            finally:
                signal.alarm(0)
                stop_all()
            r["seconds"] = round(time.time() - started, 1)
            r["ok"] = not r["problems"]
            results[name] = r
            print(_line(name, r), flush=True)
            for p in r["problems"]:
                print(f"    problem: {p}", flush=True)
    finally:
        if ctx.cluster is not None:
            ctx.cluster.destroy()
    report = out / "report.json"
    report.write_text(json.dumps({"quick": args.quick, "scenarios": results}, indent=2, default=str))
    failed = [n for n, r in results.items() if not r["ok"]]
    print(f"report: {report}")
    print(f"faults: {len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def _overrun(_signum, _frame):
    raise TimeoutError(f"the scenario ran over {SCENARIO_LIMIT_S} s")


def _line(name: str, r: dict) -> str:
    keys = [
        "jobs_in", "jobs_out", "duplicates", "duplicates_by_killed_workers", "lost", "kills",
        "recover_s_median", "recover_s_max", "api_recover_s", "worker_recover_s", "recover_s",
        "operations", "test_cases", "server_errors", "seconds",
    ]
    figures = ", ".join(f"{k}={r[k]}" for k in keys if r.get(k) is not None)
    return f"{'ok  ' if r['ok'] else 'FAIL'} {name}: {figures}"


if __name__ == "__main__":
    sys.exit(main())
