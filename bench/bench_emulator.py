"""Emulator speed: boot, key press round trip, screen decoding, virtual time per wall second."""

import tempfile
import time
from pathlib import Path

from picodsc.emulator import Emulator


def _timed(fn, n=1):
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n


def main():
    with tempfile.TemporaryDirectory() as tmp:
        img = Path(tmp) / "bench.img"
        t = time.perf_counter()
        emu = Emulator(img).start()  # first boot: image created, firmware synced
        first = time.perf_counter() - t
        emu.close()
        t = time.perf_counter()
        with Emulator(img) as emu:
            boot = time.perf_counter() - t
            emu.reset_stats()
            emu.advance(60_000)
            idle = emu.stats()
            press = _timed(lambda: emu.press("PRESS"), 1)
            digit = _timed(lambda: emu.press("1"), 5)
            shot = _timed(lambda: emu.screen(), 20)
            scr = emu.screen()
            decode = _timed(scr.text, 20)
            on = _timed(lambda: emu.advance(10_000), 1)
    print(f"first boot (new image + sync): {first * 1000:.0f} ms")
    print(f"boot (image up to date):       {boot * 1000:.0f} ms")
    print(f"press round trip (300 ms virtual): PRESS {press * 1000:.1f} ms, digit {digit * 1000:.1f} ms")
    print(f"screen() fetch: {shot * 1000:.2f} ms; text() decode: {decode * 1000:.2f} ms")
    print(f"token on, 10 s virtual: {on * 1000:.0f} ms wall ({10 / on:.0f}x real time)")
    print(f"token off, idle minute: wakeups {idle['wakeups']} ({idle['early_wakeups']} early), "
          f"i2c bytes {idle['i2c_bytes']}")


if __name__ == "__main__":
    main()
