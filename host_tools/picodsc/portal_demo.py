"""`make demo`: the whole Secure Login System on one laptop — portal in the browser, token in the terminal.

    picodsc portal-demo [--bind 127.0.0.1:8000] [--dir DIR]      (the command: cli/portal_demo.py)

First run (or when its files are gone): a demo database, an emulated token seeded the way a vendor
seeds a token (the secret goes into the token's flash configuration, its RFC 6030 PSKC seed file is
imported into the service, `picodsc import`), and a primary user ``demo`` with that token assigned.
Then it starts ``picodsc serve`` on 127.0.0.1:8000 (the JSON API and the Client Portal) and the token
in this terminal, and prints the user name, password, PIN and what to do. A demo protects nothing:
its password and PIN are printed on purpose, and it listens on the loopback address only.

:func:`seed_token` is also what the browser tests use to make their emulated token.
"""

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

from . import bundle, pskc_export
from .errors import PicodscError, UsageError
from .ocra import DEFAULT_SUITE

DEMO_USER = "demo"
DEMO_ACCOUNT = "DEMO1"
DEMO_PIN = "4071"
DEFAULT_BIND = "127.0.0.1:8000"
READY_TIMEOUT_S = 60.0


def seed_token(suite=DEFAULT_SUITE, board=bundle.DEFAULT_BOARD):
    """A new token's secret: ``(files, pskc_for)`` — ``files`` to boot an emulator with (the firmware
    bundle plus ``/dsc.cfg``, what deploy + provision put on a board) and ``pskc_for(serial)``, the
    PSKC seed file of that token once its serial (the flash's unique id) is known."""
    key = secrets.token_bytes(32)
    cfg = json.dumps({"v": 1, "suite": suite, "key": key.hex()}).encode()
    files = bundle.files(board) + [("/dsc.cfg", cfg)]

    def pskc_for(serial):
        return pskc_export.build(SimpleNamespace(serial=serial, suite=suite, secret=key, counter=0))

    return files, pskc_for


def demo_dir(path=None):
    if path:
        return Path(path)
    import platformdirs

    return Path(platformdirs.user_data_dir("picodsc")) / "portal-demo"


def _paths(d):
    return SimpleNamespace(
        db=d / "sls.sqlite3",
        key=d / "picodsc.key",
        image=d / "token.img",
        password=d / "demo-password",
        url=f"sqlite:///{d / 'sls.sqlite3'}",
    )


def _fresh(p):
    """True when the demo must be set up anew (then its old files are removed)."""
    if all(f.exists() for f in (p.db, p.key, p.image, p.password)):
        return False
    for f in (p.db, p.key, p.image, p.password, Path(str(p.image) + ".lock")):
        f.unlink(missing_ok=True)
    return True


def serve_command(bind):
    return [str(Path(sys.executable).parent / "picodsc"), "serve", "--bind", bind]


def wait_ready(url, proc, timeout=READY_TIMEOUT_S):
    """Wait until ``url`` answers (any HTTP status) or ``proc`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise PicodscError(f"the portal server stopped at start (exit {proc.returncode})")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise PicodscError(f"the portal did not answer at {url} within {timeout:.0f} s")


def run(bind=DEFAULT_BIND, directory=None, echo=print):
    from .emulator.harness import Emulator
    from .emulator.image import token_serial
    from .emulator.session import interactive
    from .sls import Service

    host, _, port = bind.rpartition(":")
    if host not in ("127.0.0.1", "localhost") or not port.isdigit():
        raise UsageError("the demo listens on the loopback address only: --bind 127.0.0.1:PORT")
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise PicodscError("the demo is interactive: run it in a terminal")
    d = demo_dir(directory)
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    p = _paths(d)
    fresh = _fresh(p)
    files, pskc_for = seed_token() if fresh else (None, None)
    echo(f"demo files: {d}")
    with Emulator(p.image, serial="pty", realtime=True, files=files) as emu:
        serial = token_serial(p.image)
        if fresh:
            password = secrets.token_urlsafe(9)
            service = Service.open(p.url, key_file=p.key)
            try:
                service.import_pskc(pskc_for(serial), pin=DEMO_PIN, actor="demo")
                service.add_user(
                    DEMO_USER, account=DEMO_ACCOUNT, password=password, primary=True, actor="demo"
                )
                service.assign_device(DEMO_USER, serial, actor="demo")
            finally:
                service.close()
            fd = os.open(p.password, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(password)
        password = p.password.read_text()
        env = dict(
            os.environ,
            PICODSC_DATABASE_URL=p.url,
            PICODSC_KEY_FILE=str(p.key),
            PICODSC_PORTAL_INSECURE_LOCALHOST="1",
        )
        log = open(d / "serve.log", "ab")
        server = subprocess.Popen(
            serve_command(bind),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            url = f"http://{bind}/login"
            wait_ready(url, server)
            notes = [
                f"Client Portal: {url}   (server log: {d / 'serve.log'})",
                f"user name: {DEMO_USER}   password: {password}   token PIN: {DEMO_PIN}   serial: {serial}",
                "In the browser: log in with the user name and password; the page shows a 6-digit challenge.",
                "Here, on the token: p (power), the PIN, Enter, the challenge, Enter; type the 8 digits it",
                "shows into the page. Enter = OK, Backspace = DEL, q = quit (stops the portal too).",
            ]
            for line in notes:
                echo(line)
            interactive(p.image, bundle.DEFAULT_BOARD, notes=notes, emu=emu)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
            log.close()
    echo(f"demo stopped; run `make demo` again to continue with the same user and token ({d}).")
