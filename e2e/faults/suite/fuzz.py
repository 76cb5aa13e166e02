"""Schemathesis (from PyPI, pinned, in its own venv) fuzzes the API from its own spec as an
operator, an admin (users and tokens), a viewer and a client without a token: no 5xx, no
answer that breaks the spec."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from .secrets_check import leaks
from .stack import Context, Stack

SCHEMATHESIS = "schemathesis==4.32.5"
# Every check of schemathesis but `positive_data_acceptance`: a request the schema allows
# can still be refused by the state it meets (retrying a completed job is 409, a copy's
# files must have a real md5), which the spec cannot express.
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
]


def venv(root: Path) -> Path:
    """The venv with schemathesis, made on first use."""
    v = root / "schemathesis-venv"
    st = v / "bin" / "st"
    if st.exists():
        r = subprocess.run([str(st), "--version"], capture_output=True, text=True)
        if SCHEMATHESIS.split("==")[1] in r.stdout:
            return st
    subprocess.run([sys.executable, "-m", "venv", str(v)], check=True)
    subprocess.run([str(v / "bin" / "pip"), "install", "-q", SCHEMATHESIS], check=True)
    return st


def run(ctx: Context) -> dict:
    st = venv(Path(os.environ.get("FAULTS_VENV_DIR", ctx.venv_dir or ctx.out)))
    url = ctx.database("fuzz", "sqlite")
    s = Stack(ctx, "fuzz-api", url)
    try:
        s.start_server()
        # Something to find: jobs in every state the fuzzer can reach by id.
        s.api.ok("POST", "/api/jobs", {"jobs": [{"queue": "default", "kind": "noop"} for _ in range(5)]}, expect=(201,))
        # The operator fuzzes everything it may call; then an admin fuzzes what only an
        # admin may (users and tokens), which the operator only ever sees refused.
        # The admin signs in with an API token: it cannot delete, demote or disable its own
        # creator (409), so it keeps working; revoking tokens, which would end it, is left
        # to the Rust tests. The operator's pass leaves out sign-out, which would end its
        # own login token (the Rust tests cover it).
        admin_token = s.admin.ok("POST", "/api/tokens", {"name": "fuzz-admin", "role": "admin"}, expect=(201,))["secret"]
        s.secrets["admin API token"] = admin_token
        # A viewer fuzzes every operation (it may read, and must be refused the rest with
        # 403, as the spec says); a client without a token too (401 but for health, the
        # spec and sign-in).
        viewer_token = s.admin.ok("POST", "/api/tokens", {"name": "fuzz-viewer", "role": "viewer"}, expect=(201,))["secret"]
        s.secrets["viewer API token"] = viewer_token
        no_sign_in = ["--exclude-operation-id", "login", "--exclude-operation-id", "logout"]
        # Signed in, the live stream (text/event-stream) never ends, and schemathesis checks
        # each event against the array schema poem-openapi writes for a stream, not against
        # its items: backend/server/tests/live.rs reads the events instead. Without a token
        # it answers 401 problem+json like any other operation, so that pass keeps it.
        signed_in = [*no_sign_in, "--exclude-operation-id", "liveEvents"]
        passes = [
            ("operator", s.api.token, signed_in, 30 if ctx.quick else 600),
            ("admin", admin_token, ["--include-tag", "Users", "--include-tag", "Tokens", "--exclude-operation-id", "revokeToken"], 15 if ctx.quick else 120),
            ("viewer", viewer_token, signed_in, 15 if ctx.quick else 240),
            ("no token", None, no_sign_in, 10 if ctx.quick else 120),
        ]
        started = time.time()
        result = {"backend": "sqlite", "checks": CHECKS, "problems": [], "passes": {}}
        statuses: Counter = Counter()
        for role, token, selection, budget in passes:
            report = s.dir / f"schemathesis-{role.replace(' ', '-')}"
            argv = [
                str(st), "run", f"{s.api_base}/api/openapi.json",
                "--url", s.api_base,
                *(["-H", f"Authorization: Bearer {token}"] if token else []),
                "--checks", ",".join(CHECKS),
                "--max-examples", "8" if ctx.quick else "60",
                "--phases", "examples,coverage,fuzzing" + ("" if ctx.quick else ",stateful"),
                "--seed", "20261128",
                # One worker: Python 3.11's ast module is not thread-safe, and hypothesis
                # parses lambdas with it ("AST constructor recursion depth mismatch").
                "--workers", "1",
                "--request-timeout", "20",
                "--max-time", str(budget),
                # Sign-in is rate-limited by design (429 after ten failures); fuzzing it
                # would only measure the limiter; the Rust tests cover it.
                *selection,
                "--report", "junit,ndjson",
                "--report-dir", str(report),
                "--output-truncate", "true",
                "--no-color",
            ]
            # From the scenario's directory: schemathesis keeps a cache where it starts.
            r = subprocess.run(argv, capture_output=True, text=True, timeout=1200, cwd=s.dir)
            out = s.dir / f"schemathesis-{role.replace(' ', '-')}.out"
            out.write_text(r.stdout + r.stderr)
            if r.returncode != 0:
                result["problems"].append(f"schemathesis as {role} exited {r.returncode}: see {out}\n" + _failures(r.stdout))
            pass_statuses = _statuses(report)
            statuses.update(pass_statuses)
            result["passes"][role] = {**_summary(r.stdout), "statuses": pass_statuses}
        result["problems"] += leaks(s)
        server_errors = sum(n for code, n in statuses.items() if code.startswith("5"))
        if server_errors:
            result["problems"].append(f"{server_errors} answers were 5xx: {dict(statuses)}")
        op = result["passes"]["operator"]
        result.update(
            operations=op.get("operations"),
            test_cases=op.get("cases"),
            statuses=dict(sorted(statuses.items())),
            server_errors=server_errors,
            seconds=round(time.time() - started, 1),
        )
        return result
    finally:
        s.stop()


def _summary(out: str) -> dict:
    """Figures from schemathesis' closing summary."""
    got: dict = {}
    lines = [line.strip() for line in out.splitlines()]
    for i, t in enumerate(lines):
        if t.startswith("Tested:"):
            got["operations"] = int(t.split(":", 1)[1])
        elif t == "Test cases:" and i + 1 < len(lines):
            got["cases"] = lines[i + 1]
        elif t.startswith("=") and t.endswith("=") and " in " in t:
            got["outcome"] = t.strip("= ")
    return got


def _statuses(report: Path) -> dict[str, int]:
    """How often each status was answered, from the NDJSON event log (then deleted: it is
    large, and the JUnit report keeps the failures)."""
    counts: Counter = Counter()
    for f in report.glob("*.ndjson"):
        with open(f, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                counts.update(m.group(1) for m in re.finditer(r'"status_code":\s*(\d{3})', line))
        f.unlink()
    return dict(sorted(counts.items()))


def _failures(out: str) -> str:
    start = out.find("FAILURES")
    return out[start : start + 6000] if start >= 0 else out[-4000:]


if __name__ == "__main__":
    print(json.dumps(_summary(sys.stdin.read())))
