"""Put the firmware on a board with mpremote: check, then one chained mpremote run.

1. Probe (one mpremote run): the board's ``.mpy`` version (``sys.implementation._mpy & 0xff`` must
   equal :data:`picodsc.bundle.MPY_VERSION` to run our mpy-cross output), whether it is provisioned
   (refused: factory reset first), which target directories and shadowing files exist.
2. Write (one mpremote run, commands chained with ``+``): ``fs mkdir`` for the missing directories,
   ``fs rm`` for stale ``.py``/``.mpy`` that would shadow the bundle, one ``fs cp`` per run of files
   bound for the same directory, in the bundle's order (``/main.py`` last, so a board cut off halfway
   does not boot a half-copied firmware; mpremote skips files whose hash already matches), then a
   hard reset.
"""

import json
import posixpath
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from . import bundle
from .errors import AlreadyProvisioned, DeviceError, MpyVersionMismatch
from .usb import LOCKED_HINT, RESET, Mpremote

_PROBE = """\
import os, sys
def ex(p):
    try:
        os.stat(p)
        return 1
    except OSError:
        return 0
print('PICODSC-DEPLOY', __import__('json').dumps({
    'mpy': getattr(sys.implementation, '_mpy', 0) & 0xff,
    'cfg': ex('/dsc.cfg'),
    'have': [p for p in %s if ex(p)]}))
"""


def plan(board: str = bundle.DEFAULT_BOARD,
         compiled: bool = True) -> tuple[list[tuple[str, bytes]], list[str], list[str]]:
    """(files, directories, stale): the bundle, the directories it needs, paths that would shadow it."""
    files = bundle.files(board, compiled)
    dirs = sorted({posixpath.dirname(p) for p, _ in files} - {"/"}, key=lambda d: (d.count("/"), d))
    # Parents first: /lib before /lib/dsc.
    return files, dirs, bundle.stale_paths(compiled)


def probe(mp: Mpremote, paths: Sequence[str]) -> dict:
    """The board's answer to the deploy probe: ``mpy`` version, ``cfg`` (provisioned), ``have``."""
    code = _PROBE % json.dumps(list(paths))
    for line in mp.run(["exec", code]).splitlines():
        if line.startswith("PICODSC-DEPLOY "):
            return json.loads(line.split(" ", 1)[1])
    raise DeviceError(f"the device on {mp.port} did not answer the deploy probe", mp.port)


def deploy(port: str, board: str = bundle.DEFAULT_BOARD, compiled: bool = True, reset: bool = True,
           timeout: float = 30.0, progress: Callable[[str], None] | None = None) -> int:
    """Deploy to ``port``; ``progress(text)`` gets one line per step. Returns the number of files."""
    progress = progress or (lambda text: None)
    mp = Mpremote(port, timeout)
    files, dirs, stale = plan(board, compiled)  # compile before touching the board
    progress(f"probing {port}")
    state = probe(mp, dirs + stale)
    if compiled and state["mpy"] != bundle.MPY_VERSION:
        raise MpyVersionMismatch(port, state["mpy"], bundle.MPY_VERSION)
    if state["cfg"]:
        raise AlreadyProvisioned(f"the token on {port} is provisioned: {LOCKED_HINT}", port)
    have = set(state["have"])
    commands = [["fs", "mkdir", f":{d}"] for d in dirs if d not in have]
    commands += [["fs", "rm", f":{p}"] for p in stale if p in have]
    total = len(files)
    with tempfile.TemporaryDirectory(prefix="picodsc-deploy-") as tmp:
        groups = []  # runs of files bound for the same directory, in the bundle's order (main.py last)
        for device_path, data in files:
            local = Path(tmp) / device_path.lstrip("/")
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_bytes(data)
            d = posixpath.dirname(device_path)
            if not groups or groups[-1][0] != d:
                groups.append((d, []))
            groups[-1][1].append(str(local))
        for d, locals_ in groups:
            commands.append(["fs", "cp", *locals_, f":{d.rstrip('/')}/"])
        if reset:
            commands.append(["exec", "--no-follow", RESET])
        done, same = [0], [0]

        def on_line(line):
            line = line.replace(tmp, "")
            if line.startswith("cp "):
                done[0] += 1
                progress(f"[{done[0]}/{total}] {line.split()[1]}")
            elif line.startswith("Up to date:"):
                same[0] += 1  # mpremote compared hashes and skipped the copy
            elif line.strip():
                progress(line)

        mp.run(*commands, timeout=max(timeout, 10.0 * total), on_line=on_line)
    progress(f"deployed {total} files to {port} ({same[0]} already up to date)"
             + (", reset the board" if reset else ""))
    return total
