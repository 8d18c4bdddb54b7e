"""`picodsc emulate` and the emulated USB REPL: real mpremote round trips, file copy rates, a scripted
CLI session, terminal rendering. Wall-clock figures (printed, never asserted)."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from picodsc.emulator import Emulator
from picodsc.emulator.terminal import TerminalUI

_BIN = Path(sys.executable).parent


def _timed(fn, n=1):
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n


def _mpremote(port, *args):
    subprocess.run([str(_BIN / "mpremote"), "connect", port, *args], check=True, capture_output=True,
                   timeout=120)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with Emulator(tmp / "bench.img", serial="pty") as emu:
            port = emu.port
            _mpremote(port, "exec", "pass")  # first contact: main.py interrupted
            exec_s = _timed(lambda: _mpremote(port, "exec", "pass"), 5)
            size = 32 * 1024
            (tmp / "up.bin").write_bytes(os.urandom(size))
            up_s = _timed(lambda: _mpremote(port, "fs", "cp", str(tmp / "up.bin"), ":/up.bin"), 2)
            down_s = _timed(lambda: _mpremote(port, "fs", "cp", ":/up.bin", str(tmp / "down.bin")), 2)
            src = "x = 0\n" + "x += 1\n" * 4000 + "print(x)\n"
            (tmp / "big.py").write_text(src)
            run_s = _timed(lambda: _mpremote(port, "run", str(tmp / "big.py")), 2)
            screen = emu.screen()
        print(f"mpremote exec round trip (incl. soft reset): {exec_s * 1000:.0f} ms")
        print(f"mpremote fs cp {size // 1024} KiB up: {size / up_s / 1024:.0f} KiB/s, "
              f"down: {size / down_s / 1024:.0f} KiB/s")
        print(f"mpremote run of a {len(src) // 1024} KiB script (raw-paste): {run_s * 1000:.0f} ms")
        cmd = [str(_BIN / "picodsc"), "emulate", "--flash", str(tmp / "bench.img"), "--keys",
               "PRESS 1 2 3 4 OK 1 2 3 4 5 6 OK", "--screen"]
        cli_s = _timed(lambda: subprocess.run(cmd, check=True, capture_output=True, timeout=120), 3)
        print(f"picodsc emulate --keys (13 keys) --screen, whole command: {cli_s * 1000:.0f} ms")
        ui = TerminalUI(emu=None)
        for (cols, rows), kind in (((140, 40), "half blocks"), ((120, 40), "quarter blocks"),
                                   ((80, 24), "braille")):
            frame_s = _timed(lambda: ui.lines(screen, cols, rows), 50)  # noqa: B023 (timed at once)
            print(f"terminal frame {cols}x{rows} (128x64 in {kind}): {frame_s * 1000:.2f} ms")
