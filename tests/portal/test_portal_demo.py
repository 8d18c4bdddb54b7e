"""`make demo` (picodsc portal-demo) on a pseudo-terminal: it sets everything up, prints what
to type, serves the portal on the loopback address (plain-HTTP cookie there only), the printed user
name and password pass the login's first step and get the token's challenge; `q` stops everything;
a second run goes on with the same user and token."""

import fcntl
import http.cookiejar
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from api_server import free_port  # noqa: E402

PICODSC = str(Path(sys.executable).with_name("picodsc"))  # the venv's console script
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
pytestmark = pytest.mark.skipif(not hasattr(pty, "fork"), reason="needs a pseudo-terminal")


class Demo:
    def __init__(self, directory, port):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child: the demo, as `make demo` runs it
            os.execv(
                PICODSC,
                [
                    PICODSC,
                    "portal-demo",
                    "--dir",
                    str(directory),
                    "--bind",
                    f"127.0.0.1:{port}",
                ],
            )
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # a 120x40 window
        self.out = b""

    def read_until(self, marker, timeout=120):
        deadline = time.monotonic() + timeout
        while marker not in self.text() and time.monotonic() < deadline:
            if select.select([self.fd], [], [], 0.5)[0]:
                try:
                    self.out += os.read(self.fd, 65536)
                except OSError:
                    break
        assert marker in self.text(), self.text()[-2000:]
        return self.text()

    def text(self):
        return ANSI.sub("", self.out.decode(errors="replace"))

    def quit(self):
        os.write(self.fd, b"q")
        text = self.read_until("demo stopped", timeout=60)
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return text, status

    def kill(self):
        try:
            os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


def first_step(base, username, password):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    assert [c.name for c in jar] == ["picodsc_portal"] and not next(iter(jar)).secure
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf_token": csrf, "username": username, "password": password}).encode()
    return opener.open(base + "/login", data=form).read().decode()


def test_make_demo_sets_up_serves_and_stops(tmp_path):
    port = free_port()
    demo = Demo(tmp_path / "demo", port)
    try:
        text = demo.read_until("q quit")
        creds = re.search(
            r"user name: (\S+)\s+password: (\S+)\s+token PIN: (\d{4})\s+serial: ([0-9A-F]{16})", text
        )
        assert creds, text
        user, password, pin, serial = creds.groups()
        assert (user, pin) == ("demo", "4071")
        assert f"Client Portal: http://127.0.0.1:{port}/login" in text
        page = first_step(f"http://127.0.0.1:{port}", user, password)
        assert re.search(r'<output id="challenge">[0-9]{6}</output>', page)
        text, status = demo.quit()
        assert status == 0
    finally:
        demo.kill()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2)  # the portal stopped too

    again = Demo(tmp_path / "demo", port)  # second run: same user, same token
    try:
        text = again.read_until("q quit")
        assert f"password: {password}" in text and f"serial: {serial}" in text
        again.quit()
    finally:
        again.kill()
