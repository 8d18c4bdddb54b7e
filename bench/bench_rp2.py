"""The token on the REAL rp2 port: the official MicroPython RPI_PICO UF2 in rp2040py (issue 13).

Set PICODSC_RP2_IMAGE=RPI_PICO-v1.xx.uf2 (micropython.org, v1.24+). Figures are emulated CPU cycles
(idle WFI/WFE time not counted; ms at 125 MHz) - deterministic, the same on every machine:

- boot: power-up to the firmware's first display write; PRESS to a drawn PIN>;
- per key press: the cycles of a 300 ms window with one digit pressed (100 ms down, 200 ms up),
  and the same window without a key (the scan loop alone);
- per response (default and SHA-512 suite): OK down to the drawn response (5 ms steps), its cycles
  minus the scan loop's for that time, and that time;
- RAM at PIN>: gc.mem_free() / gc.mem_alloc() after gc.collect() on the real 32-bit heap, printed by
  a bench-only main.py that hooks Token._enter (the rest of the figures run the deployed main.py).
"""

import json
import os
import re
import tempfile
from pathlib import Path

from picodsc import bundle
from picodsc.emulator import Emulator
from picodsc.emulator.rp2.chip import CPU_HZ
from picodsc.emulator.rp2.emulator import Rp2Emulator

SUITES = (("default", "OCRA-1:HOTP-SHA256-8:QN06-PSHA256", bytes(range(32))),
          ("SHA-512", "OCRA-1:HOTP-SHA512-8:QN06-PSHA512", bytes(range(64))))
BOARD = bundle.DEFAULT_BOARD
_STEP_MS = 5
_RAM_MAIN = b"""import micropython
micropython.kbd_intr(-1)
import gc
import dsc.app

_enter = dsc.app.Token._enter


def _hooked(self, state, entry):
    _enter(self, state, entry)
    gc.collect()
    print("RAM %d %d" % (gc.mem_free(), gc.mem_alloc()))


dsc.app.Token._enter = _hooked
dsc.app.main()
"""


def _cfg(suite, key):
    return json.dumps({"v": 1, "suite": suite, "key": key.hex()}).encode()


def _image(path, suite, key, main=None):
    files = bundle.files(BOARD) + [("/dsc.cfg", _cfg(suite, key))]
    if main is not None:
        files = [(p, main if p == "/main.py" else d) for p, d in files]
    with Emulator(path, board=BOARD, files=files):  # the unix-port emulator writes the image
        pass
    return path


def _text(emu):
    s = emu.screen()
    return s.text() if s.on else "OFF"


def _cycles(emu, fn):
    before = emu.chip.cycles
    fn()
    return emu.chip.cycles - before


def _fmt(cycles):
    return f"{cycles:,} cycles ({cycles / CPU_HZ * 1000:.2f} ms)"


def _token_run(uf2, tmp, name, suite, key):
    with Rp2Emulator(_image(tmp / f"{name}.img", suite, key), uf2, sync=False) as emu:
        boot = emu.boot_cycles
        wake = _cycles(emu, lambda: emu.press("PRESS"))
        assert _text(emu) == ["PIN>"], _text(emu)
        idle = _cycles(emu, lambda: emu.advance(300))
        digit = _cycles(emu, lambda: emu.press("1"))
        for d in "234":
            emu.press(d)
        emu.press("OK")
        assert _text(emu)[0] == "CHALLNG>", _text(emu)
        for d in "12345":
            emu.press(d)
        emu.press("6")
        before = emu.chip.cycles
        emu.down("OK", 0)
        ms = 0
        while not re.fullmatch(r"\d{4} \d{4}", " ".join(ln for ln in _text(emu) if ln.strip())):
            emu.advance(_STEP_MS)
            ms += _STEP_MS
            if ms > 10_000:
                raise AssertionError(f"no response within 10 s of OK: {_text(emu)}")
        ok = emu.chip.cycles - before
    return {"boot_ms": emu.boot_ms, "boot": boot, "wake": wake, "idle": idle, "digit": digit,
            "response": ok - idle * ms // 300, "response_ms": ms}


def _ram(uf2, tmp):
    suite, key = SUITES[0][1:]
    with Rp2Emulator(_image(tmp / "ram.img", suite, key, main=_RAM_MAIN), uf2, sync=False) as emu:
        emu.press("PRESS")
        emu.read_serial_until(b"RAM ", timeout=300)
        emu.advance(10)
        m = re.search(rb"RAM (\d+) (\d+)", emu.serial_output())
    return int(m.group(1)), int(m.group(2))


def main():
    uf2 = os.environ.get("PICODSC_RP2_IMAGE")
    if not uf2:
        print("skipped: set PICODSC_RP2_IMAGE=RPI_PICO.uf2 (official MicroPython v1.24+) for these figures")
        return
    print(f"firmware: {Path(uf2).name} in rp2040py (emulated RP2040, 125 MHz)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        runs = {name: _token_run(uf2, tmp, name, suite, key) for name, suite, key in SUITES}
        free, alloc = _ram(uf2, tmp)
    d = runs["default"]
    print(f"boot, power-up to the first display write: {_fmt(d['boot'])}; "
          f"at {d['boot_ms']:.0f} ms of emulated time (idle included)")
    print(f"PRESS to PIN> (one 300 ms key window): {_fmt(d['wake'])}")
    print(f"scan loop alone, 300 ms at PIN>: {_fmt(d['idle'])}")
    print(f"key press (digit, 300 ms window): {_fmt(d['digit'])}; "
          f"over the scan loop: {_fmt(d['digit'] - d['idle'])}")
    for name, _, _ in SUITES:
        r = runs[name]
        print(f"response, {name} suite (OK down to the drawn response, over the scan loop): "
              f"{_fmt(r['response'])}; drawn {r['response_ms']} ms after OK")
    print(f"RAM at PIN> (gc after collect, real 32-bit heap): mem_free {free:,} B, mem_alloc {alloc:,} B")
