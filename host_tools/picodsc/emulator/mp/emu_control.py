"""The control protocol the harness speaks to the board, one line per command, one reply line each
(``ok ...`` or ``err ...``); see docs/DESIGN.md (runs inside MicroPython).

Time commands (``press KEY [MS]``, ``down KEY``, ``up KEY``, ``advance MS``) let the firmware run on
and are answered when it got there; the others (``screen``, ``stats``, ``reset_stats``, ``fs_read``,
``fs_write``, ``fs_remove``, ``fs_ls``, ``quit``) are answered at once.
"""

import binascii
import errno
import json
import os

from emu_core import Quit

# littlefs errors by number (errno has no ENOTEMPTY/ENOSPC names in MicroPython)
_FS_ERRORS = {2: "no such file or directory", 17: "file exists", 21: "is a directory",
              20: "not a directory", 28: "no space left on device", 39: "directory not empty"}


def makedirs(path):
    """Create the directories above the file ``path``."""
    parts = path.split("/")[1:-1]
    d = ""
    for p in parts:
        d += "/" + p
        try:
            os.mkdir(d)
        except OSError as e:
            if e.args[0] != errno.EEXIST:
                raise


class Control:
    def __init__(self, board):
        self.board = board
        self._screen = bytearray(board.oled.width * board.oled.height // 8)

    def command(self, line):
        b = self.board
        reply = b.serial.reply
        parts = line.split(" ", 2)
        cmd = parts[0]
        try:
            if cmd in ("press", "down", "up", "advance"):
                self._time_command(cmd, parts)
                return
            if cmd == "screen":
                o = b.oled
                o.render(self._screen)
                reply("ok %d %d %d %d %s" % (o.width, o.height, o.display_on, o.invert,
                                             binascii.hexlify(self._screen).decode()))
            elif cmd == "stats":
                reply("ok " + json.dumps(b.stats()))
            elif cmd == "reset_stats":
                b.reset_stats()
                reply("ok")
            elif cmd == "fs_read":
                with open(parts[1], "rb") as f:
                    reply("ok " + binascii.hexlify(f.read()).decode())
            elif cmd == "fs_write":
                data = binascii.unhexlify(parts[2] if len(parts) > 2 else "")
                makedirs(parts[1])
                with open(parts[1], "wb") as f:
                    f.write(data)
                reply("ok")
            elif cmd == "fs_remove":
                os.remove(parts[1])
                reply("ok")
            elif cmd == "fs_ls":
                path = parts[1] if len(parts) > 1 else "/"
                names = [e[0] + ("/" if e[1] & 0x4000 else "") for e in os.ilistdir(path)]
                reply("ok " + json.dumps(sorted(names)))
            elif cmd == "quit":
                reply("ok")
                b.serial.quitting = True
                raise Quit()
            else:
                reply("err unknown command " + cmd)
        except OSError as e:
            code = e.args[0] if e.args else 0
            what = _FS_ERRORS.get(code) or "error %s" % code
            reply("err %s: %s" % (what, parts[1] if len(parts) > 1 else ""))
        except (ValueError, IndexError, TypeError) as e:
            reply("err bad command %s: %s" % (cmd, e))
        except Exception as e:  # never let a control command break the firmware's run
            reply("err %s failed: %s" % (cmd, type(e).__name__))

    def _time_command(self, cmd, parts):
        b = self.board
        keys = b.keys
        clock = b.clock
        legend = None
        if cmd != "advance":
            if len(parts) < 2:
                raise ValueError("missing key")
            legend = keys.legend(parts[1])
            if legend is None:
                b.serial.reply("err unknown key %s; valid keys: %s" % (parts[1], " ".join(keys.names())))
                return
        now = clock.now_us()
        while clock.run_next(now):  # realtime: a release that is due happens before this press
            pass
        if cmd == "press":
            hold = int(parts[2]) if len(parts) > 2 else 100
            keys.down(legend)
            clock.schedule(now + hold * 1000, keys.up, legend, True)
            run = (hold + 200) * 1000
        elif cmd == "down":
            keys.down(legend)
            run = 50000
        elif cmd == "up":
            keys.up(legend)
            run = 50000
        else:
            run = int(parts[1]) * 1000
            if run < 0:
                raise ValueError("negative time")
        if clock.realtime:
            b.serial.reply("ok")
            return
        clock.run_for(run)
