"""Challenges and verification with the seed's lockout rules.

- A challenge is random (per the suite's Q), pending for :data:`CHALLENGE_TTL` seconds, and consumed
  by its first verification, whatever the outcome.
- :data:`MAX_FAILURES` consecutive failed verifications within :data:`LOCK_SECONDS` lock the token
  until :data:`LOCK_SECONDS` after the last failure; a success resets the count. While locked every
  verification fails without the response being checked (so it is not an oracle and does not extend
  the lock). Unknown, expired or replayed challenges are refused before any check and do not count.
- Counter (C) suites: the response may come from any counter in ``[counter, counter + window)``;
  on success the counter moves to the matched value + 1.
"""

import datetime
import secrets
import string
from dataclasses import dataclass

from .errors import Conflict, InvalidInput, PinRefused, UnsupportedSuite
from .ocra import Prepared, Suite, parse_suite, pin_hash
from .registry import Registry, check_serial

CHALLENGE_TTL = 120.0
MAX_FAILURES = 10
LOCK_SECONDS = 24 * 3600.0
DEFAULT_WINDOW = 100
PIN_LENGTH = 4  # the token's PIN> entry (firmware/dsc/app.py _PIN_LEN)

WRONG = "wrong response"
UNKNOWN = "unknown or expired challenge"
USED = "challenge already used"

# Common PINs (besides all-same and sequential ones, refused by rule).
WEAK_PINS = frozenset({
    "1234", "1212", "2580", "0852", "1004", "2000", "1122", "1313", "6969", "4321", "1010", "2001",
    "1230", "0007", "1984", "1986", "1999", "2020", "2468", "1357", "5683", "7410", "0987", "9876",
    "1112", "2323", "0101", "1111", "0000", "1000", "2222", "5555", "1998", "2021", "3333",
})


@dataclass(frozen=True)
class Result:
    """A verification's verdict: ``ok``, the ``reason`` shown after ``FAIL:``, and when the token is
    locked, until when (epoch seconds)."""

    ok: bool
    reason: str = "OK"
    locked_until: float | None = None

    def __bool__(self) -> bool:
        return self.ok


def check_pin(pin: str, length: int = PIN_LENGTH) -> str:
    """``pin`` if the policy accepts it, else :class:`PinRefused` (its message never holds the PIN)."""
    if not (isinstance(pin, str) and pin.isascii() and pin.isdigit() and len(pin) == length):
        raise PinRefused("digits", length)
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:], strict=False)}
    if pin in WEAK_PINS or steps in ({0}, {1}, {9}):
        raise PinRefused("weak", length)
    if len(set(pin[0::2])) == 1 and len(set(pin[1::2])) == 1:  # 1212, 6969, 0101...
        raise PinRefused("alternating", length)
    return pin


_ALPHABETS = {"N": string.digits, "A": string.digits + string.ascii_letters, "H": string.hexdigits}
_KIND_NAMES = {"N": "digits", "A": "letters/digits", "H": "hex digits"}


def new_challenge(suite: Suite) -> str:
    """A fresh random challenge of the suite's full Q length (what the login page shows)."""
    alphabet = "0123456789ABCDEF" if suite.question_kind == "H" else _ALPHABETS[suite.question_kind]
    return "".join(secrets.choice(alphabet) for _ in range(suite.question_length))


def check_challenge(suite: Suite, challenge: str) -> None:
    """InvalidInput unless ``challenge`` fits the suite's Q (4..xx characters of its alphabet)."""
    kind, top = suite.question_kind, suite.question_length
    if not (4 <= len(challenge) <= top) or any(c not in _ALPHABETS[kind] for c in challenge):
        raise InvalidInput(f"challenge must be 4..{top} {_KIND_NAMES[kind]}", field="challenge")


def check_response(suite: Suite, response: str) -> None:
    """InvalidInput unless ``response`` has the suite's number of digits."""
    n = suite.digits
    if not (response.isascii() and response.isdigit()) or (n and len(response) != n):
        raise InvalidInput(f"response must be {n or 'some'} digits", field="response")


def _iso(t: float) -> str:
    t = min(max(t, 0.0), 253402300799.0)  # clamp into 1970..9999: no traceback out of range
    return datetime.datetime.fromtimestamp(t, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class Verifier:
    """Challenges, verification and PIN changes over a :class:`~picodsc.registry.Registry`."""

    def __init__(self, registry: Registry, window: int = DEFAULT_WINDOW, ttl: float = CHALLENGE_TTL,
                 max_failures: int = MAX_FAILURES, lock_seconds: float = LOCK_SECONDS) -> None:
        self.registry = registry
        self.window = window
        self.ttl = ttl
        self.max_failures = max_failures
        self.lock_seconds = lock_seconds

    def challenge(self, serial: str) -> str:
        """A fresh challenge for ``serial``, recorded as pending."""
        reg = self.registry
        serial = check_serial(serial)
        with reg.transaction() as db:
            suite = parse_suite(reg.load(serial, db).suite)
            t = reg.clock()
            for _ in range(20):  # a collision with a pending challenge is rare: draw again
                question = new_challenge(suite)
                if reg.add_challenge(db, serial, question, t, purge_before=t - 2 * self.ttl):
                    return question
        raise Conflict("could not draw an unused challenge")

    def verify(self, serial: str, challenge: str, response: str) -> Result:
        """:class:`Result`; bad arguments raise InvalidInput (UnknownToken) before anything is consumed."""
        return self._check(serial, challenge, response, new_pin_hash=None)

    def pin_suite(self, serial: str) -> Suite:
        """The suite of a token whose PIN can change: UnknownToken, or UnsupportedSuite without P."""
        suite = parse_suite(self.registry.suite_of(serial))
        if suite.pin_hash_name is None:
            raise UnsupportedSuite(suite.text, f"suite {suite.text} uses no PIN")
        return suite

    def change_pin(self, serial: str, challenge: str, response: str, new_pin: str) -> Result:
        """Prove the new PIN: ``response`` must be the token's answer to ``challenge`` with ``new_pin``.

        On success the stored PIN hash is replaced, in the same transaction. Counts like a verify.
        """
        check_pin(new_pin)
        suite = self.pin_suite(serial)
        return self._check(serial, challenge, response, new_pin_hash=pin_hash(suite, new_pin))

    def _check(self, serial: str, challenge: str, response: str, new_pin_hash: bytes | None) -> Result:
        reg = self.registry
        serial = check_serial(serial)
        challenge, response = challenge.strip(), response.strip()
        suite = parse_suite(reg.suite_of(serial))  # validate arguments before any write
        check_challenge(suite, challenge)
        check_response(suite, response)
        with reg.transaction() as db:
            tok = reg.load(serial, db)
            t = reg.clock()
            pending = reg.take_challenge(db, serial, challenge)
            if tok.locked_until is not None and t < tok.locked_until:
                return Result(False, f"token locked until {_iso(tok.locked_until)}", tok.locked_until)
            if pending is None or t > pending[0] + self.ttl or t < pending[0]:
                return Result(False, UNKNOWN)
            if pending[1]:
                return Result(False, USED)
            ocra = Prepared(suite, tok.secret, new_pin_hash if new_pin_hash is not None else tok.pin_hash)
            if suite.counter:
                matched = ocra.match(challenge, response, counter=tok.counter, window=self.window)
            else:
                matched = ocra.match(challenge, response)
            if matched is None:
                keep = self.max_failures - 1
                recent = [f for f in tok.failures if f > t - self.lock_seconds]
                tok.failures = (recent[-keep:] if keep else []) + [t]
                if len(tok.failures) >= self.max_failures:
                    tok.locked_until = t + self.lock_seconds
                reg.save_state(db, tok)
                return Result(False, WRONG)
            tok.failures, tok.locked_until = [], None
            if suite.counter:
                tok.counter = matched + 1
            reg.save_state(db, tok)
            if new_pin_hash is not None:
                reg.set_pin_hash(db, serial, new_pin_hash)
            return Result(True)
