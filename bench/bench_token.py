"""The token on the emulated rp2 (virtual time, the deployed .mpy bundle, issue 9).

- wake latency: PRESS (key down) to a drawn PIN> (goal <= 100 ms): virtual time to the frame plus the
  I2C bytes of that frame on the wire at the board's I2C_FREQ (9 clocks per byte);
- wakeups per idle minute while off, no USB host (goal <= 1), and with one (random early wakeups);
- debounce under random early wakeups: bouncing keystrokes typed, digits doubled or lost (goal 0);
- RAM at PIN> after boot, and the heap one response allocates on the token's real path (dsc.app
  imports the configuration and OCRA modules, parses the suite, computes, releases them again).

RAM figures are the 64-bit unix port's (objects up to twice their RP2040 size).
"""

import json
import random
import statistics
import tempfile
from pathlib import Path

from picodsc import bundle
from picodsc import ocra as host_ocra
from picodsc.emulator import Emulator

SUITE = "OCRA-1:HOTP-SHA256-8:QN06-PSHA256"
KEY = bytes(range(32))
BOARDS = ("pico_4x4_128x64", "pico_3x4_128x32")
I2C_CLOCKS_PER_BYTE = 9  # 8 data bits + ACK


def _cfg(suite=SUITE, key=KEY):
    return json.dumps({"v": 1, "suite": suite, "key": key.hex()}).encode()


def _text(emu):
    s = emu.screen()
    return s.text() if s.on else "OFF"


def _board_constants(board):
    ns = {}
    exec(bundle.board_path(board).read_text(), ns)
    return ns


def wake_latency(tmp, board, early_wakeups, presses=12):
    """[(ms to the frame, ms on the I2C wire)] for presses at different points of the off-sleep."""
    freq = _board_constants(board)["I2C_FREQ"]
    out = []
    rng = random.Random(early_wakeups)
    with Emulator(tmp / f"wake-{board}-{early_wakeups}.img", board=board,
                  files=bundle.files(board) + [("/dsc.cfg", _cfg())], early_wakeups=early_wakeups) as emu:
        for _ in range(presses):
            emu.advance(rng.randrange(1_000, 130_000))
            emu.reset_stats()
            emu.down("PRESS", 0)
            ms = 0
            while _text(emu) != ["PIN>"]:
                emu.advance(1)
                ms += 1
                if ms > 1_000:
                    raise AssertionError("no PIN> within 1 s of PRESS")
            wire = emu.stats()["i2c_bytes"] * I2C_CLOCKS_PER_BYTE / freq * 1000
            out.append((ms, wire))
            emu.up("PRESS")
            emu.press("PRESS")
    return out


def idle_wakeups(tmp, early_wakeups, minutes=30):
    with Emulator(tmp / f"idle-{early_wakeups}.img", files=bundle.files() + [("/dsc.cfg", _cfg())],
                  early_wakeups=early_wakeups) as emu:
        emu.press_keys("PRESS PRESS")
        emu.advance(1_000)
        emu.reset_stats()
        emu.advance(minutes * 60_000)
        st = emu.stats()
    return st["wakeups"] / minutes, st["i2c_bytes"]


def _stroke(emu, key, rng):
    """One keystroke of a bouncing contact: chatter (< 20 ms), hold, chatter, gap."""
    for phase, hold in (("down", rng.randrange(45, 150)), ("up", rng.randrange(45, 150))):
        other = "up" if phase == "down" else "down"
        pulses, total = [], 0
        while rng.random() < 0.8 and total < 15:
            p = rng.randrange(1, 5)
            pulses.append(p)
            total += p
        state = phase
        for p in pulses:
            getattr(emu, state)(key, p)
            state = other if state == phase else phase
        getattr(emu, phase)(key, hold)


def debounce(tmp, rounds=40):
    """(keystrokes, wrong challenge lines, wrong responses, early wakeups) under 10..95 % early wakeups."""
    rng = random.Random(9)
    wrong_lines = wrong_responses = strokes = 0
    with Emulator(tmp / "debounce.img", files=bundle.files() + [("/dsc.cfg", _cfg())]) as emu:
        emu.advance(1_000)
        emu.reset_stats()
        for r in range(rounds):
            emu.wakeups(r, rng.randrange(10, 96))
            emu.press_keys("PRESS 1 3 5 7 OK")
            digits = "".join(rng.choice("0123456789") for _ in range(6))
            for d in digits:
                _stroke(emu, d, rng)
                strokes += 1
            wrong_lines += _text(emu) != ["CHALLNG>" + digits]
            emu.press("OK")
            r = host_ocra.compute(SUITE, KEY, digits, pin_hash=host_ocra.pin_hash(SUITE, "1357"))
            wrong_responses += _text(emu)[-1:] != [r[:4] + " " + r[4:]]
            emu.press("PRESS")
        early = emu.stats()["early_wakeups"]
    return strokes, wrong_lines, wrong_responses, early


# main.py measuring dsc.app's own response path over two responses: the heap the first allocates
# (collector off), and the second's peak live heap (a collection where _respond releases the OCRA
# modules: after computing, before the screen), both above the prompt's.
_MEASURE_MAIN = b"""
import micropython
micropython.kbd_intr(-1)
import gc
import dsc.app
respond, release = dsc.app.Token._respond, dsc.app._release
seen = []
def release_measured():
    gc.collect()
    seen.append(gc.mem_alloc())
    release()
def measured(self, now):
    gc.collect()
    base = gc.mem_alloc()
    if not seen:
        gc.disable()
        respond(self, now)
        seen.append(gc.mem_alloc() - base)
        gc.enable()
        return
    dsc.app._release = release_measured
    try:
        respond(self, now)
    finally:
        dsc.app._release = release
    gc.collect()
    print("PICODSC-HEAP", seen[0], seen[1] - base, gc.mem_alloc() - base)
dsc.app.Token._respond = measured
dsc.app.main()
"""


def response_heap(tmp, suite, key):
    """(RAM at PIN> after boot, heap allocated by one response, peak live heap above the prompt's,
    heap left after it)."""
    files = [f for f in bundle.files() if f[0] != "/main.py"] + [("/main.py", _MEASURE_MAIN),
                                                                 ("/dsc.cfg", _cfg(suite, key))]
    with Emulator(tmp / f"heap-{len(key)}.img", files=files) as emu:
        emu.press("PRESS")
        at_pin = emu.stats()["mem_alloc"]
        emu.press_keys("1 3 5 7 OK 1 2 3 4 5 6 OK PRESS PRESS 1 3 5 7 OK 1 2 3 4 5 6 OK")
        line = next(ln for ln in emu.serial_output().decode().splitlines() if ln.startswith("PICODSC-HEAP"))
    allocated, peak, after = (int(n) for n in line.split()[1:])
    return at_pin, allocated, peak, after


def main():
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        print("wake latency, PRESS to a drawn PIN> (goal <= 100 ms), 12 presses at random points of the "
              "minute-long off-sleep:")
        for board in BOARDS:
            for early in (0, 25):
                runs = wake_latency(tmp, board, early)
                total = [ms + wire for ms, wire in runs]
                print(f"  {board}, early wakeups {early:>2} %: median {statistics.median(total):.1f} ms, "
                      f"max {max(total):.1f} ms (of which I2C wire {max(w for _, w in runs):.1f} ms)")
        for early, what in ((0, "no USB host (goal <= 1)"), (25, "USB host: 25 % of sleeps end early")):
            per_min, i2c = idle_wakeups(tmp, early)
            print(f"wakeups per idle minute while off, {what}: {per_min:.2f} (I2C bytes meanwhile: {i2c})")
        strokes, lines, responses, early = debounce(tmp)
        print(f"debounce under random early wakeups (10..95 % of sleeps, {early} early wakeups): {strokes} "
              f"bouncing keystrokes, {lines} challenges typed wrong, {responses} wrong responses (goal 0)")
        for label, suite, key in (("default (SHA-256)", SUITE, KEY),
                                  ("SHA-512", "OCRA-1:HOTP-SHA512-8:QN06-PSHA512", bytes(range(64)))):
            at_pin, allocated, peak, after = response_heap(tmp, suite, key)
            print(f"{label}: RAM at PIN> after boot {at_pin / 1024:.1f} KB (goal 32 KB); one response on "
                  f"the token's path allocates {allocated / 1024:.1f} KB, peak live +{peak / 1024:.1f} KB "
                  f"above the prompt, {after} B left after it")


if __name__ == "__main__":
    main()
