"""The RP2040 in rp2040py running an official MicroPython UF2, wired like a picodsc board.

:class:`Rp2Chip` is driven synchronously by one thread: :meth:`run_until` executes instructions
until the simulated clock (125 MHz; idle WFI/WFE time is skipped to the next alarm) reaches a
time, so the same inputs give the same run. Between runs the host changes the key nets, sends USB
bytes and reads the OLED.

Wiring (from the board file): the SSD1306 is an I2C target on ``I2C_ID`` at ``DISPLAY_ADDR``, its
bytes parsed by the emulator's own controller model (``mp/emu_ssd1306.py``, the one the unix-port
emulator uses); the key matrix is a set of nets: a column reads low when a pressed key joins it to
a row the firmware drives low (the rows are open-drain), else its pull-up; a direct key joins its
GPIO to GND.

USB: rp2040py's host completes every OUT transfer the firmware arms at once, with zero bytes when
it has nothing to send, which keeps the core in the USB interrupt all the time. A real host NAKs
until it has data: :class:`Rp2Chip` holds the armed OUT transfer until there are bytes.
"""

import builtins
import dataclasses
import runpy
import types

from ...errors import PicodscError
from ..image import BLOCK_SIZE
from ..image import PICO_FS_BLOCKS as FS_BLOCKS
from ..process import MP_DIR

FS_START = 0xA0000  # RPI_PICO: the littlefs region, 352 blocks of 4096 bytes (rp2's 1408 KiB)
CPU_HZ = 125_000_000
_UF2_MAGIC = (0x0A324655, 0x9E5D5157, 0x0AB16F30)
_RP2040_FAMILY = 0xE48BFF56


def load_ssd1306():
    """The emulator's SSD1306 controller model class (MicroPython source) loaded into CPython."""
    path = MP_DIR / "emu_ssd1306.py"
    shim = types.SimpleNamespace(const=lambda v: v)

    def _import(name, *args, **kw):
        return shim if name == "micropython" else builtins.__import__(name, *args, **kw)

    ns = {"__builtins__": dict(vars(builtins), __import__=_import), "__name__": "emu_ssd1306"}
    exec(compile(path.read_text(), str(path), "exec"), ns)
    return ns["SSD1306"]


def check_uf2(path):
    """Refuse a file that is not a UF2 for the RP2040 (its first block: magic numbers, family ID)."""
    try:
        with open(path, "rb") as f:
            head = f.read(512)
    except OSError as e:
        raise PicodscError(f"cannot read {path}: {e.strerror}") from None
    magic = (int.from_bytes(head[0:4], "little"), int.from_bytes(head[4:8], "little"),
             int.from_bytes(head[508:512], "little")) if len(head) == 512 else None
    family = int.from_bytes(head[28:32], "little") if magic else None
    if magic != _UF2_MAGIC or family != _RP2040_FAMILY:
        raise PicodscError(f"{path} is not a UF2 for the RP2040: use MicroPython's RPI_PICO UF2 "
                           "(micropython.org/download/RPI_PICO)")


def board_pins(board_file):
    """The wiring a board file (boards/*.py) describes, as a namespace."""
    return types.SimpleNamespace(**{k: v for k, v in runpy.run_path(str(board_file)).items() if k.isupper()})


class KeyNets:
    """The keypad as nets: which keys are down, and what each column / direct-key GPIO reads."""

    def __init__(self, mcu, pins):
        self._gpio = mcu.gpio
        self._rows = tuple(pins.ROW_PINS)
        self._cols = tuple(pins.COL_PINS)
        self._where = {}  # key name -> ("m", row index, col index) or ("d", gpio)
        for r, line in enumerate(pins.KEYMAP):
            for c, legend in enumerate(line):
                self._where[legend] = ("m", r, c)
        for legend, gpio in pins.DIRECT_KEYS.items():
            self._where[legend] = ("d", gpio)
        for function, legend in pins.KEYS.items():
            self._where[function] = self._where[legend]
        self._down = set()
        self._low = set()  # GPIOs a pressed key pulls to GND now
        for r in self._rows:
            self._gpio[r].add_listener(lambda _new, _old: self._settle())

    def names(self):
        return tuple(self._where)

    def set(self, key, down):
        try:
            where = self._where[key]
        except KeyError:
            raise PicodscError(f"unknown key {key!r}; valid keys: {' '.join(self._where)}") from None
        (self._down.add if down else self._down.discard)(where)
        self._settle()

    def _settle(self):
        low_rows = {i for i, n in enumerate(self._rows)
                    if self._gpio[n].output_enable and not self._gpio[n].output_value}
        for c, n in enumerate(self._cols):
            pulled = any(w[0] == "m" and w[2] == c and w[1] in low_rows for w in self._down)
            self._drive(n, pulled)
        for where in {w for w in self._where.values() if w[0] == "d"}:
            self._drive(where[1], where in self._down)

    def _drive(self, gpio, low):
        # Only on a change: every set_input_value() latches a new edge in the pin's IRQ status.
        if low == (gpio in self._low):
            return
        if low:
            self._low.add(gpio)
            self._gpio[gpio].set_input_value(False)
        else:
            self._low.discard(gpio)
            self._gpio[gpio].release_input()


class OledTarget:
    """The SSD1306 on the board's I2C bus: ACKs its address, feeds the write bytes to the model."""

    def __init__(self, mcu, pins):
        from rp2040py.peripherals.i2c import I2CMode

        self.model = load_ssd1306()(pins.DISPLAY_WIDTH, pins.DISPLAY_HEIGHT)
        self.bytes = 0
        self.transactions = 0
        self._addr = pins.DISPLAY_ADDR
        self._write = I2CMode.WRITE
        self._bus = bus = mcu.i2c[pins.I2C_ID]
        bus.on_connect = self._connect
        bus.on_write_byte = self._byte
        bus.on_read_byte = lambda _ack: bus.complete_read(self.model.status())

    def _connect(self, addr, mode):
        ok = addr == self._addr
        if ok and mode == self._write:
            self.model.begin()
            self.transactions += 1
        self._bus.complete_connect(ok)

    def _byte(self, value):
        self.model.feed(bytes((value,)))
        self.bytes += 1
        self._bus.complete_write(True)

    def screen(self):
        from ..screen import Screen

        m = self.model
        data = bytearray(m.width * m.height // 8)
        m.render(data)
        return Screen(m.width, m.height, bytes(data), on=m.display_on, invert=m.invert)


class Rp2Chip:
    """One RP2040 booting ``uf2`` with ``fs`` (352 * 4096 bytes of littlefs) as its filesystem."""

    def __init__(self, uf2, fs, board_file, on_serial=None):
        from rp2040py.boards import BOARDS, FlashLayout
        from rp2040py.device.mp_device import MicroPythonDevice
        from rp2040py.execute_batch import execute_batch
        from rp2040py.memory_map import FLASH_START_ADDRESS

        check_uf2(uf2)
        if len(fs) != FS_BLOCKS * BLOCK_SIZE:
            raise PicodscError(f"filesystem must be {FS_BLOCKS} blocks of {BLOCK_SIZE} bytes")
        layout = FlashLayout(fs_start=FS_START, fs_blockcount=FS_BLOCKS, fs_blocksize=BLOCK_SIZE)
        spec = dataclasses.replace(BOARDS["pico"], image=str(uf2), layout=layout)
        try:
            self._dev = MicroPythonDevice(board=spec)
        except (OSError, ValueError) as e:
            raise PicodscError(f"cannot load {uf2}: {e}") from None
        self.mcu = self._dev.mcu
        self.sim = self._dev.simulator
        self._execute_batch = execute_batch
        self.mcu.flash[FS_START:FS_START + len(fs)] = fs
        pins = board_pins(board_file)
        self.oled = OledTarget(self.mcu, pins)
        self.keys = KeyNets(self.mcu, pins)
        self.cdc = cdc = self._dev.cdc
        self._on_serial = on_serial
        cdc.on_serial_data = self._serial_in
        self._host_out = bytearray()  # bytes for the device, waiting for room in the CDC FIFO
        self._armed = {}  # OUT endpoint -> size of the transfer the firmware armed (held: NAK)
        usb = self.mcu.usb_ctrl
        self._cdc_read = usb.on_endpoint_read
        usb.on_endpoint_read = self._endpoint_read
        cdc_reset = usb.on_reset

        def _usb_reset():
            self._armed.clear()
            cdc_reset()

        usb.on_reset = _usb_reset
        self.sim.stopped = False
        self.mcu.core.pc = FLASH_START_ADDRESS

    # -- time ----------------------------------------------------------------------------------
    @property
    def nanos(self):
        return self.sim.clock.nanos

    @property
    def cycles(self):
        """CPU cycles executed since power-up (idle time in WFI/WFE not counted)."""
        return self.mcu.core.cycles

    def run_until(self, nanos):
        """Execute until the simulated clock reaches ``nanos``."""
        sim = self.sim
        done = []
        alarm = sim.clock.create_alarm(lambda: (done.append(1), setattr(sim, "stopped", True)))
        alarm.schedule(max(nanos - sim.clock.nanos, 1))
        try:
            while not done:
                sim.stopped = False
                self._pump_host()
                self._execute_batch(sim, 1)
        finally:
            alarm.cancel()
            sim.stopped = False

    def run_ms(self, ms):
        self.run_until(self.nanos + ms * 1e6)

    # -- USB -----------------------------------------------------------------------------------
    @property
    def usb_up(self):
        """The device is enumerated: a host has its serial port."""
        return bool(self.cdc._initialized)

    def send(self, data):
        """Bytes from the host to the device's USB serial (delivered while the chip runs; dropped
        while the device is not enumerated)."""
        self._host_out += data
        self._pump_host()

    def _serial_in(self, data):
        if self._on_serial is not None:
            self._on_serial(bytes(data))

    def _pump_host(self):
        fifo = self.cdc.tx_fifo
        if not self.cdc._initialized:
            self._host_out.clear()  # off the bus (booting, resetting): a real port is gone, bytes too
        elif self._host_out:
            free = fifo.size - fifo.item_count
            chunk = self._host_out[:free]
            del self._host_out[:free]
            for b in chunk:
                self.cdc.send_serial_byte(b)
        if fifo.item_count and self._armed:
            for ep, size in list(self._armed.items()):
                del self._armed[ep]
                self._cdc_read(ep, size)

    def _endpoint_read(self, ep, size):
        if ep == self.cdc._out_endpoint and self.cdc.tx_fifo.item_count == 0:
            self._armed[ep] = size  # nothing to send: NAK until there is
            return
        self._cdc_read(ep, size)

    # -- flash ---------------------------------------------------------------------------------
    def fs_bytes(self):
        return bytes(self.mcu.flash[FS_START:FS_START + FS_BLOCKS * BLOCK_SIZE])
