#!/usr/bin/env python3
"""Where a drain's time went, from a `longjobs-bench --trace FILE` run.

    longjobs-bench --database-url … --jobs 5000 --concurrency 50 --sleep-ms 50 --trace /tmp/t.json
    python3 bench/io_trace.py /tmp/t.json 50 [50]      # FILE CONCURRENCY [SLEEP_MS]

Every slot is busy or idle from the drain's start (the bench spawning the worker) to its
end (the bench noticing that no job is left), so C x drain splits exactly into, per slot:
  start-up  drain start → the slot's first job starting,
  run       its jobs' run times (handler start to end, the timer's own overshoot shown apart),
  refill    a job's end → the next job starting on that slot (the k-th start after the first
            C takes the slot the k-th end freed: the semaphore allows no other order),
  tail      the slot's last job ending → the bench noticing the end.
Also: the claims (asked, got, round trip) and the completion writes (jobs, round trip).
"""
import json
import statistics
import sys


def secs(ts):
    return float(ts.strip().rstrip("s"))


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def main(path, c, sleep_ms):
    starts, ends, claims, writes = {}, {}, [], []
    t0 = t_end = None
    for line in open(path):
        e = json.loads(line)
        t, f = secs(e["timestamp"]), e.get("fields", {})
        msg = f.get("message")
        job = (e.get("span") or {}).get("job.id")
        if msg == "job started":
            starts[job] = t
        elif msg == "job ended":
            ends[job] = t
        elif msg == "claimed":
            claims.append((t, f))
        elif msg == "outcomes written" and int(f["done"]) + int(f["failed"]) > 0:
            writes.append((t, f))
        elif msg == "drain started":
            t0 = t
        elif msg == "drain noticed":
            t_end = t
    n = len(ends)
    drain = t_end - t0
    ideal = n * sleep_ms / 1000 / c
    s_sorted, e_sorted = sorted(starts.values()), sorted(ends.values())
    runs = [ends[j] - starts[j] for j in ends]
    refills = [s_sorted[c + i] - e_sorted[i] for i in range(n - c)]
    startup = sum(s - t0 for s in s_sorted[:c]) / c
    run = sum(runs) / c
    overshoot = sum(r - sleep_ms / 1000 for r in runs) / c
    refill = sum(refills) / c
    tail = sum(t_end - e for e in e_sorted[-c:]) / c
    ms = lambda x: f"{1000 * x:7.1f} ms"
    print(f"jobs {n}, concurrency {c}, {sleep_ms} ms each: drain {drain:.3f} s, ideal {ideal:.3f} s, "
          f"over by {ms(drain - ideal).strip()}")
    print(f"per slot: start-up {ms(startup)} (first job {ms(s_sorted[0] - t0).strip()}, all {c} busy at "
          f"{ms(s_sorted[c - 1] - t0).strip()})")
    print(f"          run      {ms(run)} (of which the timer overshooting {sleep_ms} ms: {ms(overshoot).strip()}; "
          f"per job mean {1e3 * statistics.mean(runs):.3f} ms, p50 {1e3 * pct(runs, .5):.3f}, "
          f"p99 {1e3 * pct(runs, .99):.3f}, max {1e3 * max(runs):.3f})")
    print(f"          refill   {ms(refill)} (per job mean {1e6 * statistics.mean(refills):.0f} µs, "
          f"p50 {1e6 * pct(refills, .5):.0f}, p99 {1e6 * pct(refills, .99):.0f}, max {1e6 * max(refills):.0f}; "
          f"{sum(r > 0.001 for r in refills)} over 1 ms)")
    print(f"          tail     {ms(tail)} (last job ended → last write done "
          f"{ms(writes[-1][0] - e_sorted[-1]).strip()} → bench noticed {ms(t_end - writes[-1][0]).strip()})")
    print(f"          sum      {ms(startup + run + refill + tail)} = drain {ms(drain).strip()}")
    got = [int(f["got"]) for _, f in claims]
    print(f"claims: {len(claims)}, jobs per claim {statistics.mean(got):.1f} (asked mean "
          f"{statistics.mean(int(f['asked']) for _, f in claims):.1f}), round trip mean "
          f"{statistics.mean(int(f['took_us']) for _, f in claims) / 1000:.2f} ms, max "
          f"{max(int(f['took_us']) for _, f in claims) / 1000:.2f} ms")
    for t, f in claims[:4]:
        print(f"  at {ms(t - t0)}: asked {f['asked']}, got {f['got']}, {int(f['took_us']) / 1000:.2f} ms, "
              f"held {f['held']}, free {f['free']}")
    done = [int(f["done"]) for _, f in writes]
    print(f"completion writes: {len(writes)}, jobs per write {statistics.mean(done):.1f} (max {max(done)}), "
          f"round trip mean {statistics.mean(int(f['took_us']) for _, f in writes) / 1000:.2f} ms, "
          f"max {max(int(f['took_us']) for _, f in writes) / 1000:.2f} ms")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 50)
