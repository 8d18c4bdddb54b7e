"""Emulated QSPI NOR flash: a littlefs block device on an image file or in RAM (runs inside MicroPython).

The image is ``blocks * 4096`` bytes. Blocks 0..N-2 hold the filesystem; the last block is outside it
and its first 8 bytes are the chip's unique ID (``machine.unique_id()``), made at random with the image.
A RAM flash (``data``, a bytearray the caller keeps) is all filesystem and has no unique ID.
Programming behaves like NOR flash (bits only go 1 -> 0; erase sets a block to 0xFF), so a filesystem
that forgot to erase would corrupt itself here as on the chip; ``overprograms`` counts such programs.

Power-cut hook: ``power_cut_after(n)`` lets ``n`` more programs/erases happen; the next one does not
(or, ``torn``, half of its bytes do) and raises the given error, as does every later one (``cut``).
"""

import os

from micropython import const

BLOCK_SIZE = const(4096)
_IOCTL_BLOCK_COUNT = const(4)
_IOCTL_BLOCK_SIZE = const(5)
_IOCTL_BLOCK_ERASE = const(6)
_UID_LEN = const(8)


class PowerCut(Exception):
    """The flash lost power: this operation did not happen (or only half of it)."""


def create(path, blocks):
    """Write a fresh image: all 0xFF, a random unique ID in the last block."""
    ff = b"\xff" * BLOCK_SIZE
    with open(path, "wb") as f:
        for _ in range(blocks - 1):
            f.write(ff)
        uid = bytearray(os.urandom(_UID_LEN))
        uid[0] |= 0x80  # never all zero / never a leading zero digit
        f.write(uid + ff[_UID_LEN:])


class Flash:
    """Block device with the extended littlefs interface (readblocks/writeblocks with offset, erase)."""

    def __init__(self, path=None, blocks=0, data=None):
        if data is not None:
            self._f = None
            self.data = data
            self.blocks = self.fs_blocks = len(data) // BLOCK_SIZE
        else:
            self._f = open(path, "r+b")
            self.blocks = blocks
            self.fs_blocks = blocks - 1
        self.programs = 0  # writeblocks calls (page programs)
        self.erases = 0  # block erases
        self.overprograms = 0  # programs onto bytes that were not erased
        self._ff = b"\xff" * BLOCK_SIZE
        self._tmp = bytearray(BLOCK_SIZE)
        # Views of _tmp for every multiple of the 256-byte program size: writeblocks may run from a
        # GC finalizer (a file closed by the collector) while the heap is locked, so it must not allocate.
        tmp = memoryview(self._tmp)
        self._views = [tmp[: 256 * k] for k in range(BLOCK_SIZE // 256 + 1)]
        self.cut = False
        self._left = -1  # operations until the power cut, -1: none coming
        self._torn = False
        self._cut_error = None

    # -- the power-cut hook --------------------------------------------------------------------------

    def power_cut_after(self, ops, torn=False, error=None):
        """After ``ops`` more programs/erases (-1: never) the power is gone: the next one does not happen
        (``torn``: half its bytes do) and raises ``error`` (default PowerCut), as does every later one."""
        self._left = ops
        self._torn = torn
        self._cut_error = error

    def _power(self, n):
        """Bytes of an ``n``-byte operation that happen; raises once the power is gone."""
        if self.cut:
            raise self._cut_error or PowerCut()
        if self._left == 0:
            self.cut = True
            return n // 2 if self._torn else 0
        if self._left > 0:
            self._left -= 1
        return n

    # -- block device --------------------------------------------------------------------------------

    def unique_id(self):
        self._seek(self.fs_blocks * BLOCK_SIZE)
        return self._f.read(_UID_LEN)

    def is_blank(self):
        """True if the first two blocks are erased (a new image: safe to format)."""
        for block in (0, 1):
            self.readblocks(block, self._tmp)
            if self._tmp != self._ff:
                return False
        return True

    def _seek(self, pos):
        if self._f is None:
            raise OSError(19)  # ENODEV: a RAM flash has no unique ID block
        self._f.seek(pos)

    def readblocks(self, block, buf, offset=0):
        pos = block * BLOCK_SIZE + offset
        if self._f is None:
            buf[:] = memoryview(self.data)[pos : pos + len(buf)]
        else:
            self._f.seek(pos)
            self._f.readinto(buf)

    def writeblocks(self, block, buf, offset=None):
        if offset is None:  # simple interface: erase then program the whole block
            self._erase(block)
            offset = 0
        n = len(buf)
        done = self._power(n)
        pos = block * BLOCK_SIZE + offset
        if done:
            self._program(pos, buf, done)
        if done < n:
            raise self._cut_error or PowerCut()
        self.programs += 1

    def _program(self, pos, buf, n):
        f = self._f
        if f is None:
            d = self.data
            if d[pos : pos + n] == self._ff[:n]:  # erased: programming is a copy (RAM flash: may allocate)
                d[pos : pos + n] = memoryview(buf)[:n]
                return
            old = memoryview(d)[pos : pos + n]
        else:
            old = self._views[n >> 8] if not n & 255 else memoryview(self._tmp)[:n]
            f.seek(pos)
            f.readinto(old)
        over = False
        for i in range(n):  # NOR flash: programming can only clear bits
            o = old[i]
            if o != 0xFF:
                over = True
            old[i] = o & buf[i]
        if over:
            self.overprograms += 1
        if f is not None:
            f.seek(pos)
            f.write(old)
            f.flush()

    def _erase(self, block):
        n = self._power(BLOCK_SIZE)
        pos = block * BLOCK_SIZE
        if self._f is None:
            self.data[pos : pos + n] = self._ff[:n]
        else:
            self._f.seek(pos)
            self._f.write(self._ff if n == BLOCK_SIZE else self._ff[:n])  # no allocation unless cut
            self._f.flush()
        if n < BLOCK_SIZE:
            raise self._cut_error or PowerCut()
        self.erases += 1

    def ioctl(self, op, arg):
        if op == _IOCTL_BLOCK_COUNT:
            return self.fs_blocks
        if op == _IOCTL_BLOCK_SIZE:
            return BLOCK_SIZE
        if op == _IOCTL_BLOCK_ERASE:
            self._erase(arg)
        return 0

    def close(self):
        if self._f is not None:
            self._f.close()
