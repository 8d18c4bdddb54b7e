# Raspberry Pi Pico + 3x4 keypad + SSD1306 128x32 on I2C0 + a push button for power (docs/WIRING.md).
# A 3x4 pad has only * and # besides the digits, so PRESS is its own button on a direct GPIO.
NAME = "pico-3x4-128x32"
I2C_ID, I2C_SDA, I2C_SCL, I2C_FREQ = 0, 4, 5, 400_000
DISPLAY_ADDR, DISPLAY_WIDTH, DISPLAY_HEIGHT = 0x3C, 128, 32
ROW_PINS = (6, 7, 8, 9)  # driven low one at a time while scanning
COL_PINS = (10, 11, 12)  # inputs with pull-up
KEYMAP = ("123", "456", "789", "*0#")  # physical legends, row by row
DIRECT_KEYS = {"PWR": 15}  # legend -> GPIO for buttons wired straight to GND
KEYS = {"PRESS": "PWR", "OK": "#", "DEL": "*"}  # function -> legend; digits map to themselves
