"""`picodsc demo` (what `make emulate` runs): a demo token in a demo registry, then the interactive emulator.

State, all in the user data directory: the image (default ``token.img``), the demo registry
(``demo/registry.sqlite3`` and its key ``demo/picodsc.key``) and ``IMAGE.demo``, the serial of the
token the demo provisioned on that image. The demo prints instructions only for a token the demo
registry knows: a demo token whose registry entry is gone is provisioned afresh (a new image, as a
flash_nuke would); any other provisioned token gets what to do instead, never dead instructions.
``--reset`` deletes the image, its marker and the demo registry first, and starts over.
"""

import contextlib
import shutil
import sys
from pathlib import Path

from ..errors import PicodscError
from .image import data_dir, image_path, lock, lock_path, token_serial
from .session import emulator, interactive, need_terminal

DEMO_PIN = "4071"  # printed by the demo: a demo token protects nothing


def registry_dir():
    return data_dir() / "demo"


def registry_path():
    return registry_dir() / "registry.sqlite3"


def key_path():
    return registry_dir() / "picodsc.key"


def marker_path(image):
    return Path(str(image) + ".demo")


def demo(image, board, echo, reset=False):
    """Set up (or find) the demo token on ``image`` and open the interactive emulator."""
    need_terminal("the demo is interactive: run it in a terminal")
    path = image_path(image)
    if reset:
        start_over(path, echo)
    echo(f"emulated token: flash image {path}")
    with contextlib.ExitStack() as stack:
        emu = stack.enter_context(emulator(path, board, serial="pty", realtime=True))
        serial, notes = None, []
        if "dsc.cfg" not in emu.fs_ls("/"):
            serial = _provision(emu, path, echo)
        else:
            found = token_serial(path)
            problem = registry_problem(found)
            if problem is None:
                serial = found
                echo(f"token {serial} is provisioned" + (f" (demo PIN {DEMO_PIN})" if _is_demo(path, found)
                                                         else ""))
            elif _is_demo(path, found):
                echo(f"{problem}: starting over with a fresh demo token (picodsc demo --reset)")
                emu.close()
                _delete_image(path, echo)
                emu = stack.enter_context(emulator(path, board, serial="pty", realtime=True))
                serial = _provision(emu, path, echo)
            else:
                notes = [f"token {found} in {path} was not provisioned by the demo, and {problem}.",
                         f"Use the registry it was provisioned into, or start over: "
                         f"{_picodsc_command()} demo --reset" + (f" --flash {path}" if image else "")]
        if serial:
            notes = instructions(serial)
        for line in notes:
            echo(line)
        interactive(path, board, notes=[f"USB serial: {emu.port}", *notes], emu=emu)
    for line in notes:
        echo(line)


def instructions(serial):
    """What to do with the demo token: get a challenge, answer it on the keypad, verify the response."""
    cmd = _picodsc_command()
    reg = f"--registry {registry_path()}"
    return [
        f"demo token {serial}, PIN {DEMO_PIN}. In another terminal: {cmd} challenge --serial {serial} {reg}",
        "then here: press p until PIN> shows (p also switches the token off), type the PIN, Enter, "
        "the challenge, Enter; check the response with:",
        f"{cmd} verify --serial {serial} {reg} --challenge C --response R",
    ]


def registry_problem(serial):
    """Why the demo registry cannot verify token ``serial`` (None if it can)."""
    from ..registry import Registry

    reg = registry_path()
    if not reg.exists():
        return f"the demo registry {reg} is gone"
    if not key_path().exists():
        return f"the demo registry's key file {key_path()} is gone"
    try:
        with Registry(reg, key_file=key_path(), create=False) as registry:
            if not registry.has_token(serial):
                return f"the demo registry {reg} has no token {serial}"
    except PicodscError as e:
        return str(e)
    return None


def start_over(path, echo):
    """``--reset``: delete the image (refused while an emulator runs on it), its marker, the demo registry."""
    lock(path).close()  # in use: refused here, with the holder's PID
    _delete_image(path, echo)
    d = registry_dir()
    if d.exists():
        shutil.rmtree(d)
        echo(f"deleted the demo registry {d}")


def _delete_image(path, echo):
    for p in (path, marker_path(path), lock_path(path)):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
            if p == path:
                echo(f"deleted the flash image {path}")


def _is_demo(path, serial):
    try:
        return marker_path(path).read_text().strip() == serial
    except OSError:
        return False


def _provision(emu, path, echo):
    from ..provision import provision
    from ..registry import Registry

    echo(f"provisioning a demo token into the demo registry {registry_path()} ...")
    registry_dir().mkdir(parents=True, exist_ok=True, mode=0o700)
    with Registry(registry_path(), key_file=key_path()) as registry:
        serial = provision(registry, emu.port, pin=DEMO_PIN, replace=True, log=echo)
    marker_path(path).write_text(serial + "\n")
    return serial


def _picodsc_command():
    """How to run `picodsc` from another terminal: the venv's script unless it is on PATH."""
    here = Path(sys.executable).parent / "picodsc"
    on_path = shutil.which("picodsc")
    if on_path and Path(on_path).resolve() == here.resolve():
        return "picodsc"
    return str(here) if here.exists() else "picodsc"
