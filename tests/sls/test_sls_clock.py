"""The injected clock: PICODSC_NOW only under PICODSC_TESTING=1; the file clock reads at every call."""

import pytest
from picodsc.sls import FileClock, FixedClock, InvalidInput, SystemClock, clock_from_env


def test_clock_from_env(monkeypatch):
    monkeypatch.delenv("PICODSC_NOW", raising=False)
    monkeypatch.delenv("PICODSC_TESTING", raising=False)
    assert isinstance(clock_from_env(), SystemClock)
    monkeypatch.setenv("PICODSC_NOW", "1767225600")
    with pytest.raises(InvalidInput) as e:
        clock_from_env()
    assert "PICODSC_TESTING=1" in str(e.value)
    monkeypatch.setenv("PICODSC_TESTING", "1")
    assert clock_from_env().now() == 1767225600.0
    for bad in ("nan", "inf", "-5", "soon"):
        monkeypatch.setenv("PICODSC_NOW", bad)
        with pytest.raises(InvalidInput):
            clock_from_env()


def test_file_clock_reads_each_time(tmp_path):
    path = tmp_path / "now"
    path.write_text("100\n")
    clock = FileClock(path)
    assert clock.now() == 100.0
    path.write_text("250.5")
    assert clock.now() == 250.5
    path.write_text("garbage")
    with pytest.raises(InvalidInput):
        clock.now()


def test_fixed_clock():
    c = FixedClock(10)
    assert c.advance(5) == 15 and c.now() == 15
    c.set(3)
    assert c.now() == 3
