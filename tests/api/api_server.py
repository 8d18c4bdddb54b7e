"""`picodsc serve` as a subprocess for tests and the bench: free port, wait until ready, stop."""

import http.client
import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

READY_TIMEOUT = 60.0  # s: workers import Flask and SQLAlchemy on two busy cores
PICODSC = str(Path(sys.executable).with_name("picodsc"))  # the venv's console script


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, database, *, workers=2, fake_clock=None, env=None, log=None, extra=()):
        self.port = free_port()
        self.argv = [PICODSC, "serve", "--bind", f"127.0.0.1:{self.port}",
                     "--workers", str(workers), "--database", database, *extra]
        if fake_clock is not None:
            self.argv += ["--fake-clock", str(fake_clock)]
        self.env = env
        self.log = log
        self.proc = None

    def start(self):
        out = open(self.log, "wb") if self.log else subprocess.DEVNULL  # noqa: SIM115 - closed in stop()
        self._out = out
        self.proc = subprocess.Popen(self.argv, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = self.log_text()[-2000:]
                raise RuntimeError(f"picodsc serve exited with {self.proc.returncode}: {tail}")
            try:
                if self.call("GET", "/api/v1/openapi.json")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("picodsc serve did not answer within %.0f s" % READY_TIMEOUT)

    def call(self, method, path, body=None, token=None, timeout=30.0):
        """(status, JSON body or None, headers) of one request on a fresh connection."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            headers = {}
            data = None
            if body is not None:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            if token is not None:
                headers["Authorization"] = f"Bearer {token}"
            conn.request(method, path, body=data, headers=headers)
            r = conn.getresponse()
            raw = r.read()
            return r.status, (json.loads(raw) if raw else None), dict(r.getheaders())
        finally:
            conn.close()

    def log_text(self):
        return self.log.read_text(errors="replace") if self.log and self.log.exists() else ""

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        if self._out is not subprocess.DEVNULL:
            self._out.close()
