"""The emulated board is an rp2, never a kinder chip (emu_power, emu_i2c, the flash image's geometry).

Each behaviour is the one of MicroPython's rp2 port (ports/rp2/modmachine.c, machine_pin.c,
machine_i2c.c, mpconfigport.h): untimed lightsleep() is DORMANT and no pin IRQ wakes it,
lightsleep(ms) may end early at any interrupt, a zero-length I2C write is a soft-I2C probe.
"""

import ast

import pytest
from picodsc.emulator import Emulator
from support.stub_board import stub_emulator

PINS = """
import machine, time
from machine import Pin
rows = [Pin(p, Pin.OPEN_DRAIN, value=1) for p in (6, 7, 8, 9)]
cols = [Pin(p, Pin.IN, Pin.PULL_UP) for p in (10, 11, 12, 13)]
fired = []
def handler(pin):
    fired.append(pin)
"""


def start(tmp_path, main, **kw):
    return stub_emulator(tmp_path / "t.img", main, **kw)


def lines(e):
    """What main.py printed (the REPL's banner follows when it ends)."""
    out = e.serial_output().decode().splitlines()
    return out[: next((i for i, ln in enumerate(out) if ln.startswith("MicroPython v")), len(out))]


def test_untimed_lightsleep_is_dormant_no_pin_irq_wakes_it(tmp_path):
    main = PINS + """
rows[0].value(0)
cols[3].irq(handler=handler, trigger=Pin.IRQ_FALLING)  # key A (row 0, column 3)
print("sleeping")
machine.lightsleep()
print("woke", fired)
"""
    with start(tmp_path, main) as e:
        e.advance(1_000)
        e.press("A")
        e.press("A", hold_ms=2_000)
        e.serial_write(b"\x03")  # the USB clock is stopped too: not even Ctrl-C gets through
        e.advance(120_000)
        assert lines(e) == ["sleeping"]
        st = e.stats()
        assert st["dormant"] == 1 and st["wakeups"] == 0


def test_timed_lightsleep_ends_at_a_pin_irq_with_a_handler_only(tmp_path):
    main = PINS + """
rows[0].value(0)
cols[2].irq(trigger=Pin.IRQ_FALLING)  # no handler: the IRQ is not enabled on rp2
t0 = time.ticks_ms()
machine.lightsleep(5_000)
print("no handler", time.ticks_diff(time.ticks_ms(), t0))
cols[3].irq(handler=handler, trigger=Pin.IRQ_FALLING)
t0 = time.ticks_ms()
machine.lightsleep(50_000)
print("handler", time.ticks_diff(time.ticks_ms(), t0), fired)
"""
    with start(tmp_path, main, early_wakeups=0) as e:  # no USB host: only the firmware's wake sources
        e.advance(1_000)
        e.press("3")  # column 2 falls, no handler: sleeps on
        e.advance(5_000)
        e.advance(2_000)
        e.press("A")
        # the first sleep ran its 5 s; the second ended at the press of A (8300 ms), 3300 ms in
        assert lines(e) == ["no handler 5000", "handler 3300 [Pin(GPIO13)]"]
        assert e.stats()["wakeups"] == 2


def test_pin_irq_takes_only_rp2_arguments(tmp_path):
    main = PINS + """
try:
    cols[0].irq(handler=handler, trigger=Pin.IRQ_FALLING, wake=1)
except TypeError as e:
    print("refused", type(e).__name__)
"""
    with start(tmp_path, main) as e:
        e.advance(10)
        assert lines(e) == ["refused TypeError"]


_EARLY = """
import machine, time
out = []
for ms in (2, 10, 20, 100, 1000):
    for i in range(40):
        t0 = time.ticks_us()
        machine.lightsleep(ms)
        out.append(time.ticks_diff(time.ticks_us(), t0))
print(out)
"""


def _durations(tmp_path, name, seed, percent=25):
    with stub_emulator(tmp_path / name, _EARLY, seed=seed, early_wakeups=percent) as e:
        e.advance(100_000)
        st = e.stats()
        return ast.literal_eval(lines(e)[0]), st


def test_timed_lightsleep_may_end_early_reproducibly_from_its_seed(tmp_path):
    a, st = _durations(tmp_path, "a.img", seed=7)
    b, _ = _durations(tmp_path, "b.img", seed=7)
    c, _ = _durations(tmp_path, "c.img", seed=8)
    assert a == b and a != c
    asked = [ms * 1000 for ms in (2, 10, 20, 100, 1000) for _ in range(40)]
    assert all(0 <= d <= full for d, full in zip(a, asked, strict=True))
    early = [d for d, full in zip(a, asked, strict=True) if d < full]
    assert 20 <= len(early) <= 80 and st["early_wakeups"] == len(early)  # ~25 % of 200
    assert any(d < 1000 for d, full in zip(a, asked, strict=True) if full >= 100_000)  # within 1 ms
    quiet, st0 = _durations(tmp_path, "d.img", seed=7, percent=0)
    assert quiet == asked and st0["early_wakeups"] == 0


def test_lightsleep_edges_as_rp2(tmp_path):
    main = """
import machine, time
t0 = time.ticks_us()
machine.lightsleep(1)  # <= 1 ms: a plain delay, never early
print("delay", time.ticks_diff(time.ticks_us(), t0))
for bad in (4294967, 1.5):
    try:
        machine.lightsleep(bad)
    except (ValueError, TypeError) as e:
        print(type(e).__name__, e)
"""
    with start(tmp_path, main, early_wakeups=100) as e:
        e.advance(100)
        assert lines(e) == ["delay 1000", "ValueError sleep too long", "TypeError can't convert float to int"]


def test_default_image_has_the_pico_filesystem_geometry(tmp_path):
    main = """
import os
s = os.statvfs("/")
print(s[0], s[2])
"""
    with Emulator(tmp_path / "pico.img", files=[("/main.py", main.encode())]) as e:
        e.advance(10)
        assert lines(e) == ["4096 352"]  # rp2: 1408 KiB of 4096-byte blocks
    assert (tmp_path / "pico.img").stat().st_size == 353 * 4096  # + the unique-ID block


def test_i2c_errors_as_rp2(tmp_path):
    main = """
from machine import I2C, Pin
i2c = I2C(0, sda=Pin(4), scl=Pin(5), freq=400_000)
print("scan", [hex(a) for a in i2c.scan()])
print("probe", i2c.writeto(0x3C, b""), i2c.writeto(0x3C, b"\\x00\\xae"))
for what, fn in (("probe", lambda: i2c.writeto(0x3D, b"")), ("write", lambda: i2c.writeto(0x3D, b"\\x00")),
                 ("read", lambda: i2c.readfrom(0x3D, 1))):
    try:
        fn()
    except OSError as e:
        print("absent", what, e.args[0])
"""
    with start(tmp_path, main) as e:
        e.advance(10)
        # soft-I2C probe: ENODEV (19); the hardware block: EIO (5) on writes and reads
        assert lines(e) == ["scan ['0x3c']", "probe 0 2", "absent probe 19", "absent write 5",
                            "absent read 5"]


@pytest.mark.parametrize("percent", [0, 100])
def test_key_presses_end_a_firmware_scan_loop_either_way(tmp_path, percent):
    # The scan loop the token runs at a prompt, under no early wakeups and under wakeups at every sleep.
    main = PINS + """
rows[1].value(0)
seen = 0
t0 = time.ticks_ms()
while seen < 3:
    if not cols[1].value():  # key 5
        seen += 1
        while not cols[1].value():
            machine.lightsleep(10)
    machine.lightsleep(10)
print("three presses by", time.ticks_diff(time.ticks_ms(), t0) >= 0)
"""
    with start(tmp_path, main, early_wakeups=percent) as e:
        for _ in range(3):
            e.press("5")
        assert lines(e) == ["three presses by True"]
