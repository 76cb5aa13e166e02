"""Secrets must never reach a log or a stored row: passwords, the JWT secret, login and API
tokens, the Zenodo access token. Looks through every process log of a scenario and a full
dump of its database."""

from __future__ import annotations

import sqlite3

from .procs import run
from .stack import Stack


def database_dump(s: Stack) -> str:
    if s.db.kind == "sqlite":
        con = sqlite3.connect(s.db.path, timeout=30)
        try:
            return "\n".join(con.iterdump())
        finally:
            con.close()
    if s.db.kind == "mysql":
        return run(["mariadb-dump", "--protocol=tcp", *s.db.args, "--no-create-info", "--skip-extended-insert", s.db.name], timeout=120)
    return run(["pg_dump", "--no-owner", "--data-only", s.url], timeout=120)


def leaks(s: Stack) -> list[str]:
    """One line per secret found, naming where; empty when none is anywhere."""
    # The simulator stands in for Zenodo, which must know the token: its log is not ours.
    places = {p.name: p.read_text(errors="replace") for p in sorted(s.dir.glob("*.log")) if p.name != "sim.log"}
    places["the database"] = database_dump(s)
    found = []
    for name, value in s.secrets.items():
        where = [place for place, text in places.items() if value in text]
        if where:
            found.append(f"the {name} appears in {', '.join(where)}")
    return found
