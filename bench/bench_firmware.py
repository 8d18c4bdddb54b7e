"""Token firmware figures on the emulated board (virtual time, the deployed .mpy bundle).

RAM at the PIN> prompt after boot (goal <= 32 KB), I2C bytes per digit key press (goal <= 150),
scan-loop wakeups during an idle minute while off (goal 0), for each board.
"""

import json
import tempfile
from pathlib import Path

from picodsc import bundle
from picodsc.emulator.harness import Emulator

_CFG = json.dumps({"v": 1, "suite": "OCRA-1:HOTP-SHA256-8:QN06-PSHA256", "key": bytes(range(32)).hex()})


def _figures(board):
    with tempfile.TemporaryDirectory() as tmp:
        files = bundle.files(board) + [("/dsc.cfg", _CFG.encode())]
        with Emulator(Path(tmp) / "flash.img", board=board, files=files) as emu:
            boot = emu.stats()
            emu.press("PRESS")
            at_pin = emu.stats()["mem_alloc"]
            per_key = []
            for key in "1234":
                emu.reset_stats()
                emu.press(key)
                per_key.append(emu.stats()["i2c_bytes"])
            emu.press("OK")
            for key in "567890":
                emu.reset_stats()
                emu.press(key)
                per_key.append(emu.stats()["i2c_bytes"])
            emu.reset_stats()
            emu.press("OK")
            response = emu.stats()
            emu.press("PRESS")
            emu.advance(1_000)
            emu.reset_stats()
            emu.advance(60_000)
            idle = emu.stats()
    return boot, at_pin, per_key, response, idle


def main():
    for board in ("pico_4x4_128x64", "pico_3x4_128x32"):
        boot, at_pin, per_key, response, idle = _figures(board)
        print(f"{board}:")
        print(f"  RAM at PIN> after boot: {at_pin / 1024:.1f} KB (emulator mem_alloc, 64-bit unix port;"
              f" goal 32 KB)")
        print(f"  I2C bytes per digit key press: max {max(per_key)}, mean {sum(per_key) / len(per_key):.0f}"
              f" (goal <= 150; boot incl. init + full frame: {boot['i2c_bytes']})")
        print(f"  I2C bytes for the response screen: {response['i2c_bytes']}")
        print(f"  wakeups during an idle minute while off: {idle['wakeups']} (goal 0)")
