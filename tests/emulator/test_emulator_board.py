"""The emulated board under real MicroPython: keypad wiring, IRQ wake, virtual clock, flash, serial."""

import json

import pytest
from picodsc.emulator import Emulator
from picodsc.errors import PicodscError, UsageError
from support.commands import mpremote
from support.stub_board import stub_emulator
from support.token import BIG as BOARD_64
from support.token import SMALL as BOARD_32


def emu(tmp_path, main, board=BOARD_64, name="t.img", **kw):
    return stub_emulator(tmp_path / name, main, board, **kw)


def lines(e):
    return e.serial_output().decode().splitlines()


SCAN = """
import stub, time
last = None
while True:
    s = stub.scan()
    if s != last:
        print("scan", s)
        last = s
    time.sleep_ms(10)
"""


def test_matrix_key_closes_exactly_its_row_and_column(tmp_path):
    with emu(tmp_path, SCAN) as e:
        e.down("5")
        e.up("5")
        e.press("OK", hold_ms=30)
        e.press("D")
        assert lines(e) == ["scan []", "scan [(1, 1)]", "scan []", "scan [(3, 2)]", "scan []",
                            "scan [(3, 3)]", "scan []"]


def test_two_keys_and_direct_key(tmp_path):
    with emu(tmp_path, SCAN, board=BOARD_32) as e:
        e.down("1")
        e.down("PRESS")  # a direct key: GPIO 15 to ground
        e.up("1")
        e.up("PRESS")
        assert lines(e) == ["scan []", "scan [(0, 0)]", "scan [(0, 0), 'PWR']", "scan ['PWR']", "scan []"]


def test_unknown_key_is_a_usage_error(tmp_path):
    with emu(tmp_path, SCAN) as e:
        with pytest.raises(UsageError, match="unknown key X; valid keys: DEL OK PRESS 0 1"):
            e.press("X")
        with pytest.raises(UsageError):
            e.press_keys("1 WAIT:x")
        e.press("1")  # still fine afterwards


OFF = """
import machine, stub, time
from machine import Pin
import board
woke = []
def wake(pin):
    woke.append(pin)
rows = [Pin(p, Pin.OUT, value=0) for p in board.ROW_PINS]
cols = [Pin(p, Pin.IN, Pin.PULL_UP) for p in board.COL_PINS]
for c in cols:
    c.irq(wake, trigger=Pin.IRQ_FALLING)
while True:
    machine.lightsleep()
    print("wake", time.ticks_ms(), woke)
    woke.clear()
"""


def test_irq_wakes_lightsleep_and_idle_has_no_wakeups(tmp_path):
    with emu(tmp_path, OFF) as e:
        e.reset_stats()
        e.advance(60_000)
        st = e.stats()
        assert st["wakeups"] == 0 and st["now_ms"] == 60_000
        e.press("6")  # row 1 / column 2 -> GPIO 12 falls
        assert lines(e) == ["wake 60000 [Pin(GPIO12)]"]
        assert e.stats()["wakeups"] == 1


CLOCK = """
import time
t0 = time.ticks_ms()
while True:
    time.sleep_ms(1000)
    print("t", time.ticks_diff(time.ticks_ms(), t0))
"""


def test_virtual_clock_is_deterministic(tmp_path):
    with emu(tmp_path, CLOCK) as e:
        e.advance(3500)
        assert lines(e) == ["t 1000", "t 2000", "t 3000"]
        e.advance(500)
        assert lines(e)[-1] == "t 4000"
        assert e.stats()["now_ms"] == 4000


def test_ticks_wrap_like_rp2(tmp_path):
    main = """
import time
print(time.ticks_add(2**30 - 1, 2), time.ticks_diff(1, 2**30 - 1), time.ticks_diff(5, 7))
"""
    with emu(tmp_path, main) as e:
        assert lines(e)[0] == "1 2 -2"


def test_flash_persists_and_unique_id_is_stable(tmp_path):
    main = "import machine\nprint('uid', machine.unique_id().hex())\n"
    with emu(tmp_path, main) as e:
        uid = lines(e)[0]
        e.fs_write("/data/x.bin", b"\x00\x01secret?\xff")
        assert e.fs_ls("/") == ["board.py", "data/", "lib/", "main.py"]
        assert e.stats()["flash_writes"] > 0
    with emu(tmp_path, main) as e:
        assert lines(e)[0] == uid
        assert e.fs_read("/data/x.bin") == b"\x00\x01secret?\xff"
        e.fs_remove("/data/x.bin")
        assert e.fs_ls("/data") == []
        with pytest.raises(PicodscError, match="no such file"):
            e.fs_read("/data/x.bin")
    with emu(tmp_path, main, name="other.img") as e:
        other = lines(e)[0]
    assert len(uid) == len("uid ") + 16 and other != uid


def test_image_lock_and_bad_images(tmp_path):
    with emu(tmp_path, CLOCK):
        with pytest.raises(PicodscError, match="is in use by another emulator"):
            emu(tmp_path, CLOCK).start()
    bad = tmp_path / "bad.img"
    bad.write_bytes(b"\xff" * 5000)
    with pytest.raises(PicodscError, match="wrong size"):
        Emulator(bad, board=BOARD_64, files=[]).start()
    with pytest.raises(PicodscError, match="no directory"):
        Emulator(tmp_path / "nope" / "x.img", board=BOARD_64, files=[]).start()
    junk = tmp_path / "junk.img"
    junk.write_bytes(b"not a filesystem" * (64 * 4096 // 16))
    with pytest.raises(PicodscError, match="holds no littlefs filesystem"):
        Emulator(junk, board=BOARD_64, files=[]).start()
    assert junk.read_bytes()[:16] == b"not a filesystem"  # refused, not formatted


def test_sync_updates_changed_files(tmp_path):
    with emu(tmp_path, "print('one')") as e:
        assert lines(e)[0] == "one"
    with emu(tmp_path, "print('two')") as e:
        assert lines(e)[0] == "two"
        assert e.fs_read("/main.py") == b"print('two')"


def test_bundle_sync_removes_stale_shadowing_files(tmp_path):
    img = tmp_path / "fw.img"
    with Emulator(img, blocks=64) as e:  # the real firmware bundle, compiled
        assert "app.mpy" in e.fs_ls("/lib/dsc")
        e.fs_write("/lib/dsc/app.py", b"raise ImportError")
    with Emulator(img, blocks=64) as e:
        names = e.fs_ls("/lib/dsc")
        assert "app.mpy" in names and "app.py" not in names


CTRL_C = """
import micropython, time
micropython.kbd_intr({char})
n = 0
while True:
    time.sleep_ms(100)
"""


def test_ctrl_c_interrupts_when_enabled(tmp_path):
    with emu(tmp_path, CTRL_C.format(char=3)) as e:
        e.advance(250)
        e.serial_write(b"\x03")
        out = e.read_serial_until(b"KeyboardInterrupt").decode()
        assert 'File "main.py", line 6, in <module>' in out
        assert "emu_main" not in out


def test_ctrl_c_ignored_when_disabled(tmp_path):
    with emu(tmp_path, CTRL_C.format(char=-1)) as e:
        e.serial_write(b"\x03")
        e.advance(1000)
        assert b"KeyboardInterrupt" not in e.serial_output()
        assert e.stats()["now_ms"] == 1000


RESET = """
import machine
try:
    n = int(open("/boots").read())
except OSError:
    n = 0
open("/boots", "w").write(str(n + 1))
print("boot", n, machine.reset_cause())
if n == 0:
    machine.reset()
"""


def test_machine_reset_reboots_into_main(tmp_path):
    with emu(tmp_path, RESET) as e:
        assert lines(e)[:2] == ["boot 0 1", "boot 1 3"]


def test_stats_and_reset_stats(tmp_path):
    main = "import stub\nd = stub.display()\nd.text('HI', 0, 0, 1)\nd.show()\nstub.idle()\n"
    with emu(tmp_path, main) as e:
        st = e.stats()
        # the bus probe (address only), 40 commands (power on, 27 of init, 6 per show) each its own
        # transaction of address + control + command, two frames of address + control + 1024 bytes
        assert st["i2c_transactions"] == 1 + 40 + 2
        assert st["i2c_bytes"] == 1 + 40 * 3 + 2 * 1026
        assert st["mem_alloc"] > 0
        assert set(st) >= {"i2c_bytes", "i2c_transactions", "wakeups", "now_ms", "mem_alloc", "flash_writes"}
        e.reset_stats()
        assert e.stats()["i2c_bytes"] == 0


def test_press_keys_and_wait_tokens(tmp_path):
    with emu(tmp_path, SCAN) as e:
        e.press_keys("PRESS 1 WAIT:700 DEL")
        assert e.stats()["now_ms"] == 3 * 300 + 700
        assert json.dumps(lines(e)).count("scan []") == 4


def test_pty_serial_works_with_real_mpremote(tmp_path):
    with emu(tmp_path, CTRL_C.format(char=3), serial="pty") as e:
        assert e.port.startswith("/dev/pts/")
        r = mpremote(e.port, "exec", "print(6 * 7)", ok=False)
        assert (r.returncode, r.stdout.strip()) == (0, "42")
        r = mpremote(e.port, "fs", "ls", "/", ok=False)
        assert r.returncode == 0 and "main.py" in r.stdout
        assert b"MPY: soft reboot" in e.serial_output()  # mpremote's soft reset went through the boot loop


def test_realtime_applies_keys_at_once(tmp_path):
    with emu(tmp_path, SCAN, realtime=True) as e:
        e.down("5")
        e.read_serial_until(b"scan [(1, 1)]")
        e.up("5")
        assert e.read_serial_until(b"scan [(1, 1)]\nscan []\n")


def test_realtime_press_keys_paces_itself(tmp_path):
    with emu(tmp_path, SCAN, realtime=True) as e:
        e.press_keys("5 5")
        e.read_serial_until(b"scan []\nscan [(1, 1)]\nscan []\nscan [(1, 1)]\nscan []\n")


def test_heapsize_is_the_firmware_heap(tmp_path):
    main = """
a = bytearray(48 * 1024)
print("48k ok")
try:
    b = bytearray(128 * 1024)
except MemoryError:
    print("128k refused")
"""
    with emu(tmp_path, main, heapsize="64k") as e:
        assert lines(e)[:2] == ["48k ok", "128k refused"]


HEAP_LOCKED_SCAN = """
import machine, micropython, time
from machine import Pin
import board
rows = [Pin(p, Pin.OPEN_DRAIN, value=1) for p in board.ROW_PINS]
cols = [Pin(p, Pin.IN, Pin.PULL_UP) for p in board.COL_PINS]
hits = bytearray(16)
def loop(n):
    for _ in range(n):
        for r in range(4):
            rows[r].value(0)
            for c in range(4):
                if not cols[c].value():
                    hits[r * 4 + c] += 1
            rows[r].value(1)
        time.sleep_ms(10)
        time.ticks_diff(time.ticks_ms(), 0)
        machine.lightsleep(1)
micropython.heap_lock()
try:
    loop(200)
finally:
    micropython.heap_unlock()
print("hits", list(hits))
"""


def test_board_calls_do_not_allocate(tmp_path):
    # An allocation-free firmware loop (heap locked) may scan, sleep and read ticks while the
    # emulator processes key presses and control commands in between.
    with emu(tmp_path, HEAP_LOCKED_SCAN) as e:
        e.press("5", hold_ms=500)
        e.stats()
        e.advance(2000)
        assert lines(e)[0] == "hits [0, 0, 0, 0, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]"  # 500 ms / 11 ms


def test_timer_and_deepsleep(tmp_path):
    main = """
import machine, time
ticks = []
t = machine.Timer(period=100, callback=lambda t: ticks.append(time.ticks_ms()))
time.sleep_ms(350)
t.deinit()
time.sleep_ms(500)
print("timer", ticks)
if machine.reset_cause() == machine.PWRON_RESET:
    machine.deepsleep(1000)  # wakes by resetting: main.py runs again
print("after deepsleep", time.ticks_ms())
"""
    with emu(tmp_path, main) as e:
        e.advance(5000)
        # deepsleep at 850 ms wakes (a reset) at 1850 ms
        assert lines(e)[:3] == ["timer [100, 200, 300]", "timer [1950, 2050, 2150]", "after deepsleep 2700"]


def test_i2c_scan_probe_and_absent_device(tmp_path):
    main = """
import stub
i2c = stub.i2c()
print("scan", [hex(a) for a in i2c.scan()])
print("probe", i2c.writeto(0x3C, b""))
try:
    i2c.writeto(0x3D, memoryview(b"\\x00\\xaf")[1:])
except OSError as e:
    print("absent", e.args[0])
"""
    with emu(tmp_path, main) as e:
        assert lines(e)[:3] == ["scan ['0x3c']", "probe 0", "absent 19"]  # ENODEV, as rp2
        st = e.stats()
        assert (st["i2c_transactions"], st["i2c_bytes"]) == (112 + 1 + 1, 112 + 1 + 2)
