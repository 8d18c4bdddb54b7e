"""The board emulator: the real firmware files on MicroPython's unix port with an emulated Pico.

``Emulator`` (harness.py) starts and drives the MicroPython process (mp/emu_main.py); ``Screen``
(screen.py) decodes what the emulated SSD1306 shows. Contracts: docs/DESIGN.md, "The emulator".
"""

from .harness import Emulator
from .screen import Screen

__all__ = ["Emulator", "Screen"]
