"""A small HTTP client for the longjobs API and the simulator's admin API (loopback only)."""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Answer:
    status: int
    content_type: str
    body: object
    seconds: float

    @property
    def is_problem(self) -> bool:
        """An RFC 7807 problem+json body whose status matches the answer's."""
        return (
            self.content_type.startswith("application/problem+json")
            and isinstance(self.body, dict)
            and self.body.get("status") == self.status
            and str(self.body.get("type", "")).startswith("/problems/")
            and bool(self.body.get("detail"))
        )


class Api:
    def __init__(self, base: str, token: str | None = None):
        u = urlsplit(base)
        if u.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"the fault suite only talks to loopback, not {base}")
        self.host, self.port = u.hostname, u.port or 80
        self.token = token

    def call(self, method: str, path: str, body=None, timeout: float = 20.0, token: str | None = None) -> Answer:
        """One request on a new connection. A timeout or a dropped connection raises OSError."""
        headers = {"Accept": "application/json"}
        tok = token if token is not None else self.token
        if tok:
            headers["Authorization"] = f"Bearer {tok}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.time()
        con = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            con.request(method, path, body=data, headers=headers)
            r = con.getresponse()
            raw = r.read()
            ctype = r.getheader("Content-Type") or ""
        finally:
            con.close()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return Answer(r.status, ctype, parsed, time.time() - started)

    def ok(self, method: str, path: str, body=None, expect=(200, 201)) -> object:
        a = self.call(method, path, body)
        if a.status not in expect:
            raise RuntimeError(f"{method} {path} answered {a.status}: {a.body}")
        return a.body

    def get(self, path: str):
        return self.ok("GET", path)

    def post(self, path: str, body=None):
        return self.ok("POST", path, body if body is not None else {})
