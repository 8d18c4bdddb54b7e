"""Emulated Pico: boots the firmware files from a littlefs flash image (run by MicroPython's unix port).

    micropython emu_main.py --image IMAGE --stage DIR [--blocks N] [--realtime] [--ctl IN,OUT] [--power-cut N]

``--image``: the flash image (created, all 0xFF + random unique ID, if missing; ``--blocks`` blocks of
4096 bytes, default 512). ``--stage``: a host directory holding ``board.py`` (the board file: pin map,
keys, display) and optionally ``manifest.json`` + ``fw/`` (firmware files to sync into the image:
``{"files": [device paths], "stale": [device paths to remove]}``, file ``P`` at ``fw/P``).
``--ctl``: control channel fds (default 3,4). fd 0/1 are the serial. ``--realtime``: wall clock.
``--power-cut N``: the power goes off at the flash operation after the first N (programs + erases,
counted from power-up): it does not happen, "power cut" goes to stderr and the process exits.

Boot loop, as on a Pico: reset the machine state, forget firmware modules, run /boot.py, then
/main.py (friendly mode only), then the REPL (``repl.run(board, mode)``; without repl.py: idle).
``machine.reset()`` restarts in friendly mode; Ctrl-D in the REPL soft-reboots.
"""

import gc
import io
import json
import os
import sys

import emu_board
import emu_control
import emu_core
import emu_flash
import emu_machine
import emu_ssd1306
import vfs

try:
    import repl
except ImportError:
    repl = None

_DEFAULT_BLOCKS = 512
_STAGE = "/_stage"


def _args(argv):
    opts = {"blocks": _DEFAULT_BLOCKS, "realtime": False, "ctl": "3,4", "image": None, "stage": None,
            "power-cut": -1}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--realtime":
            opts["realtime"] = True
        elif a in ("--image", "--stage", "--blocks", "--ctl", "--power-cut"):
            i += 1
            opts[a[2:]] = argv[i]
        else:
            raise SystemExit("emu_main: unknown argument " + a)
        i += 1
    if not opts["image"] or not opts["stage"]:
        raise SystemExit("usage: emu_main.py --image IMAGE --stage DIR [--blocks N] [--realtime]")
    opts["blocks"] = int(opts["blocks"])
    opts["power-cut"] = int(opts["power-cut"])
    return opts


def _exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _load_board(path):
    hw = {}
    exec(_read(path).decode(), hw)
    return hw


def _sync():
    """Copy the staged firmware into the image where it differs; remove stale shadowing files."""
    man = json.loads(_read(_STAGE + "/manifest.json"))
    for path in man.get("files", ()):
        data = _read(_STAGE + "/fw" + path)
        try:
            same = _read(path) == data
        except OSError:
            same = False
        if not same:
            emu_control.makedirs(path)
            with open(path, "wb") as f:
                f.write(data)
        data = None
        gc.collect()
    for path in man.get("stale", ()):
        try:
            os.remove(path)
        except OSError:
            pass


def _mount(opts):
    """Open (or create) the image and make it the root filesystem; returns (flash, board file dict)."""
    if not _exists(opts["image"]):
        emu_flash.create(opts["image"], opts["blocks"])
    flash = emu_flash.Flash(opts["image"], opts["blocks"])
    flash.power_cut_after(opts["power-cut"], error=emu_core.Quit())  # nothing catches Quit: the board stops
    vfs.mount(vfs.VfsPosix(opts["stage"]), _STAGE)
    hw = _load_board(_STAGE + "/board.py")
    vfs.umount("/")
    try:
        vfs.mount(vfs.VfsLfs2(flash, progsize=256), "/")
    except OSError:
        # rp2's _boot.py formats any flash it cannot mount; here an image that is not blank is
        # refused instead, so a wrong file given as the image loses nothing.
        if not flash.is_blank():
            msg = "error: image %s holds no littlefs filesystem (not formatting it)\n"
            sys.stderr.write(msg % opts["image"])
            sys.exit(1)
        vfs.VfsLfs2.mkfs(flash, progsize=256)
        vfs.mount(vfs.VfsLfs2(flash, progsize=256), "/")
    if _exists(_STAGE + "/manifest.json"):
        _sync()
    vfs.umount(_STAGE)
    sys.path[:] = ["", ".frozen", "/lib"]
    os.chdir("/")
    return flash, hw


def _run_file(path, board):
    """Run a script as the board does; an uncaught exception's traceback goes to the serial."""
    try:
        src = _read(path)
    except OSError:
        return
    if path == "/main.py":
        gc.collect()
        board.mem_base = gc.mem_alloc()
    try:
        code = compile(src, path[1:], "exec")
        src = None
        exec(code, {"__name__": "__main__"})
    except (emu_core.HardReset, emu_core.SoftReset, emu_core.Quit):
        raise
    except SystemExit:
        raise emu_core.SoftReset() from None
    except BaseException as e:  # noqa: B036 - a board prints any uncaught exception, incl. Ctrl-C
        _print_traceback(e)


def _print_traceback(e):
    """The traceback as a board prints it: without this file's own frame."""
    buf = io.StringIO()
    sys.print_exception(e, buf)
    for line in buf.getvalue().split("\n"):
        if line and "emu_main.py" not in line:
            print(line)


def _forget_modules(keep):
    for name in list(sys.modules):
        if name not in keep:
            del sys.modules[name]


def _idle(board):
    """Stand-in REPL until repl.py exists: consume serial input, serve the control channel."""
    while True:
        board.serial_read(None)


def main():
    opts = _args(sys.argv[1:])
    fds = opts["ctl"].split(",")
    ctl_in = open(int(fds[0]), "rb")
    ctl_out = open(int(fds[1]), "wb")
    flash, hw = _mount(opts)
    oled = emu_ssd1306.SSD1306(hw.get("DISPLAY_WIDTH", 128), hw.get("DISPLAY_HEIGHT", 64))
    board = emu_board.Board(hw, flash, oled, ctl_in, ctl_out, realtime=opts["realtime"])
    emu_machine.install(board)
    keep = set(sys.modules)
    mode = "friendly"
    try:
        while not board.quitting:
            try:
                board.reset_machine()
                _forget_modules(keep)
                gc.collect()
                _run_file("/boot.py", board)
                if mode == "friendly":
                    _run_file("/main.py", board)
                if repl is None:
                    _idle(board)
                action, mode = repl.run(board, mode)
                if action == "soft":
                    board.serial_write(b"MPY: soft reboot\r\n")
                else:
                    mode = "friendly"
            except emu_core.HardReset:
                mode = "friendly"
                board.reset_cause = emu_machine.WDT_RESET
            except emu_core.SoftReset:
                board.serial_write(b"MPY: soft reboot\r\n")
            except emu_core.Quit:
                raise
            except BaseException as e:  # noqa: B036 - a REPL failure: report it, reboot
                sys.print_exception(e)
                board.serial_read(None)  # not in a tight loop: wait for the next serial input
                board.serial_write(b"MPY: soft reboot\r\n")
    except emu_core.Quit:
        pass
    if flash.cut:
        sys.stderr.write("power cut\n")
    flash.close()


main()
