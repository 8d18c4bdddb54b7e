"""Server-side OCRA (RFC 6287) prepared for fast verification.

The host reference ``picodsc.ocra`` computes one response from scratch; verification is the hot path
of a server, so here the suite is parsed once and the fixed parts of the OCRA message (suite name,
PIN hash, HMAC key pads) are hashed once per token (:class:`Prepared`), leaving two hash updates
per candidate response. Cross-checked against ``picodsc.ocra`` and ``oath`` in the tests.
"""

import hashlib
import hmac
import re
import secrets
import string

from .errors import UsageError

# hash name -> (hashlib name, digest/key size in bytes)
HASHES = {"SHA1": ("sha1", 20), "SHA256": ("sha256", 32), "SHA512": ("sha512", 64)}
_BLOCK = {"sha1": 64, "sha256": 64, "sha512": 128}
DEFAULT_SUITE = "OCRA-1:HOTP-SHA256-8:QN06-PSHA256"
_PERIODS = {"S": 1, "M": 60, "H": 3600}
_QLEN = 128  # bytes of the Q field in the OCRA message


class Suite:
    """A parsed OCRA suite. Raises :class:`UsageError` naming the problem."""

    __slots__ = ("text", "head", "hash", "hasher", "key_size", "block_size", "digits", "counter",
                 "q_kind", "q_len", "p_hash", "p_size", "s_len", "t_step")

    def __init__(self, text):
        self.text = text
        self.head = text.encode("ascii", "replace") + b"\0"  # the message starts with the suite
        parts = text.split(":")
        if len(parts) != 3 or parts[0] != "OCRA-1":
            raise UsageError(f"bad OCRA suite {text!r}: expected OCRA-1:HOTP-<hash>-<digits>:<inputs>")
        m = re.fullmatch(r"HOTP-(SHA1|SHA256|SHA512)-(\d{1,2})", parts[1])
        if not m or not (m.group(2) == "0" or 4 <= int(m.group(2)) <= 10):
            raise UsageError(f"bad OCRA crypto function {parts[1]!r}: HOTP-SHA1|SHA256|SHA512-<0, 4..10>")
        self.hash, self.key_size = HASHES[m.group(1)]
        self.block_size = _BLOCK[self.hash]
        self.hasher = getattr(hashlib, self.hash)
        self.digits = int(m.group(2))
        self.counter, self.q_kind, self.q_len = False, None, 0
        self.p_hash, self.p_size, self.s_len, self.t_step = None, 0, 0, 0
        for item in parts[2].split("-"):
            self._parse_input(item)
        if self.q_kind is None:
            raise UsageError(f"bad OCRA suite {text!r}: the data input needs a challenge (Q)")

    def _parse_input(self, item):
        bad = UsageError(f"bad OCRA data input {item!r} in {self.text!r}")
        if item == "C" and not self.counter:
            self.counter = True
        elif re.fullmatch(r"Q[ANH]\d\d", item) and self.q_kind is None:
            self.q_kind, self.q_len = item[1], int(item[2:])
            if not 4 <= self.q_len <= 64:
                raise bad
        elif re.fullmatch(r"P(SHA1|SHA256|SHA512)", item) and self.p_hash is None:
            self.p_hash, self.p_size = HASHES[item[1:]]
        elif re.fullmatch(r"S\d\d\d", item) and not self.s_len:
            self.s_len = int(item[1:])
            if not self.s_len:
                raise bad
        elif re.fullmatch(r"T\d{1,2}[SMH]", item) and not self.t_step:
            self.t_step = int(item[1:-1]) * _PERIODS[item[-1]]
            if not self.t_step:
                raise bad
        else:
            raise bad

    def check_challenge(self, question):
        """Raise UsageError unless ``question`` fits the suite's Q format."""
        alphabet = {"N": string.digits, "A": string.digits + string.ascii_letters,
                    "H": string.hexdigits}[self.q_kind]
        if not (4 <= len(question) <= self.q_len) or any(c not in alphabet for c in question):
            kinds = {"N": "digits", "A": "letters/digits", "H": "hex digits"}
            raise UsageError(f"challenge must be 4..{self.q_len} {kinds[self.q_kind]}")

    def check_response(self, response):
        n = self.digits
        if not response.isascii() or not response.isdigit() or (n and len(response) != n):
            raise UsageError(f"response must be {n or 'some'} digits")

    def new_challenge(self):
        """A fresh random challenge of the suite's full Q length."""
        alphabet = {"N": string.digits, "A": string.digits + string.ascii_letters,
                    "H": "0123456789ABCDEF"}[self.q_kind]
        return "".join(secrets.choice(alphabet) for _ in range(self.q_len))

    def pin_hash(self, pin):
        if self.p_hash is None:
            raise UsageError(f"suite {self.text} takes no PIN")
        return hashlib.new(self.p_hash, pin.encode()).digest()

    def __repr__(self):
        return f"Suite({self.text!r})"


def parse_suite(text):
    return text if isinstance(text, Suite) else Suite(text)


def _question_bytes(suite, question):
    if suite.q_kind == "N":  # RFC 6287: decimal -> hex digits, padded on the right with 0 nibbles
        n = int(question)
        nibbles = (n.bit_length() + 3) >> 2
        if nibbles & 1:
            n <<= 4
            nibbles += 1
        return n.to_bytes(nibbles >> 1, "big").ljust(_QLEN, b"\0")
    if suite.q_kind == "H":
        return bytes.fromhex((question + "0" * (2 * _QLEN - len(question)))[: 2 * _QLEN])
    return question.encode("ascii").ljust(_QLEN, b"\0")


_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


class Prepared:
    """OCRA for one token: ``response(question, counter)`` with everything else assembled once.

    HMAC (RFC 2104) is done by hand so that the key's inner/outer pads *and* the fixed start of
    the message (the suite name) are hashed once, here: per response only the variable part is
    hashed. ``key`` and ``pin_hash`` stay inside the object; nothing here prints or logs them.
    """

    __slots__ = ("suite", "_inner", "_outer", "_tail", "_mod", "_digits")

    def __init__(self, suite, key, pin_hash=None, session=None):
        if not isinstance(suite, Suite):
            suite = Suite(suite)
        self.suite = suite
        if len(key) != suite.key_size:
            raise UsageError(f"key must be {suite.key_size} bytes for {suite.text}")
        block = bytes(key).ljust(suite.block_size, b"\0")  # keys are never longer than a block
        self._inner = inner = suite.hasher(block.translate(_IPAD))
        inner.update(suite.head)
        self._outer = suite.hasher(block.translate(_OPAD))
        tail = b""
        if suite.p_hash:
            if pin_hash is None or len(pin_hash) != suite.p_size:
                raise UsageError(f"suite {suite.text} needs a PIN hash ({suite.p_hash})")
            tail += pin_hash
        if suite.s_len:
            if session is None or len(session) != suite.s_len:
                raise UsageError(f"suite {suite.text} needs {suite.s_len} bytes of session data")
            tail += session
        self._tail = tail
        self._digits = suite.digits
        self._mod = 10 ** suite.digits

    def _variable(self, question, timestamp):
        """The message after the counter: question, PIN hash, session, time steps."""
        s = self.suite
        out = _question_bytes(s, question) + self._tail
        if s.t_step:
            if timestamp is None:
                raise UsageError("suite needs a timestamp (a number of time steps)")
            out += timestamp.to_bytes(8, "big")
        return out

    def _otp(self, data):
        inner = self._inner.copy()
        inner.update(data)
        outer = self._outer.copy()
        outer.update(inner.digest())
        mac = outer.digest()
        if not self._digits:
            return mac.hex()
        o = mac[-1] & 0xF
        value = int.from_bytes(mac[o:o + 4], "big") & 0x7FFFFFFF
        return str(value % self._mod).zfill(self._digits)

    def response(self, question, counter=None, timestamp=None):
        """The OCRA response (as ``picodsc.ocra.compute``: ``timestamp`` counts time steps;
        truncation 0 gives the full HMAC in hex)."""
        rest = self._variable(question, timestamp)
        if self.suite.counter:
            if counter is None:
                raise UsageError("suite needs a counter")
            return self._otp(counter.to_bytes(8, "big") + rest)
        return self._otp(rest)

    def match(self, question, response, counter=None, window=1, timestamp=None):
        """The counter value (or 0 without C) whose response equals ``response``, else None.

        Every candidate in the window is compared in constant time and the loop never exits
        early, so timing does not tell where (or whether) it matched.
        """
        rest = self._variable(question, timestamp)
        if not self.suite.counter:
            return 0 if hmac.compare_digest(self._otp(rest), response) else None
        otp, found = self._otp, None
        for c in range(counter, min(counter + window, 1 << 64)):  # C is 8 bytes
            if hmac.compare_digest(otp(c.to_bytes(8, "big") + rest), response) and found is None:
                found = c
        return found
