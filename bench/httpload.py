"""A bounded HTTP load generator for the benches: N threads, each doing its own operations one after
the other over loopback; latency of every operation, requests/s over the whole run. stdlib only."""

import http.client
import json
import threading
import time
from dataclasses import dataclass


@dataclass
class Stats:
    ops: int
    errors: int
    seconds: float
    latencies: list  # seconds, one per operation

    @property
    def per_second(self):
        return self.ops / self.seconds if self.seconds else 0.0

    def percentile(self, p):
        xs = sorted(self.latencies)
        if not xs:
            return float("nan")
        return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]

    def line(self, label, unit="req/s"):
        return (f"  {label:42} {self.per_second:8.1f} {unit}  p50 {self.percentile(50) * 1e3:7.1f} ms  "
                f"p99 {self.percentile(99) * 1e3:7.1f} ms  ({self.ops} ops, {self.errors} errors)")


class Client:
    """One connection per request (gunicorn's sync workers close after each answer)."""

    def __init__(self, port, host="127.0.0.1"):
        self.host, self.port = host, port

    def request(self, method, path, body=None, *, form=False, token=None, headers=None):
        hdrs = dict(headers or {})
        data = None
        if body is not None:
            if form:
                from urllib.parse import urlencode

                data = urlencode(body).encode()
                hdrs["Content-Type"] = "application/x-www-form-urlencoded"
            else:
                data = json.dumps(body).encode()
                hdrs["Content-Type"] = "application/json"
        if token is not None:
            hdrs["Authorization"] = f"Bearer {token}"
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.request(method, path, body=data, headers=hdrs)
            r = conn.getresponse()
            raw = r.read()
        finally:
            conn.close()
        return r.status, (json.loads(raw) if raw else None)


def run(threads, operations, op):
    """``op(thread, i)`` for i in range(operations) in each of ``threads`` threads; True = success."""
    latencies = [[] for _ in range(threads)]
    errors = [0] * threads
    start = threading.Barrier(threads + 1)

    def worker(t):
        start.wait()
        for i in range(operations):
            t0 = time.perf_counter()
            try:
                ok = op(t, i)
            except Exception:  # noqa: BLE001 - counted, the bench goes on
                ok = False
            latencies[t].append(time.perf_counter() - t0)
            errors[t] += not ok

    pool = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(threads)]
    for th in pool:
        th.start()
    start.wait()
    t0 = time.perf_counter()
    for th in pool:
        th.join()
    seconds = time.perf_counter() - t0
    return Stats(threads * operations, sum(errors), seconds, [x for xs in latencies for x in xs])
