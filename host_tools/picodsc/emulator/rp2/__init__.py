"""The token on the official MicroPython rp2 firmware inside an emulated RP2040 (rp2040py)."""
