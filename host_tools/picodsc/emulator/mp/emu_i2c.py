"""The I2C bus with its devices, and ``machine.I2C`` on it (runs inside MicroPython).

A device is any object with ``begin()`` (a write transaction starts), ``feed(bytes)`` (written bytes)
and ``status()`` (the byte a read returns), attached at a 7-bit address. The bus counts transactions
and bytes (address byte included).

An address nobody acknowledges fails as on rp2 (ports/rp2/machine_i2c.c): the hardware block reports
any failed transfer as EIO; only a zero-length write (``scan()``, a driver's probe with ``b""``), which
the RP2040's I2C block cannot do, goes through a bit-banged soft-I2C transfer that reports a missing
ACK as ENODEV and returns 0 (acknowledged bytes).
"""

import errno

_EIO = 5  # MP_EIO: the hardware block's PICO_ERROR_GENERIC (no ACK), on a write or a read


class Bus:
    def __init__(self):
        self.devices = {}  # address -> device
        self.reset_stats()

    def attach(self, addr, device):
        self.devices[addr] = device

    def reset_stats(self):
        self.bytes = 0
        self.transactions = 0

    def write(self, addr, bufs):
        """One write transaction; returns the bytes acknowledged (0 for a zero-length probe)."""
        self.transactions += 1
        self.bytes += 1
        n = 0
        for b in bufs:
            n += len(b)
        self.bytes += n
        dev = self.devices.get(addr)
        if dev is None:
            raise OSError(errno.ENODEV if n == 0 else _EIO)  # soft-I2C probe / hardware block
        dev.begin()
        for b in bufs:
            dev.feed(b)
        return n

    def read(self, addr, buf):
        self.transactions += 1
        self.bytes += 1 + len(buf)
        dev = self.devices.get(addr)
        if dev is None:
            raise OSError(_EIO)
        s = dev.status()
        for i in range(len(buf)):
            buf[i] = s


# -- machine.I2C ---------------------------------------------------------------------------------------

_bus = None  # the Bus the I2C objects act on (use())


def use(bus):
    global _bus
    _bus = bus


class I2C:
    def __init__(self, id=0, *, scl=None, sda=None, freq=400000, timeout=50000):
        self.freq = freq

    def scan(self):
        found = []
        for addr in range(0x08, 0x78):
            try:
                _bus.write(addr, ())
                found.append(addr)
            except OSError:
                pass
        return found

    def writeto(self, addr, buf, stop=True):
        return _bus.write(addr, (buf,))

    def writevto(self, addr, vector, stop=True):
        return _bus.write(addr, vector)

    def readfrom_into(self, addr, buf, stop=True):
        _bus.read(addr, buf)

    def readfrom(self, addr, nbytes, stop=True):
        buf = bytearray(nbytes)
        _bus.read(addr, buf)
        return bytes(buf)

    def writeto_mem(self, addr, memaddr, buf, *, addrsize=8):
        _bus.write(addr, (bytes((memaddr,)), buf))

    def readfrom_mem_into(self, addr, memaddr, buf, *, addrsize=8):
        _bus.write(addr, (bytes((memaddr,)),))
        _bus.read(addr, buf)

    def readfrom_mem(self, addr, memaddr, nbytes, *, addrsize=8):
        buf = bytearray(nbytes)
        self.readfrom_mem_into(addr, memaddr, buf)
        return bytes(buf)


class SoftI2C(I2C):
    pass
