"""The I2C bus with its devices, and ``machine.I2C`` on it (runs inside MicroPython).

A device is any object with ``begin()`` (a write transaction starts), ``feed(bytes)`` (written bytes)
and ``status()`` (the byte a read returns), attached at a 7-bit address. An address with no device
fails with ENODEV, as rp2 reports a missing ACK. The bus counts transactions and bytes (address
byte included).
"""

import errno


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
        self.transactions += 1
        self.bytes += 1
        for b in bufs:
            self.bytes += len(b)
        dev = self.devices.get(addr)
        if dev is None:
            raise OSError(errno.ENODEV)
        dev.begin()
        for b in bufs:
            dev.feed(b)

    def read(self, addr, buf):
        self.transactions += 1
        self.bytes += 1 + len(buf)
        dev = self.devices.get(addr)
        if dev is None:
            raise OSError(errno.ENODEV)
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
        _bus.write(addr, (buf,))
        return len(buf)

    def writevto(self, addr, vector, stop=True):
        _bus.write(addr, vector)
        return sum(len(b) for b in vector)

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
