"""Flash work of the operations tests/firmware/test_powercut.py cuts, on the default 2 MiB emulator image.

Programs (256-byte pages) and erases (4 KiB sectors) of a counter update and of a factory wipe
(each is a power-cut point), and the wipe's time on a real chip estimated with typical QSPI NOR
figures (W25Q16JV datasheet: page program 0.4 ms, sector erase 45 ms).
"""

import json
import tempfile
import time
from pathlib import Path

from picodsc import bundle
from picodsc.emulator.harness import Emulator

_CFG = {"v": 1, "suite": "OCRA-1:HOTP-SHA1-8:C-QN08-PSHA1", "key": bytes(range(20)).hex(), "counter": 0}
_PROGRAM_MS, _ERASE_MS = 0.4, 45.0


def _ops(emu):
    s = emu.stats()
    return s["flash_writes"], s["flash_erases"]


def main():
    board = "pico_4x4_128x64"
    with tempfile.TemporaryDirectory() as tmp:
        files = bundle.files(board) + [("/dsc.cfg", json.dumps(_CFG).encode())]
        with Emulator(Path(tmp) / "flash.img", board=board, files=files) as emu:
            emu.press_keys("PRESS 1 2 3 4 OK 1 2 3 4 5 6 7 8")
            emu.reset_stats()
            emu.press("OK")
            programs, erases = _ops(emu)
            print(f"counter update: {programs} programs, {erases} erases")
            emu.press("PRESS")
            emu.down("DEL")
            emu.press("PRESS", 3_200)
            emu.up("DEL")
            emu.reset_stats()
            t = time.perf_counter()
            emu.press("OK")
            dt = time.perf_counter() - t
            programs, erases = _ops(emu)
            device_s = (programs * _PROGRAM_MS + erases * _ERASE_MS) / 1000
            print(f"factory wipe (512 blocks): {programs} programs, {erases} erases "
                  f"({programs + erases} power-cut points); ~{device_s:.1f} s on the chip, "
                  f"{dt:.1f} s emulated")


if __name__ == "__main__":
    main()
