"""OCRA engine figures: heap bytes and time per response under MicroPython, against the host reference.

The firmware parses its suite once (``dsc.ocra.Suite``) and reuses it, as the token does; heap bytes
are ``gc.mem_alloc()`` deltas with the collector disabled. Times are the unix port on this machine
(not the RP2040), shown relative to the CPython host reference measured in the same run.
"""

import sys
import time

from picodsc import ocra as host
from picodsc import upy

SUITES = (
    ("default (SHA-256)", "OCRA-1:HOTP-SHA256-8:QN06-PSHA256", "123456"),
    ("SHA-512", "OCRA-1:HOTP-SHA512-8:QN06-PSHA512", "123456"),
    ("SHA-1 C+T", "OCRA-1:HOTP-SHA1-6:C-QN08-T1M", "12345678"),
    ("SHA-512 QA64 S512", "OCRA-1:HOTP-SHA512-10:QA64-S512", "A" * 64),
)
RUNS = 200

_MP = """
import gc, time
from dsc import ocra
RUNS = %d
for text, question in %r:
    gc.collect()
    a = gc.mem_alloc()
    s = ocra.Suite(text)
    parse = gc.mem_alloc() - a
    key = bytes(range(s.key_size))
    ph = s.pin_hash("1234") if s.pin_hash_name else None
    c = 7 if s.counter else None
    t = 12345 if s.time_step else None
    sess = bytes(s.session_length) if s.session_length else None
    r = s.compute(key, question, c, ph, sess, t)
    gc.collect()
    gc.disable()
    a = gc.mem_alloc()
    for i in range(RUNS):
        s.compute(key, question, c, ph, sess, t)
    alloc = (gc.mem_alloc() - a) // RUNS
    gc.enable()
    gc.collect()
    t0 = time.ticks_us()
    for i in range(RUNS):
        s.compute(key, question, c, ph, sess, t)
    us = time.ticks_diff(time.ticks_us(), t0) / RUNS
    print(text, r, parse, alloc, us)
"""


def _host_us(text, question):
    s = host.parse_suite(text)
    key = bytes(range(s.key_size))
    ph = host.pin_hash(s, "1234") if s.pin_hash_name else None
    args = (7 if s.counter else None, ph, bytes(s.session_length) if s.session_length else None,
            12345 if s.time_step else None)
    r = host.compute(s, key, question, *args)
    t0 = time.perf_counter()
    for _ in range(RUNS):
        host.compute(s, key, question, *args)
    return r, (time.perf_counter() - t0) / RUNS * 1e6


def main():
    out = upy.run(_MP % (RUNS, [(t, q) for _, t, q in SUITES]), timeout=600)
    rows = [line.split() for line in out.splitlines()]
    print(f"{'suite':<22} {'parse B':>8} {'B/response':>11} {'upy us':>9} {'host us':>8} {'upy/host':>9}")
    for (label, text, question), (mp_text, mp_resp, parse, alloc, us) in zip(SUITES, rows, strict=True):
        host_resp, host_us = _host_us(text, question)
        assert mp_text == text and mp_resp == host_resp, (text, mp_resp, host_resp)
        us = float(us)
        print(f"{label:<22} {parse:>8} {alloc:>11} {us:>9.1f} {host_us:>8.1f} {us / host_us:>8.0f}x")
    print(f"({RUNS} responses each; MicroPython unix port vs CPython {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
