"""Child processes of the suite: each in its own session, logged to a file, always reaped.

Every process started here is remembered; `stop_all` (also run at exit and on SIGINT/SIGTERM
of the suite) ends the ones still running, by their own pid only.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

_started: list["Proc"] = []


class Proc:
    """One child process whose output goes to `log`."""

    def __init__(self, name: str, argv: list[str], log: Path, env: dict[str, str] | None = None):
        self.name = name
        self.argv = argv
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        self._out = open(log, "ab")
        self.popen = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        self.pid = self.popen.pid
        self.started = time.time()
        _started.append(self)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal(self, sig: int) -> None:
        if self.alive():
            os.kill(self.pid, sig)

    def wait(self, timeout: float) -> int | None:
        """The exit code, or None if it is still running after `timeout` seconds."""
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill9(self) -> None:
        """SIGKILL and reap: the process is gone when this returns."""
        self.signal(signal.SIGKILL)
        self.popen.wait(timeout=30)

    def stop(self, grace: float = 20.0) -> int | None:
        """SIGTERM, then SIGKILL after `grace` seconds; the exit code (negative: by signal)."""
        if not self.alive():
            return self.popen.returncode
        self.signal(signal.SIGTERM)
        code = self.wait(grace)
        if code is None:
            self.kill9()
            code = self.popen.returncode
        return code

    def output(self) -> str:
        self._out.flush()
        return self.log.read_text(errors="replace")


def stop_all() -> None:
    for p in reversed(_started):
        try:
            if p.alive():
                p.signal(signal.SIGKILL)
                p.popen.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
    _started.clear()


atexit.register(stop_all)


def run(argv: list[str], env: dict[str, str] | None = None, timeout: float = 120) -> str:
    """Runs a command to completion; raises with its output if it fails."""
    r = subprocess.run(
        argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout
    )
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r.stdout


def free_port() -> int:
    """A loopback port free right now (the kernel's choice)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what: str, pred, timeout: float, every: float = 0.1):
    """Polls `pred` until it returns something truthy; raises after `timeout` seconds."""
    deadline = time.time() + timeout
    while True:
        got = pred()
        if got:
            return got
        if time.time() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)
