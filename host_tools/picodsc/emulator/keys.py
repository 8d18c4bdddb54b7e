"""Key scripts: the one parser (``--keys``, the control socket, ``Emulator.press_keys``) and its runner.

A script is words separated by spaces:

    PRESS OK DEL 0..9    a key by its function or digit, pressed for 100 ms
    * # A B C D PWR      a key by the legend printed on the board (the board decides which exist)
    KEY:<ms>             a key held for <ms> ms, e.g. ``PRESS:1500``
    K1+K2:<ms>           a chord: K1 goes down, then K2 for <ms> ms, then K1 up (factory reset:
                         ``DEL+PRESS:3500``)
    HOLD:KEY  UP:KEY     a key down until UP:KEY (held keys are let go at the end of the script)
    WAIT:<ms>            let <ms> ms pass (virtual time; wall time in realtime mode)

Steps: ``("press", key)``, ``("hold", (k1, k2, ...), ms)``, ``("down", key)``, ``("up", key)``,
``("wait", ms)``. Names are upper-cased; a board's legends are checked with :func:`board_keys`.
"""

import ast
import time
from typing import Any

from ..errors import UsageError

FUNCTIONS = ("PRESS", "OK", "DEL")
KEY_NAMES = FUNCTIONS + tuple("0123456789")
MAX_MS = 24 * 3600 * 1000
PRESS_MS = 100  # how long a plain key press holds the key
PACE_S = 0.3  # realtime: wall time per plain key press
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789*#_")


def board_keys(board: str) -> tuple[str, ...]:
    """Every key name of ``board`` (a board name or ``.py`` path): functions, digits, then legends."""
    from .. import bundle

    path = bundle.board_path(board)
    consts = {}
    try:
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                try:
                    consts[node.targets[0].id] = ast.literal_eval(node.value)
                except ValueError:
                    pass
    except (OSError, SyntaxError) as e:
        raise UsageError(f"cannot read board file {path}: {e}") from None
    legends = [c for row in consts.get("KEYMAP", ()) for c in row] + list(consts.get("DIRECT_KEYS", {}))
    extra = sorted((k for k in legends if k not in KEY_NAMES), key=lambda k: (len(k), k))
    return tuple(k for k in KEY_NAMES if k in legends or k in consts.get("KEYS", {})) + tuple(extra)


def _ms(word, text):
    if not text.isdigit() or int(text) > MAX_MS:
        raise UsageError(f"bad time in {word!r}: use milliseconds, e.g. WAIT:500")
    return int(text)


def _name(word, name, valid):
    if valid is not None and name not in valid:
        raise UsageError(f"unknown key {word!r}; valid keys: {' '.join(valid)} and WAIT:<ms> "
                         "(KEY:<ms> holds a key, K1+K2:<ms> a chord, HOLD:KEY ... UP:KEY)")
    if not name or not set(name) <= _NAME_CHARS:
        raise UsageError(f"bad key name {word!r}")
    return name


def parse_keys(script: str, valid: tuple[str, ...] | None = None) -> list[tuple]:
    """``"PRESS 1 DEL+PRESS:3500 WAIT:200"`` -> steps (module docstring). ``valid``: the allowed key
    names (default: any well-formed name; the emulated board refuses the ones it does not have)."""
    steps = []
    for word in script.split():
        name = word.upper()
        head, sep, tail = name.partition(":")
        if head == "WAIT" and sep:
            steps.append(("wait", _ms(word, tail)))
        elif head in ("HOLD", "UP") and sep:
            steps.append(("down" if head == "HOLD" else "up", _name(word, tail, valid)))
        elif sep or "+" in head:
            chord = tuple(_name(word, k, valid) for k in head.split("+"))
            steps.append(("hold", chord, _ms(word, tail) if sep else PRESS_MS))
        else:
            steps.append(("press", _name(word, name, valid)))
    return steps


def actions(step: tuple, pace_s: float = PACE_S) -> list[tuple[str, tuple, float]]:
    """One step as the calls it makes: ``[(method, args, wall seconds it takes in realtime)]``."""
    kind = step[0]
    if kind == "hold":
        *first, last = step[1]
        return ([("down", (k,), pace_s) for k in first]
                + [("press", (last, step[2]), step[2] / 1000 + pace_s)]
                + [("up", (k,), pace_s / 2) for k in reversed(first)])
    if kind == "wait":
        return [("advance", (step[1],), step[1] / 1000)]
    return [(kind, (step[1],), pace_s if kind == "press" else pace_s / 2)]


def run_keys(emu: Any, steps: str | list[tuple], pace: bool = False, release: bool = True) -> None:
    """Run a script (text or :func:`parse_keys` steps) on ``emu`` (its ``press(key, ms)``, ``down``,
    ``up``, ``advance``). ``pace``: realtime, so take the keys' time on the wall clock. ``release``:
    let go of keys still held (``HOLD:``) at the end."""
    held = []
    for step in parse_keys(steps) if isinstance(steps, str) else steps:
        if step[0] == "down":
            held.append(step[1])
        elif step[0] == "up" and step[1] in held:
            held.remove(step[1])
        for method, args, seconds in actions(step):
            getattr(emu, method)(*args)
            if pace:
                time.sleep(seconds)
    if release:
        for k in reversed(held):
            emu.up(k)

