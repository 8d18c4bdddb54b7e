"""SSD1306 controller model: parses the I2C byte stream as the chip does (runs inside MicroPython).

Holds the 128x64 GDDRAM and the command state, and renders the image a W x H panel shows. The panel
is modelled as a typical module: mounted so that the usual init (segment remap 0xA1, COM scan 0xC8,
COM pins 0x12 for 64 rows / 0x02 for 32 rows, offset 0, start line 0) shows RAM pixel (x, y) at (x, y).
"""

from micropython import const

_COLS = const(128)
_PAGES = const(8)
_ROWS = const(64)

# Number of argument bytes of multi-byte commands.
_ARGS = {
    0x20: 1, 0x21: 2, 0x22: 2, 0x81: 1, 0x8D: 1, 0xA8: 1, 0xAD: 1, 0xD3: 1, 0xD5: 1, 0xD9: 1,
    0xDA: 1, 0xDB: 1, 0x26: 6, 0x27: 6, 0x29: 5, 0x2A: 5, 0xA3: 2,
}
_MODE_H = const(0)
_MODE_V = const(1)
_MODE_PAGE = const(2)
_EXPECT_CTRL = const(0)
_SINGLE = const(1)
_STREAM = const(2)


class SSD1306:
    def __init__(self, width=128, height=64):
        self.width = width
        self.height = height
        self.ram = bytearray(_COLS * _PAGES)
        self._cmd = bytearray(8)  # command being assembled (opcode + args)
        self._cmd_len = 0
        self._cmd_need = 0
        self._phase = _EXPECT_CTRL
        self._dc = 0
        self.power_on_reset()

    def power_on_reset(self):
        """Register state after power-up (RAM content is undefined on the chip; here it is kept)."""
        self.display_on = False
        self.invert = False
        self.entire_on = False
        self.contrast = 0x7F
        self.charge_pump = False
        self.mode = _MODE_PAGE
        self.col = 0
        self.page = 0
        self.col_start, self.col_end = 0, _COLS - 1
        self.page_start, self.page_end = 0, _PAGES - 1
        self.start_line = 0
        self.offset = 0
        self.mux = _ROWS
        self.seg_remap = False
        self.com_remap = False
        self.com_cfg = 0x12
        self._cmd_len = 0
        self._cmd_need = 0

    # -- the I2C side ------------------------------------------------------------------------------

    def begin(self):
        """Start of an I2C write transaction addressed to the chip."""
        self._phase = _EXPECT_CTRL

    def feed(self, buf):
        """Bytes of the current transaction (after the address byte); may be called several times."""
        phase = self._phase
        for i in range(len(buf)):  # index loop: no iterator allocated
            b = buf[i]
            if phase == _EXPECT_CTRL:
                self._dc = b & 0x40
                phase = _SINGLE if b & 0x80 else _STREAM
            else:
                if self._dc:
                    self._data(b)
                else:
                    self._command_byte(b)
                if phase == _SINGLE:  # Co=1: one byte, then another control byte
                    phase = _EXPECT_CTRL
        self._phase = phase

    def transaction(self, buf):
        """One whole I2C write transaction (without the address byte)."""
        self.begin()
        self.feed(buf)

    def status(self):
        """The status byte an I2C read returns (bit 6: display off)."""
        return 0 if self.display_on else 0x40

    def _data(self, b):
        self.ram[self.page * _COLS + self.col] = b
        if self.mode == _MODE_H:
            if self.col >= self.col_end:
                self.col = self.col_start
                self.page = self.page_start if self.page >= self.page_end else self.page + 1
            else:
                self.col += 1
        elif self.mode == _MODE_V:
            if self.page >= self.page_end:
                self.page = self.page_start
                self.col = self.col_start if self.col >= self.col_end else self.col + 1
            else:
                self.page += 1
        else:  # page mode: the column wraps within the page
            self.col = (self.col + 1) & (_COLS - 1)

    def _command_byte(self, b):
        if self._cmd_need:  # argument of a multi-byte command
            self._cmd[self._cmd_len] = b
            self._cmd_len += 1
            self._cmd_need -= 1
            if not self._cmd_need:
                self._execute(self._cmd[0])
            return
        need = _ARGS.get(b, 0)
        self._cmd[0] = b
        self._cmd_len = 1
        if need:
            self._cmd_need = need
        else:
            self._execute(b)

    def _execute(self, op):
        a = self._cmd
        if op == 0x20:
            self.mode = a[1] & 3 if a[1] & 3 != 3 else _MODE_PAGE
        elif op == 0x21:
            self.col_start, self.col_end = a[1] & 0x7F, a[2] & 0x7F
            self.col = self.col_start
        elif op == 0x22:
            self.page_start, self.page_end = a[1] & 7, a[2] & 7
            self.page = self.page_start
        elif op == 0x81:
            self.contrast = a[1]
        elif op == 0x8D:
            self.charge_pump = bool(a[1] & 0x04)
        elif op == 0xA8:
            mux = (a[1] & 0x3F) + 1
            if mux >= 16:  # values 0..14 are invalid on the chip and ignored
                self.mux = mux
        elif op == 0xD3:
            self.offset = a[1] & 0x3F
        elif op == 0xDA:
            self.com_cfg = a[1] & 0x32
        elif op < 0x10:
            if self.mode == _MODE_PAGE:
                self.col = (self.col & 0xF0) | op
        elif op < 0x20:
            if self.mode == _MODE_PAGE:
                self.col = (self.col & 0x0F) | ((op & 0x07) << 4)
        elif 0x40 <= op <= 0x7F:
            self.start_line = op & 0x3F
        elif op == 0xA0 or op == 0xA1:
            self.seg_remap = op == 0xA1
        elif op == 0xA4 or op == 0xA5:
            self.entire_on = op == 0xA5
        elif op == 0xA6 or op == 0xA7:
            self.invert = op == 0xA7
        elif op == 0xAE or op == 0xAF:
            self.display_on = op == 0xAF
        elif 0xB0 <= op <= 0xB7:
            if self.mode == _MODE_PAGE:
                self.page = op & 7
        elif op == 0xC0 or op == 0xC8:
            self.com_remap = op == 0xC8
        # other commands (scrolling, timing, VCOMH, IREF, NOP) do not change the image model

    # -- the panel side ----------------------------------------------------------------------------

    def _panel_alt(self):
        # The COM pin configuration a panel of this height is wired for.
        return self.height > 32

    def _ram_row(self, y):
        """RAM row shown on panel row y, or -1 when that row is dark."""
        h = self.height
        # COM pin that panel row y is wired to (its own config makes this the identity).
        if self._panel_alt() == bool(self.com_cfg & 0x10):
            com = y
        elif self.com_cfg & 0x10:  # alternative config on a sequentially wired panel
            com = (y >> 1) + (32 if y & 1 else 0)
        else:  # sequential config on a panel wired for the alternative one
            com = y * 2 if y < 32 else (y - 32) * 2 + 1
        if self.com_cfg & 0x20:  # COM left/right remap
            com ^= 32
        # Row counter: the standard scan direction for this mounting is the remapped one (0xC8).
        row = com if self.com_remap else (self.mux - 1 - com if com < self.mux else com)
        if row >= self.mux or row < 0 or h <= 0:
            return -1
        return (row + self.start_line + self.offset) & (_ROWS - 1)

    def render(self, out):
        """Physical pixels into ``out`` (W*H/8 bytes, page-major, bit y%8), what the panel lights."""
        w = self.width
        for i in range(len(out)):
            out[i] = 0
        if not self.display_on:
            return
        inv = 1 if self.invert else 0
        ram = self.ram
        # A narrower panel is centred on the 128 segments (as adafruit_ssd1306 assumes).
        x0 = (_COLS - w) // 2
        for y in range(self.height):
            r = self._ram_row(y)
            obyte = (y >> 3) * w
            obit = 1 << (y & 7)
            for x in range(w):
                if self.entire_on:
                    lit = 1
                elif r < 0:
                    lit = 0
                else:
                    seg = x0 + x
                    col = (_COLS - 1 - seg) if not self.seg_remap else seg
                    lit = ((ram[(r >> 3) * _COLS + col] >> (r & 7)) & 1) ^ inv
                if lit:
                    out[obyte + x] |= obit
