"""Emulated QSPI flash: a littlefs block device backed by an image file (runs inside MicroPython).

The image is ``blocks * 4096`` bytes. Blocks 0..N-2 hold the filesystem; the last block is outside it
and its first 8 bytes are the chip's unique ID (``machine.unique_id()``), made at random with the image.
Programming behaves like NOR flash (bits only go 1 -> 0; erase sets a block to 0xFF), so a filesystem
that forgot to erase would corrupt itself here as on the chip.
"""

import os

from micropython import const

BLOCK_SIZE = const(4096)
_IOCTL_BLOCK_COUNT = const(4)
_IOCTL_BLOCK_SIZE = const(5)
_IOCTL_BLOCK_ERASE = const(6)
_UID_LEN = const(8)


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

    def __init__(self, path, blocks):
        self._f = open(path, "r+b")
        self.blocks = blocks
        self.fs_blocks = blocks - 1
        self.programs = 0  # writeblocks calls (page programs)
        self.erases = 0  # block erases
        self._ff = b"\xff" * BLOCK_SIZE
        self._tmp = bytearray(BLOCK_SIZE)
        # Views of _tmp for every multiple of the 256-byte program size: writeblocks may run from a
        # GC finalizer (a file closed by the collector) while the heap is locked, so it must not allocate.
        tmp = memoryview(self._tmp)
        self._views = [tmp[: 256 * k] for k in range(BLOCK_SIZE // 256 + 1)]

    def unique_id(self):
        self._f.seek(self.fs_blocks * BLOCK_SIZE)
        return self._f.read(_UID_LEN)

    def is_blank(self):
        """True if the first two blocks are erased (a new image: safe to format)."""
        for block in (0, 1):
            self._f.seek(block * BLOCK_SIZE)
            self._f.readinto(self._tmp)
            if self._tmp != self._ff:
                return False
        return True

    def readblocks(self, block, buf, offset=0):
        self._f.seek(block * BLOCK_SIZE + offset)
        self._f.readinto(buf)

    def writeblocks(self, block, buf, offset=None):
        if offset is None:  # simple interface: erase then program the whole block
            self._erase(block)
            offset = 0
        n = len(buf)
        pos = block * BLOCK_SIZE + offset
        old = self._views[n >> 8] if not n & 255 else memoryview(self._tmp)[:n]
        self._f.seek(pos)
        self._f.readinto(old)
        for i in range(n):  # NOR flash: programming can only clear bits
            old[i] &= buf[i]
        self._f.seek(pos)
        self._f.write(old)
        self._f.flush()
        self.programs += 1

    def _erase(self, block):
        self._f.seek(block * BLOCK_SIZE)
        self._f.write(self._ff)
        self._f.flush()
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
        self._f.close()
