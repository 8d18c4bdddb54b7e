# Raspberry Pi Pico + 4x4 membrane keypad + SSD1306 128x64 on I2C0 (wiring: docs/WIRING.md).
NAME = "pico-4x4-128x64"
I2C_ID, I2C_SDA, I2C_SCL, I2C_FREQ = 0, 4, 5, 400_000
DISPLAY_ADDR, DISPLAY_WIDTH, DISPLAY_HEIGHT = 0x3C, 128, 64
ROW_PINS = (6, 7, 8, 9)  # driven low one at a time while scanning
COL_PINS = (10, 11, 12, 13)  # inputs with pull-up
KEYMAP = ("123A", "456B", "789C", "*0#D")  # physical legends, row by row
DIRECT_KEYS = {}  # legend -> GPIO for buttons wired straight to GND
KEYS = {"PRESS": "A", "OK": "#", "DEL": "*"}  # function -> legend; digits map to themselves
