#!/usr/bin/env python3
"""Memory of the server under sign-ins: RSS before, after 1,000 logins 8 at a time, and the
peak (VmHWM), plus the same for 240 logins at once. Each login checks an argon2 hash (about
19 MiB while it runs); the server computes them on a fixed number of threads, so memory
stays bounded however many clients sign in.

    python3 bench/logins.py            # env: SERVER (binary; default target/release, then
                                       #      target/debug), LOGINS (1000), PARALLEL (8)
"""
import concurrent.futures
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-123"
LOGINS = int(os.environ.get("LOGINS", "1000"))
PARALLEL = int(os.environ.get("PARALLEL", "8"))


def binary():
    if os.environ.get("SERVER"):
        return Path(os.environ["SERVER"])
    target = TOP / os.environ.get("CARGO_TARGET_DIR", "target")
    for profile in ("release", "debug"):
        b = target / profile / "longjobs-server"
        if b.exists():
            return b
    sys.exit("build longjobs-server first (cargo build --release -p longjobs-server)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status(pid, key):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def login(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.request("POST", "/api/auth/login", json.dumps({"username": "admin", "password": PASSWORD}),
              {"content-type": "application/json"})
    r = c.getresponse()
    r.read()
    c.close()
    return r.status


def main():
    server = binary()
    port = free_port()
    with tempfile.TemporaryDirectory() as d:
        env = {**os.environ, "RUST_LOG": "warn", "LONGJOBS_DATABASE_URL": f"sqlite://{d}/bench.db",
               "LONGJOBS_LISTEN": f"127.0.0.1:{port}", "LONGJOBS_ADMIN_PASSWORD": PASSWORD,
               "LONGJOBS_CONSOLE_DIR": d}
        proc = subprocess.Popen([server, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(600):
                try:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                    c.request("GET", "/readyz")
                    if c.getresponse().status == 200:
                        break
                except OSError:
                    time.sleep(0.1)
            else:
                sys.exit("the server did not start")
            before = status(proc.pid, "VmRSS")
            started = time.time()
            with concurrent.futures.ThreadPoolExecutor(PARALLEL) as pool:
                codes = list(pool.map(lambda _: login(port), range(LOGINS)))
            took = time.time() - started
            after = status(proc.pid, "VmRSS")
            peak = status(proc.pid, "VmHWM")
            anon, file = status(proc.pid, "RssAnon"), status(proc.pid, "RssFile")
            with concurrent.futures.ThreadPoolExecutor(240) as pool:
                burst = list(pool.map(lambda _: login(port), range(240)))
            after_burst = status(proc.pid, "VmRSS")
            peak_burst = status(proc.pid, "VmHWM")
        finally:
            proc.terminate()
            proc.wait()
    ok = sum(1 for c in codes if c == 200)
    print(f"server: {server}")
    print(f"{LOGINS} logins, {PARALLEL} at a time: {ok} answered 200 in {took:.1f} s "
          f"({LOGINS / took:.0f}/s)")
    print(f"RSS before {before:.1f} MB, after {after:.1f} MB (anonymous {anon:.1f}, file {file:.1f}), "
          f"peak {peak:.1f} MB")
    print(f"then 240 at once: {sum(1 for c in burst if c == 200)} answered 200, "
          f"{sum(1 for c in burst if c == 503)} 503; RSS after {after_burst:.1f} MB, peak {peak_burst:.1f} MB")


if __name__ == "__main__":
    main()
