"""HMAC and a pure-Python SHA-512 for the rp2 port (no ``hmac`` module, no ``hashlib.sha512`` there).

SHA-1 and SHA-256 come from ``hashlib``. SHA-512 is computed on 16-bit limbs (four per 64-bit word):
every intermediate value stays below 2**20, a small int even on the rp2 port (31-bit small ints), so
hashing allocates no bigints. The same code runs under CPython in the tests (no hashlib.sha512
fallback), so the path tested is the device one.

``HMAC`` is a reusable engine: buffers are allocated once, ``digest_into`` writes into the caller's
buffer. The SHA-512 message schedule ``_W`` is module-level scratch: not re-entrant (the firmware is
single-threaded).
"""

import hashlib
from binascii import unhexlify

try:
    from micropython import const
except ImportError:  # CPython (tests)
    def const(x):
        return x

_SHA512_BLOCK = const(128)
_SHA512_SIZE = const(64)
_LEN_AT = const(112)  # padding: the message length goes in the last 16 bytes of a block
_IPAD = const(0x36)
_OPAD = const(0x5C)

# FIPS 180-4 constants (fractional parts of cube / square roots of the first primes), checked by the
# tests against CPython's hashlib.sha512.
_KB = unhexlify(
    "428a2f98d728ae227137449123ef65cdb5c0fbcfec4d3b2fe9b5dba58189dbbc"
    "3956c25bf348b53859f111f1b605d019923f82a4af194f9bab1c5ed5da6d8118"
    "d807aa98a303024212835b0145706fbe243185be4ee4b28c550c7dc3d5ffb4e2"
    "72be5d74f27b896f80deb1fe3b1696b19bdc06a725c71235c19bf174cf692694"
    "e49b69c19ef14ad2efbe4786384f25e30fc19dc68b8cd5b5240ca1cc77ac9c65"
    "2de92c6f592b02754a7484aa6ea6e4835cb0a9dcbd41fbd476f988da831153b5"
    "983e5152ee66dfaba831c66d2db43210b00327c898fb213fbf597fc7beef0ee4"
    "c6e00bf33da88fc2d5a79147930aa72506ca6351e003826f142929670a0e6e70"
    "27b70a8546d22ffc2e1b21385c26c9264d2c6dfc5ac42aed53380d139d95b3df"
    "650a73548baf63de766a0abb3c77b2a881c2c92e47edaee692722c851482353b"
    "a2bfe8a14cf10364a81a664bbc423001c24b8b70d0f89791c76c51a30654be30"
    "d192e819d6ef5218d69906245565a910f40e35855771202a106aa07032bbd1b8"
    "19a4c116b8d2d0c81e376c085141ab532748774cdf8eeb9934b0bcb5e19b48a8"
    "391c0cb3c5c95a634ed8aa4ae3418acb5b9cca4f7763e373682e6ff3d6b2b8a3"
    "748f82ee5defb2fc78a5636f43172f6084c87814a1f0ab728cc702081a6439ec"
    "90befffa23631e28a4506cebde82bde9bef9a3f7b2c67915c67178f2e372532b"
    "ca273eceea26619cd186b8c721c0c207eada7dd6cde0eb1ef57d4f7fee6ed178"
    "06f067aa72176fba0a637dc5a2c898a6113f9804bef90dae1b710b35131c471b"
    "28db77f523047d8432caab7b40c724933c9ebe0a15c9bebc431d67c49c100d4c"
    "4cc5d4becb3e42b6597f299cfc657e2a5fcb6fab3ad6faec6c44198c4a475817"
)
_HB = unhexlify(
    "6a09e667f3bcc908bb67ae8584caa73b3c6ef372fe94f82ba54ff53a5f1d36f1"
    "510e527fade682d19b05688c2b3e6c1f1f83d9abfb41bd6b5be0cd19137e2179"
)
_H = tuple((_HB[i] << 8) | _HB[i + 1] for i in range(0, 64, 2))
del _HB
# Built on the first SHA-512 use (about 2.5 KB a SHA-256 token never needs): the round constants as
# 320 limbs, and the message schedule, 80 words x 4 limbs (big-endian limb order).
_K = None
_W = None


def _tables():
    global _K, _W
    if _K is None:
        _K = tuple((_KB[i] << 8) | _KB[i + 1] for i in range(0, 640, 2))
        _W = [0] * 320

SIZES = {"SHA1": 20, "SHA256": 32, "SHA512": 64}
BLOCKS = {"SHA1": 64, "SHA256": 64, "SHA512": 128}


def _compress(st, blk, off):
    """Hash the 128-byte block at blk[off:] into the 32-limb state st (_W: shared scratch)."""
    W = _W
    K = _K
    for j in range(64):
        W[j] = (blk[off] << 8) | blk[off + 1]
        off += 2
    for t in range(64, 320, 4):
        # W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16], limb-wise (4 limbs per word)
        x0 = W[t - 60]
        x1 = W[t - 59]
        x2 = W[t - 58]
        x3 = W[t - 57]
        y0 = W[t - 8]
        y1 = W[t - 7]
        y2 = W[t - 6]
        y3 = W[t - 5]
        p0 = (
            ((x0 >> 1) | ((x3 & 0x1) << 15))
            ^ ((x0 >> 8) | ((x3 & 0xff) << 8))
            ^ (x0 >> 7)
        )
        p1 = (
            ((x1 >> 1) | ((x0 & 0x1) << 15))
            ^ ((x1 >> 8) | ((x0 & 0xff) << 8))
            ^ ((x1 >> 7) | ((x0 & 0x7f) << 9))
        )
        p2 = (
            ((x2 >> 1) | ((x1 & 0x1) << 15))
            ^ ((x2 >> 8) | ((x1 & 0xff) << 8))
            ^ ((x2 >> 7) | ((x1 & 0x7f) << 9))
        )
        p3 = (
            ((x3 >> 1) | ((x2 & 0x1) << 15))
            ^ ((x3 >> 8) | ((x2 & 0xff) << 8))
            ^ ((x3 >> 7) | ((x2 & 0x7f) << 9))
        )
        q0 = (
            ((y3 >> 3) | ((y2 & 0x7) << 13))
            ^ ((y1 >> 13) | ((y0 & 0x1fff) << 3))
            ^ (y0 >> 6)
        )
        q1 = (
            ((y0 >> 3) | ((y3 & 0x7) << 13))
            ^ ((y2 >> 13) | ((y1 & 0x1fff) << 3))
            ^ ((y1 >> 6) | ((y0 & 0x3f) << 10))
        )
        q2 = (
            ((y1 >> 3) | ((y0 & 0x7) << 13))
            ^ ((y3 >> 13) | ((y2 & 0x1fff) << 3))
            ^ ((y2 >> 6) | ((y1 & 0x3f) << 10))
        )
        q3 = (
            ((y2 >> 3) | ((y1 & 0x7) << 13))
            ^ ((y0 >> 13) | ((y3 & 0x1fff) << 3))
            ^ ((y3 >> 6) | ((y2 & 0x3f) << 10))
        )
        v = p3 + q3 + W[t - 25] + W[t - 61]
        W[t + 3] = v & 0xFFFF
        v = p2 + q2 + W[t - 26] + W[t - 62] + (v >> 16)
        W[t + 2] = v & 0xFFFF
        v = p1 + q1 + W[t - 27] + W[t - 63] + (v >> 16)
        W[t + 1] = v & 0xFFFF
        v = p0 + q0 + W[t - 28] + W[t - 64] + (v >> 16)
        W[t + 0] = v & 0xFFFF
    (
        a0, a1, a2, a3,
        b0, b1, b2, b3,
        c0, c1, c2, c3,
        d0, d1, d2, d3,
        e0, e1, e2, e3,
        f0, f1, f2, f3,
        g0, g1, g2, g3,
        h0, h1, h2, h3,
    ) = st  # unpacking a list allocates nothing
    for t in range(0, 320, 4):
        p0 = (
            ((e0 >> 14) | ((e3 & 0x3fff) << 2))
            ^ ((e3 >> 2) | ((e2 & 0x3) << 14))
            ^ ((e2 >> 9) | ((e1 & 0x1ff) << 7))
        )
        p1 = (
            ((e1 >> 14) | ((e0 & 0x3fff) << 2))
            ^ ((e0 >> 2) | ((e3 & 0x3) << 14))
            ^ ((e3 >> 9) | ((e2 & 0x1ff) << 7))
        )
        p2 = (
            ((e2 >> 14) | ((e1 & 0x3fff) << 2))
            ^ ((e1 >> 2) | ((e0 & 0x3) << 14))
            ^ ((e0 >> 9) | ((e3 & 0x1ff) << 7))
        )
        p3 = (
            ((e3 >> 14) | ((e2 & 0x3fff) << 2))
            ^ ((e2 >> 2) | ((e1 & 0x3) << 14))
            ^ ((e1 >> 9) | ((e0 & 0x1ff) << 7))
        )
        q0 = (
            ((a3 >> 12) | ((a2 & 0xfff) << 4))
            ^ ((a2 >> 2) | ((a1 & 0x3) << 14))
            ^ ((a2 >> 7) | ((a1 & 0x7f) << 9))
        )
        q1 = (
            ((a0 >> 12) | ((a3 & 0xfff) << 4))
            ^ ((a3 >> 2) | ((a2 & 0x3) << 14))
            ^ ((a3 >> 7) | ((a2 & 0x7f) << 9))
        )
        q2 = (
            ((a1 >> 12) | ((a0 & 0xfff) << 4))
            ^ ((a0 >> 2) | ((a3 & 0x3) << 14))
            ^ ((a0 >> 7) | ((a3 & 0x7f) << 9))
        )
        q3 = (
            ((a2 >> 12) | ((a1 & 0xfff) << 4))
            ^ ((a1 >> 2) | ((a0 & 0x3) << 14))
            ^ ((a1 >> 7) | ((a0 & 0x7f) << 9))
        )
        u0 = h0 + p0 + (g0 ^ (e0 & (f0 ^ g0))) + K[t + 0] + W[t + 0]
        u1 = h1 + p1 + (g1 ^ (e1 & (f1 ^ g1))) + K[t + 1] + W[t + 1]
        u2 = h2 + p2 + (g2 ^ (e2 & (f2 ^ g2))) + K[t + 2] + W[t + 2]
        u3 = h3 + p3 + (g3 ^ (e3 & (f3 ^ g3))) + K[t + 3] + W[t + 3]
        z0 = q0 + ((a0 & b0) | (c0 & (a0 | b0)))
        z1 = q1 + ((a1 & b1) | (c1 & (a1 | b1)))
        z2 = q2 + ((a2 & b2) | (c2 & (a2 | b2)))
        z3 = q3 + ((a3 & b3) | (c3 & (a3 | b3)))
        h0 = g0
        h1 = g1
        h2 = g2
        h3 = g3
        g0 = f0
        g1 = f1
        g2 = f2
        g3 = f3
        f0 = e0
        f1 = e1
        f2 = e2
        f3 = e3
        v = d3 + u3
        e3 = v & 0xFFFF
        v = d2 + u2 + (v >> 16)
        e2 = v & 0xFFFF
        v = d1 + u1 + (v >> 16)
        e1 = v & 0xFFFF
        v = d0 + u0 + (v >> 16)
        e0 = v & 0xFFFF
        d0 = c0
        d1 = c1
        d2 = c2
        d3 = c3
        c0 = b0
        c1 = b1
        c2 = b2
        c3 = b3
        b0 = a0
        b1 = a1
        b2 = a2
        b3 = a3
        v = u3 + z3
        a3 = v & 0xFFFF
        v = u2 + z2 + (v >> 16)
        a2 = v & 0xFFFF
        v = u1 + z1 + (v >> 16)
        a1 = v & 0xFFFF
        v = u0 + z0 + (v >> 16)
        a0 = v & 0xFFFF
    _add64(st, 0, a0, a1, a2, a3)
    _add64(st, 4, b0, b1, b2, b3)
    _add64(st, 8, c0, c1, c2, c3)
    _add64(st, 12, d0, d1, d2, d3)
    _add64(st, 16, e0, e1, e2, e3)
    _add64(st, 20, f0, f1, f2, f3)
    _add64(st, 24, g0, g1, g2, g3)
    _add64(st, 28, h0, h1, h2, h3)


def _add64(st, i, w0, w1, w2, w3):
    """st[i:i+4] += (w0, w1, w2, w3): one 64-bit word in 16-bit limbs, modulo 2**64."""
    v = st[i + 3] + w3
    st[i + 3] = v & 0xFFFF
    v = st[i + 2] + w2 + (v >> 16)
    st[i + 2] = v & 0xFFFF
    v = st[i + 1] + w1 + (v >> 16)
    st[i + 1] = v & 0xFFFF
    st[i] = (st[i] + w0 + (v >> 16)) & 0xFFFF


class SHA512:
    """SHA-512 with the hashlib object interface (``update``, ``digest``) plus ``reset`` and
    ``digest_into``. Like MicroPython's hashlib, ``digest`` finalizes: ``reset`` before reusing."""

    digest_size = _SHA512_SIZE
    block_size = _SHA512_BLOCK

    def __init__(self, data=None):
        _tables()
        self._st = list(_H)
        self._buf = bytearray(_SHA512_BLOCK)
        self._pos = 0  # bytes waiting in _buf
        self._len = 0  # bytes hashed so far
        if data is not None:
            self.update(data)

    def reset(self):
        st = self._st
        for i in range(32):
            st[i] = _H[i]
        self._pos = 0
        self._len = 0

    def save(self, state):
        """Copy the chaining state (valid at a block boundary) into ``state``, a list of 32 ints."""
        st = self._st
        for i in range(32):
            state[i] = st[i]

    def load(self, state, length):
        """Resume from a ``save``d state after ``length`` bytes (a multiple of 128)."""
        st = self._st
        for i in range(32):
            st[i] = state[i]
        self._pos = 0
        self._len = length

    def update(self, data):
        n = len(data)
        buf = self._buf
        pos = self._pos
        i = 0
        self._len += n
        if pos == 0:
            while n - i >= _SHA512_BLOCK:  # whole blocks straight from the caller's buffer
                _compress(self._st, data, i)
                i += _SHA512_BLOCK
        while i < n:  # copy byte by byte: slicing would allocate
            buf[pos] = data[i]
            pos += 1
            i += 1
            if pos == _SHA512_BLOCK:
                _compress(self._st, buf, 0)
                pos = 0
        self._pos = pos

    def digest_into(self, out):
        """Finish and write the 64-byte digest into ``out`` (a writable buffer)."""
        buf = self._buf
        st = self._st
        pos = self._pos
        buf[pos] = 0x80
        pos += 1
        if pos > _LEN_AT:
            for i in range(pos, _SHA512_BLOCK):
                buf[i] = 0
            _compress(st, buf, 0)
            pos = 0
        for i in range(pos, _SHA512_BLOCK):
            buf[i] = 0
        n = self._len  # the length in bits, big-endian, in the last bytes (n < 2**27: no bigint)
        buf[127] = (n << 3) & 0xFF
        n >>= 5
        i = 126
        while n:
            buf[i] = n & 0xFF
            n >>= 8
            i -= 1
        _compress(st, buf, 0)
        for i in range(32):
            out[i + i] = st[i] >> 8
            out[i + i + 1] = st[i] & 0xFF

    def digest(self):
        out = bytearray(_SHA512_SIZE)
        self.digest_into(out)
        return bytes(out)


def new(name, data=None):
    """A hash object for a suite hash name ("SHA1", "SHA256", "SHA512")."""
    if name == "SHA512":
        return SHA512(data)
    if name == "SHA256":
        h = hashlib.sha256()
    elif name == "SHA1":
        h = hashlib.sha1()
    else:
        raise ValueError("unknown hash (SHA1, SHA256 or SHA512)")
    if data is not None:
        h.update(data)
    return h


class HMAC:
    """HMAC (RFC 2104) for one hash, reusable: pads and the SHA-512 object are allocated once.

    hashlib's SHA-1/SHA-256 objects cannot be reset on MicroPython, so those get two fresh hash
    objects per MAC (a few hundred bytes).
    """

    def __init__(self, name):
        if name not in SIZES:
            raise ValueError("unknown hash (SHA1, SHA256 or SHA512)")
        self.name = name
        self.digest_size = SIZES[name]
        self.block_size = BLOCKS[name]
        self._pad = bytearray(self.block_size)
        self._inner = bytearray(self.digest_size)
        self._key = None  # digest of a key longer than a block, allocated on first need
        self._sha512 = None
        if name == "SHA512":
            self._sha512 = SHA512()
            self._ckey = None  # the key the two states below belong to
            self._istate = [0] * 32
            self._ostate = [0] * 32

    def _hash(self):
        h = self._sha512
        if h is None:
            return new(self.name)
        h.reset()
        return h

    def _finish(self, h, out):
        if self._sha512 is None:
            d = h.digest()
            for i in range(self.digest_size):
                out[i] = d[i]
        else:
            h.digest_into(out)

    def digest_into(self, key, msg, out):
        """Write HMAC(key, msg) into ``out`` (at least digest_size bytes)."""
        h = self._sha512
        if h is not None:
            # The states after the (key ^ ipad) and (key ^ opad) blocks depend on the key only: kept,
            # with a copy of the key to notice a change, a MAC costs two compressions fewer.
            if self._ckey is None or not compare_digest(self._ckey, key):
                self._ckey = None
                self._key_states(key)
                self._ckey = bytearray(key)
            h.load(self._istate, _SHA512_BLOCK)
            h.update(msg)
            h.digest_into(self._inner)
            h.load(self._ostate, _SHA512_BLOCK)
            h.update(self._inner)
            h.digest_into(out)
            return
        key = self._short_key(key)
        self._pass(key, _IPAD, msg, self._inner)
        self._pass(key, _OPAD, self._inner, out)

    def _key_states(self, key):
        key = self._short_key(key)
        for xor, state in ((_IPAD, self._istate), (_OPAD, self._ostate)):
            self._fill_pad(key, xor)
            h = self._hash()
            h.update(self._pad)
            h.save(state)

    def _short_key(self, key):
        if len(key) > self.block_size:  # RFC 2104: long keys are hashed first
            if self._key is None:
                self._key = bytearray(self.digest_size)
            h = self._hash()
            h.update(key)
            self._finish(h, self._key)
            key = self._key
        return key

    def _fill_pad(self, key, xor):
        pad = self._pad
        klen = len(key)
        for i in range(klen):
            pad[i] = key[i] ^ xor
        for i in range(klen, self.block_size):
            pad[i] = xor

    def _pass(self, key, xor, data, out):
        # one hash over (key ^ pad) || data; a method, so no tuples are built per MAC
        self._fill_pad(key, xor)
        h = self._hash()
        h.update(self._pad)
        h.update(data)
        self._finish(h, out)

    def digest(self, key, msg):
        out = bytearray(self.digest_size)
        self.digest_into(key, msg, out)
        return bytes(out)


def hmac_digest(name, key, msg):
    """HMAC-<name>(key, msg) as bytes (allocates an engine: reuse ``HMAC`` on hot paths)."""
    return HMAC(name).digest(key, msg)


def compare_digest(a, b):
    """Constant-time equality of two byte strings (time depends only on the lengths)."""
    if len(a) != len(b):
        return False
    diff = 0
    for i in range(len(a)):
        diff |= a[i] ^ b[i]
    return diff == 0
