"""privacyIDEA 3.14 (the peer of `make bench-peers`) in its own virtual environment, on loopback.

Sets up a throwaway instance (SQLite, its own encryption and audit keys, an admin), runs it under
gunicorn with the same worker count as picodsc, enrols HOTP tokens over its REST API, and answers
``POST /validate/check`` with the next correct OTP of each token (RFC 4226). Nothing leaves
127.0.0.1; every loop is bounded.
"""

import hashlib
import hmac
import os
import signal
import subprocess
import time
from pathlib import Path

ADMIN_PASSWORD = "bench-admin-password"  # a throwaway instance on loopback, deleted afterwards
READY_TIMEOUT = 120.0


def hotp(key, counter, digits=6):
    mac = hmac.new(key, counter.to_bytes(8, "big"), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    code = (int.from_bytes(mac[off:off + 4], "big") & 0x7FFFFFFF) % 10**digits
    return f"{code:0{digits}d}"


class PrivacyIdea:
    def __init__(self, venv, workdir, port):
        self.bin = Path(venv) / "bin"
        self.dir = Path(workdir)
        self.port = port
        self.cfg = self.dir / "pi.cfg"
        self.proc = None
        self.env = dict(os.environ, PRIVACYIDEA_CONFIGFILE=str(self.cfg))

    def setup(self):
        d = self.dir
        self.cfg.write_text(
            f"SQLALCHEMY_DATABASE_URI = 'sqlite:///{d / 'pi.sqlite'}'\n"
            f"SECRET_KEY = '{os.urandom(16).hex()}'\n"
            f"PI_PEPPER = '{os.urandom(16).hex()}'\n"
            f"PI_ENCFILE = '{d / 'enckey'}'\n"
            f"PI_AUDIT_KEY_PRIVATE = '{d / 'private.pem'}'\n"
            f"PI_AUDIT_KEY_PUBLIC = '{d / 'public.pem'}'\n"
            f"PI_LOGFILE = '{d / 'privacyidea.log'}'\n"
            "PI_LOGLEVEL = 30\n")
        manage = str(self.bin / "pi-manage")
        for argv in (["setup", "create_enckey"], ["setup", "create_audit_keys"], ["setup", "create_tables"],
                     ["admin", "add", "admin", "-p", ADMIN_PASSWORD]):
            subprocess.run([manage, *argv], env=self.env, cwd=d, check=True, capture_output=True, timeout=300)

    def start(self, workers):
        app = (f"privacyidea.app:create_app(config_name='production', config_file='{self.cfg}', "
               "silent=True)")
        self.log = open(self.dir / "gunicorn.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [str(self.bin / "gunicorn"), "--workers", str(workers), "--worker-class", "sync",
             "--bind", f"127.0.0.1:{self.port}", app],
            env=self.env, cwd=self.dir, stdout=self.log, stderr=subprocess.STDOUT)
        from .httpload import Client

        client = Client(self.port)
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"privacyIDEA's gunicorn exited ({self.dir / 'gunicorn.log'})")
            try:
                status, _ = client.request("POST", "/auth", {"username": "admin", "password": ADMIN_PASSWORD},
                                           form=True)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError("privacyIDEA did not start")

    def enrol_hotp(self, client, serials_keys):
        status, body = client.request("POST", "/auth", {"username": "admin", "password": ADMIN_PASSWORD},
                                      form=True)
        jwt = body["result"]["value"]["token"]
        for serial, key in serials_keys:
            status, body = client.request("POST", "/token/init", {
                "type": "hotp", "serial": serial, "otpkey": key.hex(), "genkey": 0, "pin": "", "otplen": 6},
                form=True, headers={"Authorization": jwt})
            if status != 200 or not body["result"]["status"]:
                raise RuntimeError(f"privacyIDEA token/init failed: {status}")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
            self.log.close()
