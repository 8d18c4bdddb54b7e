"""RFC 6287 OCRA engine for the token (MicroPython; also imported by the CPython tests).

``Suite(text)`` parses a suite once and preallocates the whole OCRA message, the MAC and the output
buffers; ``Suite.compute`` then fills the fields in place, so a response allocates only the hashlib
objects (SHA-1/SHA-256) and the returned string. ``compute(suite, ...)`` accepts a string or a Suite.

Grammar (every field explicit, numbers without leading zeros; the suite text is hashed verbatim)::

    OCRA-1:HOTP-{SHA1|SHA256|SHA512}-{0|4..10}:[C-]Q{A|N|H}{04..64}[-P{SHA1|SHA256|SHA512}]
        [-S{064|128|256|512}][-T{1..59}S|{1..59}M|{1..48}H]

* truncation 0 (RFC 6287 5.2, "no truncation"): the response is the full HMAC as lowercase hex.
* question: 4..xx characters for one challenge, up to 2*xx for a mutual pair (client + server
  challenges concatenated); QN decimal digits, QA ASCII letters/digits, QH hex digits. As in the RFC's
  reference code: QN decimal -> hex, the hex (QN, QH) padded on the right with 0 nibbles / zero
  bytes to 128 bytes; QA is its ASCII bytes, zero padded.
* counter and timestamp (a number of time steps): ints in 0..2**64-1, 8 bytes big-endian.
  pin_hash: the P hash's digest (``Suite.pin_hash(pin)``). session: exactly nnn bytes.
* An input the suite needs is required; one it does not declare is refused.

Errors are ValueError with a message naming the problem, never the key, PIN or PIN hash.
"""

from binascii import hexlify

from dsc import hashes

try:
    from micropython import const
except ImportError:  # CPython (tests)
    def const(x):
        return x

_Q_FIELD = const(128)  # bytes of the Q field
_MIN_Q = const(4)  # shortest question (QF04)
_NUM = const(54)  # bytes of a 128-digit decimal number (mutual QN64)

_SESSIONS = {"064": 64, "128": 128, "256": 256, "512": 512}
_UNITS = {"S": (1, 59), "M": (60, 59), "H": (3600, 48)}
_KINDS = {"N": "decimal digits", "A": "ASCII letters and digits", "H": "hex digits"}


def _bad_suite(text, why):
    return ValueError("malformed OCRA suite %r: %s" % (text, why))


def _number(text, s, what):
    # canonical decimal: digits only, no leading zero (the suite is hashed as written)
    if not s or not s.isdigit() or (len(s) > 1 and s[0] == "0"):
        raise _bad_suite(text, what + " needs a decimal number without leading zeros")
    return int(s)


def _hash_name(text, name, where):
    if name not in hashes.SIZES:
        raise _bad_suite(text, "unknown hash %r in %s (SHA1, SHA256 or SHA512)" % (name, where))
    return name


def _u64(value, what):
    if type(value) is not int:  # bools refused too
        raise ValueError(what + " must be an int")
    if value < 0 or value >> 64:
        raise ValueError(what + " out of range 0..2**64-1")
    return value


_BUFFERS = (bytes, bytearray, memoryview)  # built once: a tuple literal of names allocates per call


def _check_buffer(value, what):
    if not isinstance(value, _BUFFERS):
        raise ValueError(what + " must be bytes")
    return value


def _present(needed, value, what, field):
    if needed and value is None:
        raise ValueError("suite needs %s (%s field) but none was given" % (what, field))
    if value is not None and not needed:
        raise ValueError("%s given but the suite has no %s field" % (what, field))
    return needed


class Suite:
    """A parsed OCRA suite plus the preallocated buffers to compute responses with it.

    Attributes: ``text``, ``hash_name``, ``digits`` (0 = full HMAC hex), ``counter`` (bool),
    ``question_kind`` ("A"/"N"/"H"), ``question_length`` (xx), ``pin_hash_name`` (or None),
    ``session_length`` (bytes, or None), ``time_step`` (seconds, or None), ``key_size``,
    ``pin_hash_size`` (or None).
    """

    def __init__(self, text):
        if not isinstance(text, str):
            raise ValueError("OCRA suite must be a string")
        self.text = text
        for i in range(len(text)):
            if not 32 < ord(text[i]) < 127:
                raise _bad_suite(text, "only printable ASCII is allowed")
        parts = text.split(":")
        if len(parts) != 3:
            raise _bad_suite(text, "expected 'OCRA-1:<crypto function>:<data input>'")
        if parts[0] != "OCRA-1":
            raise _bad_suite(text, "unsupported algorithm %r (only OCRA-1)" % parts[0])
        cf = parts[1].split("-")
        if len(cf) != 3 or cf[0] != "HOTP":
            raise _bad_suite(text, "crypto function must be HOTP-<hash>-<digits>")
        self.hash_name = _hash_name(text, cf[1], "crypto function")
        self.digits = _number(text, cf[2], "truncation")
        if self.digits != 0 and not 4 <= self.digits <= 10:
            raise _bad_suite(text, "truncation must be 0 or 4..10 digits")

        fields = parts[2].split("-")
        i = 0
        self.counter = fields[0] == "C"
        if self.counter:
            i = 1
        if i >= len(fields) or fields[i][:1] != "Q":
            raise _bad_suite(text, "data input needs a question field Q<A|N|H><04..64>")
        q = fields[i]
        if len(q) != 4 or q[1] not in _KINDS:
            raise _bad_suite(text, "question field must be Q<A|N|H><04..64>, got %r" % q)
        self.question_kind = q[1]
        if not q[2:].isdigit():
            raise _bad_suite(text, "question length needs a decimal number")
        self.question_length = int(q[2:])
        if not 4 <= self.question_length <= 64:
            raise _bad_suite(text, "question length must be 04..64")

        self.pin_hash_name = self.session_length = self.time_step = None
        last = -1
        for field in fields[i + 1:]:
            pos = "PST".find(field[:1]) if field else -1
            if pos < 0:
                raise _bad_suite(text, "unknown data input field %r" % field)
            if pos <= last:
                raise _bad_suite(text, "field %r repeated or out of order (C-Q-P-S-T)" % field)
            last = pos
            if pos == 0:
                self.pin_hash_name = _hash_name(text, field[1:], "PIN hash field")
            elif pos == 1:
                if field[1:] not in _SESSIONS:
                    raise _bad_suite(text, "session field must be S064, S128, S256 or S512")
                self.session_length = _SESSIONS[field[1:]]
            else:
                unit = field[-1]
                if len(field) < 3 or unit not in _UNITS:
                    raise _bad_suite(text, "time step field must be T<n><S|M|H>, got %r" % field)
                n = _number(text, field[1:-1], "time step")
                scale, top = _UNITS[unit]
                if not 1 <= n <= top:
                    raise _bad_suite(text, "time step %r not in 1-59S, 1-59M, 1-48H" % field)
                self.time_step = n * scale

        self.key_size = hashes.SIZES[self.hash_name]
        self.pin_hash_size = hashes.SIZES[self.pin_hash_name] if self.pin_hash_name else None
        self._layout()

    def _layout(self):
        # The message: suite text, 0x00, [C 8] Q 128 [P] [S] [T 8]; field offsets kept for compute.
        at = len(self.text) + 1
        self._c_at = at
        at += 8 if self.counter else 0
        self._q_at = at
        at += _Q_FIELD
        self._p_at = at
        at += self.pin_hash_size or 0
        self._s_at = at
        at += self.session_length or 0
        self._t_at = at
        at += 8 if self.time_step else 0
        msg = bytearray(at)
        for i in range(len(self.text)):
            msg[i] = ord(self.text[i])
        self._msg = msg
        self._hmac = hashes.HMAC(self.hash_name)
        self._mac = bytearray(self.key_size)
        self._out = bytearray(self.digits)
        self._num = bytearray(_NUM) if self.question_kind == "N" else None

    def __str__(self):
        return self.text

    def __repr__(self):
        return "Suite(%r)" % self.text

    def pin_hash(self, pin):
        """The P input for ``pin`` (a non-empty string): its digest with the suite's PIN hash."""
        if self.pin_hash_name is None:
            raise ValueError("suite %r has no PIN (P) field" % self.text)
        if not isinstance(pin, str) or not pin:
            raise ValueError("PIN must be a non-empty string")
        return hashes.new(self.pin_hash_name, pin.encode()).digest()

    # ---- message fields, written in place -------------------------------------------------------

    def _put_u64(self, at, value):
        msg = self._msg
        for i in range(at + 7, at - 1, -1):
            msg[i] = value & 0xFF
            value >>= 8

    def _put_bytes(self, at, data):
        msg = self._msg
        for i in range(len(data)):
            msg[at + i] = data[i]

    def _put_question(self, question):
        if not isinstance(question, str):
            raise ValueError("question must be a string")
        kind = self.question_kind
        n = len(question)
        top = 2 * self.question_length
        if not _MIN_Q <= n <= top:
            raise ValueError("question has %d characters; suite Q%s%02d takes %d..%d (or up to %d for a "
                             "mutual challenge pair)" % (n, kind, self.question_length, _MIN_Q,
                                                         self.question_length, top))
        msg = self._msg
        q_at = self._q_at
        for i in range(q_at, q_at + _Q_FIELD):
            msg[i] = 0
        bad = False
        if kind == "N":
            bad = self._put_decimal(question)
        elif kind == "A":
            for i in range(n):
                c = ord(question[i])
                if 48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122:
                    msg[q_at + i] = c
                else:
                    bad = True
        else:
            for i in range(n):
                c = ord(question[i])
                if 48 <= c <= 57:
                    v = c - 48
                elif 97 <= c <= 102 or 65 <= c <= 70:
                    v = (c | 0x20) - 87
                else:
                    v = 0
                    bad = True
                msg[q_at + (i >> 1)] |= v if i & 1 else v << 4
        if bad:
            raise ValueError("question must be %s for Q%s" % (_KINDS[kind], kind))

    def _put_decimal(self, question):
        # decimal -> big-endian binary in _num (multiply-by-10 in place, no bigints), then copied to Q
        # as the RFC's hex string: most significant nibble first, an odd nibble count padded with 0.
        num = self._num
        end = len(num)
        for i in range(end):
            num[i] = 0
        top = end  # num[top:] holds the value
        for i in range(len(question)):
            carry = ord(question[i]) - 48
            if not 0 <= carry <= 9:
                return True
            for j in range(end - 1, top - 1, -1):
                v = num[j] * 10 + carry
                num[j] = v & 0xFF
                carry = v >> 8
            if carry:
                top -= 1
                num[top] = carry
        msg = self._msg
        at = self._q_at
        if top == end:  # zero: hex "0", padded to one zero byte; the field is already zero
            return False
        if num[top] >= 16:  # even number of hex digits: the bytes as they are
            for j in range(top, end):
                msg[at] = num[j]
                at += 1
        else:  # odd: shift everything up a nibble
            for j in range(top, end):
                msg[at] = ((num[j] & 0x0F) << 4) | (num[j + 1] >> 4 if j + 1 < end else 0)
                at += 1
        return False

    # ---- the computation -----------------------------------------------------------------------

    def compute(self, key, question, counter=None, pin_hash=None, session=None, timestamp=None):
        """The response: ``digits`` decimal digits (or the HMAC as hex for truncation 0)."""
        _check_buffer(key, "key")
        if not len(key):
            raise ValueError("key is empty")
        if _present(self.counter, counter, "counter", "C"):
            self._put_u64(self._c_at, _u64(counter, "counter"))
        self._put_question(question)
        if _present(self.pin_hash_name is not None, pin_hash, "pin_hash", "P"):
            if len(_check_buffer(pin_hash, "pin_hash")) != self.pin_hash_size:
                raise ValueError("pin_hash must be a %s digest (%d bytes)" % (self.pin_hash_name,
                                                                             self.pin_hash_size))
            self._put_bytes(self._p_at, pin_hash)
        if _present(self.session_length is not None, session, "session", "S"):
            if len(_check_buffer(session, "session")) != self.session_length:
                raise ValueError("session must be exactly %d bytes, got %d" % (self.session_length,
                                                                              len(session)))
            self._put_bytes(self._s_at, session)
        if _present(self.time_step is not None, timestamp, "timestamp", "T"):
            self._put_u64(self._t_at, _u64(timestamp, "timestamp"))

        mac = self._mac
        self._hmac.digest_into(key, self._msg, mac)
        if not self.digits:
            return hexlify(mac).decode()
        return self._truncate(mac)

    def _truncate(self, mac):
        # RFC 4226 dynamic truncation; the 31-bit value is kept as two halves (hi 15 bits, lo 16 bits)
        # and divided by 10 digit by digit, so no value exceeds a small int on the rp2 port.
        o = mac[-1] & 0x0F
        hi = ((mac[o] & 0x7F) << 8) | mac[o + 1]
        lo = (mac[o + 2] << 8) | mac[o + 3]
        out = self._out
        for i in range(self.digits - 1, -1, -1):
            rem = hi % 10
            hi //= 10
            cur = (rem << 16) | lo
            lo = cur // 10
            out[i] = 48 + cur % 10
        return out.decode()


def compute(suite, key, question, counter=None, pin_hash=None, session=None, timestamp=None):
    """OCRA response for ``suite`` (string or Suite); see ``Suite.compute``."""
    if not isinstance(suite, Suite):
        suite = Suite(suite)
    return suite.compute(key, question, counter, pin_hash, session, timestamp)
