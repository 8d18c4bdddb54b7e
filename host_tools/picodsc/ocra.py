"""Host reference implementation of RFC 6287 OCRA (one-way, mutual and signature computations).

Written independently of the firmware engine (``firmware/dsc/ocra.py``): the two share test vectors,
never code. Uses CPython's ``hmac``/``hashlib``.

Suite grammar accepted (every field explicit, no defaults, numbers without leading zeros; the suite
text is hashed verbatim)::

    OCRA-1:HOTP-{SHA1|SHA256|SHA512}-{0|4..10}:[C-]Q{A|N|H}{04..64}[-P{SHA1|SHA256|SHA512}]
        [-S{064|128|256|512}][-T{1..59}S|{1..59}M|{1..48}H]

Decisions where RFC 6287 leaves room:

* truncation ``0`` ("no truncation", RFC 6287 section 5.2: the full HMAC value is used): the
  response is the full HMAC as lowercase hex.
* question: 4 to ``xx`` characters for one challenge, up to ``2*xx`` for the mutual mode's
  concatenated challenges (client + server). ``QN`` decimal, ``QA`` ASCII letters/digits, ``QH`` hex
  (either case). Converted as in the RFC's reference code: QN decimal -> hex; the hex (QN, QH) is
  padded on the right with ``0`` nibbles and zero bytes to 128 bytes; QA is its ASCII bytes.
* ``counter`` and ``timestamp`` (a number of time steps) are ints in ``0 .. 2**64-1``; ``session``
  is exactly ``nnn`` bytes; ``pin_hash`` is exactly the P hash's digest size.
* An input the suite needs is required; an input it does not declare is refused.

Errors are :class:`OcraError`, a :class:`picodsc.errors.InvalidInput` (so a ``ValueError``).
Messages name the problem, never the key, PIN or PIN hash.
"""

import functools
import hashlib
import hmac
import string
from dataclasses import dataclass
from typing import TypeAlias

from .errors import InvalidInput

__all__ = ["OcraError", "Suite", "parse_suite", "pin_hash", "compute", "Prepared", "DEFAULT_SUITE"]

DEFAULT_SUITE = "OCRA-1:HOTP-SHA256-8:QN06-PSHA256"

_HASHES = {"SHA1": (hashlib.sha1, 20), "SHA256": (hashlib.sha256, 32), "SHA512": (hashlib.sha512, 64)}
_SESSION_LENGTHS = {"064": 64, "128": 128, "256": 256, "512": 512}
_TIME_UNITS = {"S": (1, 59), "M": (60, 59), "H": (3600, 48)}
_QUESTION_ALPHABETS = {
    "N": frozenset(string.digits),
    "A": frozenset(string.ascii_letters + string.digits),
    "H": frozenset(string.hexdigits),
}
_KIND_NAMES = {"N": "decimal digits", "A": "ASCII letters and digits", "H": "hex digits"}
_Q_FIELD = 128
_MAX_U64 = (1 << 64) - 1
_MIN_QUESTION = 4


class OcraError(InvalidInput):
    """Malformed suite or bad input to an OCRA computation."""


@dataclass(frozen=True)
class Suite:
    """A parsed OCRA suite. Build it with :func:`parse_suite` (or ``Suite.parse``)."""

    text: str
    hash_name: str  # "SHA1" | "SHA256" | "SHA512"
    digits: int  # 0 (no truncation: full HMAC hex) or 4..10
    counter: bool
    question_kind: str  # "A" | "N" | "H"
    question_length: int  # xx: 4..64
    pin_hash_name: str | None = None
    session_length: int | None = None  # bytes
    time_step: int | None = None  # seconds

    @classmethod
    def parse(cls, text: "str | Suite") -> "Suite":
        return parse_suite(text)

    @property
    def key_size(self) -> int:
        """Key length (bytes) a token provisioned with this suite uses: the hash's output size."""
        return _HASHES[self.hash_name][1]

    @property
    def pin_hash_size(self) -> int | None:
        return _HASHES[self.pin_hash_name][1] if self.pin_hash_name else None

    def __str__(self) -> str:
        return self.text


SuiteLike: TypeAlias = str | Suite
Bytes: TypeAlias = bytes | bytearray | memoryview


def _fail(msg):
    raise OcraError(msg)


def _hash_name(name, where, text):
    if name not in _HASHES:
        _fail(f"malformed OCRA suite {text!r}: unknown hash {name!r} in {where} (SHA1, SHA256 or SHA512)")
    return name


def _parse_number(digits, where, text):
    if not digits or not digits.isascii() or not digits.isdigit():
        _fail(f"malformed OCRA suite {text!r}: {where} needs a decimal number")
    return int(digits)


def parse_suite(text: SuiteLike) -> Suite:
    """Parse an OCRA suite string into a :class:`Suite`; :class:`OcraError` if malformed."""
    if isinstance(text, Suite):
        return text
    if not isinstance(text, str):
        _fail(f"OCRA suite must be a string, not {type(text).__name__}")
    return _parse_suite(text)


@functools.lru_cache(maxsize=64)  # a server sees a handful of suites, parsed on every verification
def _parse_suite(text):
    parts = text.split(":")
    if len(parts) != 3:
        _fail(f"malformed OCRA suite {text!r}: expected 'OCRA-1:<crypto function>:<data input>'")
    algorithm, crypto, data = parts
    if algorithm != "OCRA-1":
        _fail(f"malformed OCRA suite {text!r}: unsupported algorithm {algorithm!r} (only OCRA-1)")

    cf = crypto.split("-")
    if len(cf) != 3 or cf[0] != "HOTP":
        _fail(f"malformed OCRA suite {text!r}: crypto function must be HOTP-<hash>-<digits>")
    hash_name = _hash_name(cf[1], "crypto function", text)
    digits = _parse_number(cf[2], "truncation", text)
    if not (digits == 0 or 4 <= digits <= 10) or str(digits) != cf[2]:
        _fail(f"malformed OCRA suite {text!r}: truncation must be 0 or 4..10 digits")

    fields = data.split("-")
    i = 0
    counter = False
    if fields[0] == "C":
        counter = True
        i = 1
    if i >= len(fields) or not fields[i].startswith("Q"):
        _fail(f"malformed OCRA suite {text!r}: data input needs a question field Q<A|N|H><04..64>")
    q = fields[i]
    i += 1
    if len(q) != 4 or q[1] not in _QUESTION_ALPHABETS:
        _fail(f"malformed OCRA suite {text!r}: question field must be Q<A|N|H><04..64>, got {q!r}")
    qlen = _parse_number(q[2:], "question length", text)
    if not 4 <= qlen <= 64:
        _fail(f"malformed OCRA suite {text!r}: question length must be 04..64")

    pin_name = session = step = None
    rest = fields[i:]
    order = "PST"
    last = -1
    for field in rest:
        tag = field[:1]
        pos = order.find(tag) if tag else -1
        if pos < 0:
            _fail(f"malformed OCRA suite {text!r}: unknown data input field {field!r}")
        if pos <= last:
            _fail(f"malformed OCRA suite {text!r}: field {field!r} repeated or out of order (C-Q-P-S-T)")
        last = pos
        if tag == "P":
            pin_name = _hash_name(field[1:], "PIN hash field", text)
        elif tag == "S":
            if field[1:] not in _SESSION_LENGTHS:
                _fail(f"malformed OCRA suite {text!r}: session field must be S064, S128, S256 or S512")
            session = _SESSION_LENGTHS[field[1:]]
        else:
            unit = field[-1:]
            if len(field) < 3 or len(field) > 4 or unit not in _TIME_UNITS:
                _fail(f"malformed OCRA suite {text!r}: time step field must be T<n><S|M|H>, got {field!r}")
            n = _parse_number(field[1:-1], "time step", text)
            seconds, top = _TIME_UNITS[unit]
            if not 1 <= n <= top or str(n) != field[1:-1]:
                _fail(f"malformed OCRA suite {text!r}: time step {field!r} not in 1-59S, 1-59M, 1-48H")
            step = n * seconds
    return Suite(text, hash_name, digits, counter, q[1], qlen, pin_name, session, step)


def pin_hash(suite: SuiteLike, pin: str) -> bytes:
    """The P input for ``pin`` (a string): its digest with the suite's PIN hash (UTF-8 encoded)."""
    suite = parse_suite(suite)
    if suite.pin_hash_name is None:
        _fail(f"suite {suite.text!r} has no PIN (P) field")
    if not isinstance(pin, str) or not pin:
        _fail("PIN must be a non-empty string")
    try:
        data = pin.encode("utf-8")
    except UnicodeEncodeError:  # e.g. undecodable argv bytes; the codec's message would show the PIN
        _fail("PIN must be text (UTF-8)")
    return _HASHES[suite.pin_hash_name][0](data).digest()


def _question_bytes(suite, question):
    if not isinstance(question, str):
        _fail(f"question must be a string, not {type(question).__name__}")
    kind = suite.question_kind
    top = 2 * suite.question_length
    if not _MIN_QUESTION <= len(question) <= top:
        _fail(
            f"question has {len(question)} characters; suite Q{kind}{suite.question_length:02d} takes "
            f"{_MIN_QUESTION}..{suite.question_length} (or up to {top} for a mutual challenge pair)"
        )
    if kind == "N":  # str methods: the verifier's hot path, same alphabets as the sets
        valid = question.isascii() and question.isdigit()
    elif kind == "A":
        valid = question.isascii() and question.isalnum()
    else:
        valid = set(question) <= _QUESTION_ALPHABETS[kind]
    if not valid:
        _fail(f"question must be {_KIND_NAMES[kind]} for Q{kind}")
    if kind == "A":
        raw = question.encode("ascii")
    else:
        hexq = format(int(question), "x") if kind == "N" else question
        if len(hexq) % 2:
            hexq += "0"
        raw = bytes.fromhex(hexq)
    if len(raw) > _Q_FIELD:  # cannot happen for xx <= 64, kept as a guard
        _fail("question does not fit the 128-byte Q field")
    return raw.ljust(_Q_FIELD, b"\0")


def _u64(value, name):
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(f"{name} must be an int")
    if not 0 <= value <= _MAX_U64:
        _fail(f"{name} out of range 0..2**64-1")
    return value.to_bytes(8, "big")


def _check_bytes(value, name):
    if not isinstance(value, (bytes, bytearray, memoryview)):
        _fail(f"{name} must be bytes")
    return bytes(value)


def _check_present(needed, value, name, field):
    if needed and value is None:
        _fail(f"suite needs {name} ({field} field) but none was given")
    if not needed and value is not None:
        _fail(f"{name} given but the suite has no {field} field")
    return needed


def _fixed_inputs(suite, pin_hash, session):
    """P then S, validated: the part of the message after Q that is the same for every question."""
    parts = []
    if _check_present(suite.pin_hash_name is not None, pin_hash, "pin_hash", "P"):
        pin_hash = _check_bytes(pin_hash, "pin_hash")
        if len(pin_hash) != suite.pin_hash_size:
            _fail(f"pin_hash must be a {suite.pin_hash_name} digest ({suite.pin_hash_size} bytes)")
        parts.append(pin_hash)
    if _check_present(suite.session_length is not None, session, "session", "S"):
        session = _check_bytes(session, "session")
        if len(session) != suite.session_length:
            _fail(f"session must be exactly {suite.session_length} bytes, got {len(session)}")
        parts.append(session)
    return b"".join(parts)


def _check_key(key):
    key = _check_bytes(key, "key")
    if not key:
        _fail("key is empty")
    return key


def data_input(suite: SuiteLike, question: str, counter: int | None = None, pin_hash: Bytes | None = None,
               session: Bytes | None = None, timestamp: int | None = None) -> bytes:
    """The OCRA message (suite text, 0x00, C, Q, P, S, T) for these inputs; validates them."""
    suite = parse_suite(suite)
    parts = [suite.text.encode("ascii"), b"\0"]
    if _check_present(suite.counter, counter, "counter", "C"):
        parts.append(_u64(counter, "counter"))
    parts.append(_question_bytes(suite, question))
    parts.append(_fixed_inputs(suite, pin_hash, session))
    if _check_present(suite.time_step is not None, timestamp, "timestamp", "T"):
        parts.append(_u64(timestamp, "timestamp"))
    return b"".join(parts)


def compute(suite: SuiteLike, key: Bytes, question: str, counter: int | None = None,
            pin_hash: Bytes | None = None, session: Bytes | None = None, timestamp: int | None = None) -> str:
    """The OCRA response (string of ``suite.digits`` digits, or full HMAC hex for truncation 0)."""
    suite = parse_suite(suite)
    key = _check_key(key)
    msg = data_input(suite, question, counter, pin_hash, session, timestamp)
    return _truncate(suite, hmac.new(key, msg, _HASHES[suite.hash_name][0]).digest())


def _truncate(suite, mac):
    """RFC 4226 dynamic truncation to ``suite.digits`` digits; truncation 0: the full HMAC in hex."""
    if suite.digits == 0:
        return mac.hex()
    offset = mac[-1] & 0x0F
    code = int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(code % 10**suite.digits).zfill(suite.digits)


_BLOCK_SIZES = {"SHA1": 64, "SHA256": 64, "SHA512": 128}
_IPAD = bytes(b ^ 0x36 for b in range(256))
_OPAD = bytes(b ^ 0x5C for b in range(256))


class Prepared:
    """One token's OCRA prepared for verification, the server's hot path.

    The HMAC key pads and the fixed start of the message (the suite text and its 0x00) are
    hashed once, here, and the fixed inputs after the question (P, S) are validated and joined once;
    each candidate response then costs two hash-state copies, two updates and the truncation. Same results as
    :func:`compute` (checked by the tests). The key and PIN hash stay inside the object.
    """

    __slots__ = ("suite", "_inner", "_outer", "_tail")

    def __init__(self, suite: SuiteLike, key: Bytes, pin_hash: Bytes | None = None,
                 session: Bytes | None = None) -> None:
        suite = parse_suite(suite)
        key = _check_key(key)
        self.suite = suite
        self._tail = _fixed_inputs(suite, pin_hash, session)
        # RFC 2104 by hand on hashlib objects (C methods only per candidate; `hmac.HMAC.copy` and
        # `digest` are Python-level and cost half the time again): inner pad state with the suite
        # text and its 0x00 already hashed, outer pad state.
        digest = _HASHES[suite.hash_name][0]
        block = _BLOCK_SIZES[suite.hash_name]
        if len(key) > block:
            key = digest(key).digest()
        key = key.ljust(block, b"\0")
        self._inner = digest(key.translate(_IPAD))
        self._inner.update(suite.text.encode("ascii") + b"\0")
        self._outer = digest(key.translate(_OPAD))

    def _rest(self, question, timestamp):
        """The message after the counter: Q, then the fixed P and S, then T."""
        rest = _question_bytes(self.suite, question) + self._tail
        if _check_present(self.suite.time_step is not None, timestamp, "timestamp", "T"):
            rest += _u64(timestamp, "timestamp")
        return rest

    def _response(self, data):
        inner = self._inner.copy()
        inner.update(data)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return _truncate(self.suite, outer.digest())

    def response(self, question: str, counter: int | None = None, timestamp: int | None = None) -> str:
        """The response to ``question`` (arguments as :func:`compute`)."""
        rest = self._rest(question, timestamp)
        if _check_present(self.suite.counter, counter, "counter", "C"):
            return self._response(_u64(counter, "counter") + rest)
        return self._response(rest)

    def match(self, question: str, response: str, counter: int | None = None, window: int = 1,
              timestamp: int | None = None) -> int | None:
        """The counter value (0 without C) whose response equals ``response``, else None.

        Every candidate in ``[counter, counter + window)`` is compared in constant time and the loop
        never stops early, so the time taken tells neither where nor whether it matched.
        """
        rest = self._rest(question, timestamp)
        if not _check_present(self.suite.counter, counter, "counter", "C"):
            return 0 if hmac.compare_digest(self._response(rest), response) else None
        found = None
        for c in range(counter, min(counter + window, _MAX_U64 + 1)):
            if hmac.compare_digest(self._response(c.to_bytes(8, "big") + rest), response) and found is None:
                found = c
        return found
