"""The one clock of the login service: UTC epoch seconds, injected everywhere.

``SystemClock`` in production; ``FixedClock`` in tests; ``FileClock`` reads epoch seconds from a file at
each ``now()`` (``picodsc serve --fake-clock FILE``); :func:`clock_from_env` is what the CLI uses
(``PICODSC_NOW`` honoured only with ``PICODSC_TESTING=1``).
"""

import math
import os
import time
from pathlib import Path
from typing import Protocol

from .errors import InvalidInput

TESTING_ENV = "PICODSC_TESTING"
NOW_ENV = "PICODSC_NOW"


class Clock(Protocol):
    def now(self) -> float: ...


def _epoch(text, source):
    try:
        t = float(str(text).strip())
    except ValueError:
        t = math.nan
    if not math.isfinite(t) or t < 0:
        raise InvalidInput(source, "must be epoch seconds (a finite number)")
    return t


def testing_enabled() -> bool:
    return os.environ.get(TESTING_ENV) == "1"


class SystemClock:
    def now(self) -> float:
        return time.time()


class FixedClock:
    """A clock that moves only when told to."""

    def __init__(self, t: float = 1_767_225_600.0):  # 2026-01-01 00:00:00 UTC
        self.t = float(t)

    def now(self) -> float:
        return self.t

    def set(self, t: float) -> None:
        self.t = float(t)

    def advance(self, seconds: float) -> float:
        self.t += seconds
        return self.t


class FileClock:
    """Reads epoch seconds from ``path`` at every ``now()`` (tests move time over a running server)."""

    def __init__(self, path):
        self.path = Path(path)

    def now(self) -> float:
        try:
            text = self.path.read_text()
        except OSError as e:
            raise InvalidInput("fake clock", f"cannot read {self.path}: {e.strerror}") from None
        return _epoch(text, f"fake clock {self.path}")


def clock_from_env() -> Clock:
    """``FixedClock(PICODSC_NOW)`` when set and ``PICODSC_TESTING=1``; refuses it otherwise."""
    fake = os.environ.get(NOW_ENV)
    if fake is None or fake == "":
        return SystemClock()
    if not testing_enabled():
        raise InvalidInput(NOW_ENV, f"is honoured only with {TESTING_ENV}=1")
    return FixedClock(_epoch(fake, NOW_ENV))
