"""Token firmware figures on the emulated board (virtual time, the deployed .mpy bundle).

I2C bytes per digit key press (goal <= 150), at boot and for the response screen, for each board.
(Wake latency, wakeups while off, debounce, RAM at PIN> and heap per response: bench_token.)
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
    return boot, per_key, response


def main():
    for board in ("pico_4x4_128x64", "pico_3x4_128x32"):
        boot, per_key, response = _figures(board)
        print(f"{board}:")
        print(f"  I2C bytes per digit key press: max {max(per_key)}, mean {sum(per_key) / len(per_key):.0f}"
              f" (goal <= 150; boot incl. init + full frame: {boot['i2c_bytes']})")
        print(f"  I2C bytes for the response screen: {response['i2c_bytes']}")
