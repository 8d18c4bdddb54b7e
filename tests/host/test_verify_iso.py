"""A lock date out of datetime's range is shown clamped, never as a traceback."""

from picodsc.verifier import _iso


def test_out_of_range_lock_dates():
    assert _iso(1e20) == "9999-12-31 23:59:59 UTC"
    assert _iso(-1e20) == "1970-01-01 00:00:00 UTC"
    assert _iso(0) == "1970-01-01 00:00:00 UTC"
