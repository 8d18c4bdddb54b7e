"""The test token: its suite, keys, PIN and serial, its configuration file, and what it must show.

Expected responses come from the host reference (picodsc.ocra.compute) with the PIN hashed here by
hashlib, never from the code under test.
"""

import hashlib
import json
import re

from picodsc import bundle
from picodsc import ocra as host_ocra
from picodsc.emulator import Emulator

SUITE = "OCRA-1:HOTP-SHA256-8:QN06-PSHA256"  # the default suite, spelled out
CSUITE = "OCRA-1:HOTP-SHA1-8:C-QN08-PSHA1"  # a counter suite
KEY32 = bytes(range(1, 33))
KEY20 = bytes(range(101, 121))
KEY = KEY32
PIN = "4711"
SERIAL = "E6614103E72B8F2A"  # the unique ID of the firmware stubs' board (support/mp/machine_stub.py)
T0 = 1_700_000_000  # "now" of the registry tests, UTC epoch seconds
DAY = 24 * 3600
BIG = "pico_4x4_128x64"
SMALL = "pico_3x4_128x32"
BOARDS = (BIG, SMALL)
BARE_MAIN = b"import time\nwhile True:\n    time.sleep(1)\n"  # a board with MicroPython and nothing else


def cfg_json(suite=SUITE, key=KEY32, counter=None):
    """The token's /dsc.cfg (the documented format)."""
    obj = {"v": 1, "suite": suite, "key": key.hex()}
    if counter is not None:
        obj["counter"] = counter
    return json.dumps(obj)


CONFIG = cfg_json()  # the test token's configuration


def pin_digest(suite, pin):
    """The P input of ``suite`` for ``pin``: its hash (PSHA1/PSHA256/PSHA512) of the PIN's digits."""
    name = re.search(r"-PSHA(1|256|512)\b", suite).group(1)
    return hashlib.new("sha" + name, pin.encode()).digest()


def response(challenge, pin=PIN, suite=SUITE, key=KEY32, counter=None):
    """The response the host reference computes (the PIN is ignored by a suite without P)."""
    ph = pin_digest(suite, pin) if "-P" in suite else None
    return host_ocra.compute(suite, key, challenge, counter=counter, pin_hash=ph)


def shown(r):
    """A response as the token shows it: big digits in two groups ("1234 5678", "123 456")."""
    return r[: len(r) // 2] + " " + r[len(r) // 2 :]


def expected(pin, challenge, suite=SUITE, key=KEY32, counter=None):
    """The response line the token shows after ``pin`` and ``challenge``."""
    return shown(response(challenge, pin, suite, key, counter))


def token_files(board=BIG, cfg=None):
    """The firmware bundle of ``board`` (.mpy, as deployed) and, unless None, the configuration text."""
    files = bundle.files(board)
    if cfg is not None:
        files.append(("/dsc.cfg", cfg.encode()))
    return files


def provisioned_image(path, board=BIG, cfg=None, **kw):
    """Writes a flash image holding the firmware and ``cfg`` (default: CONFIG); returns ``path``."""
    with Emulator(path, board=board, files=token_files(board, CONFIG if cfg is None else cfg), **kw):
        pass
    return path


def image_serial(image):
    """The serial a token shows: the flash unique ID the emulator keeps in the image's last block."""
    with open(image, "rb") as f:
        f.seek(-4096, 2)
        return f.read(8).hex().upper()


def screen_text(emu):
    """The decoded screen of an emulated token, "OFF" when the panel is dark."""
    s = emu.screen()
    return s.text() if s.on else "OFF"


class Clock:
    """An injected clock: ``clock.t`` is now (UTC epoch seconds); tests move it."""

    def __init__(self, t=float(T0)):
        self.t = t

    def __call__(self):
        return self.t


def bare_board(path, *files, **kw):
    """An emulated Pico with MicroPython and a stand-in main.py only (plus ``files``), its USB serial on a
    pty, in real time: an unprovisioned token sleeping in virtual time would not see mpremote's Ctrl-C.
    Not started: use it in a ``with``."""
    return Emulator(path, serial="pty", realtime=True, files=[("/main.py", BARE_MAIN), *files], **kw)


def hold_del_press(emu, ms=3_200):
    """The factory reset gesture: PRESS held ``ms`` while DEL is down (3 s asks to wipe)."""
    emu.down("DEL")
    emu.press("PRESS", ms)
    emu.up("DEL")


def factory_reset(emu):
    """Hold DEL + PRESS 3 s and confirm with OK: the token wipes itself."""
    hold_del_press(emu)
    emu.press_keys("OK")
