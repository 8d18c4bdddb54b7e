"""Hostile keypads: random key presses, holds, chords (with matrix ghosting) and clock jumps.

A Hypothesis RuleBasedStateMachine drives ONE emulator process (real firmware, provisioned) for all
its examples and keeps a model of the token (TokenModel: the flow of dsc.app at the level of
debounced key events, the keypad matrix electrically: keys joined through pressed switches read as
pressed). After every step the decoded screen must equal the model's screen and be one of the
documented screens; a response on screen equals the host reference picodsc.ocra for the PIN and
challenge the model says were typed; the serial never shows a REPL or a traceback; the firmware
never resets (a reset would show as an unexpected screen). Timing the model cannot decide (a
timeout within 100 ms of a key event or of the screen read) is avoided by waiting a little first.

`make test` runs a few hundred sequences, `make test-long` (HYPOTHESIS_PROFILE=long) 10,000 per board.
"""

import copy
import os
import re
import shutil
import time

import pytest
from hypothesis import assume, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from picodsc import bundle
from picodsc.emulator.harness import Emulator
from picodsc.emulator.screen import Screen
from support.token import CSUITE, KEY20, KEY32, SUITE, cfg_json, image_serial, provisioned_image, response

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
SEQUENCES = int(os.environ.get("PICODSC_SEQUENCES", 10_000 if LONG else 150))
STEPS = 20  # steps per sequence (at most)

MARGIN = 100  # ms: a timeout this close to a key event or the screen read is left undecided
MAX_HEAP = 48 * 1024  # the firmware's live heap when off (64-bit unix port; bench_firmware has the figure)
TICKS_PERIOD = 1 << 30  # time.ticks_ms() wraps here on rp2 (and in the emulator)
SCAN = 10  # ms between keypad scans
DETECT = 25  # ms from a key's change to its debounced event (3 scans of 10 ms)

OFF, PIN, CHALLENGE, RESPONSE, UNPROVISIONED, WIPE_HOLD, WIPE_CONFIRM = (
    "OFF", "PIN", "CHALLENGE", "RESPONSE", "UNPROVISIONED", "WIPE_HOLD", "WIPE_CONFIRM")


class Ambiguous(Exception):
    """The model cannot tell which of two timed things the firmware does first."""


class Board:
    """Key layout and screen size from a boards/<name>.py file (plain constants)."""

    def __init__(self, name):
        ns = {}
        exec(bundle.board_path(name).read_text(), ns)
        self.name = name
        self.matrix = ns["KEYMAP"]
        self.direct = tuple(sorted(ns["DIRECT_KEYS"]))
        self.legends = [ch for row in self.matrix for ch in row] + list(self.direct)  # scan order
        by_legend = {legend: fn for fn, legend in ns["KEYS"].items()}
        self.names = {leg: by_legend.get(leg, leg) for leg in self.legends}  # what scan() reports
        self.legend_of = {fn: leg for leg, fn in self.names.items()}
        self.lines = ns["DISPLAY_HEIGHT"] // 8

    def effective(self, pressed):
        """Keys that read as pressed: a matrix key reads pressed when its row and column are joined
        through pressed switches (ghosting); a direct key when pressed."""
        rows = len(self.matrix)
        parent = list(range(rows + len(self.matrix[0])))

        def find(i):
            while parent[i] != i:
                i = parent[i]
            return i

        for r, row in enumerate(self.matrix):
            for c, leg in enumerate(row):
                if leg in pressed:
                    parent[find(rows + c)] = find(r)
        out = [leg for r, row in enumerate(self.matrix) for c, leg in enumerate(row)
               if find(r) == find(rows + c)]
        return out + [leg for leg in self.direct if leg in pressed]


class TokenModel:
    """dsc.app.Token as seen from outside, at the level of debounced key events (times in ms)."""

    def __init__(self, board, suite, key, counter):
        self.board = board
        self.suite = suite
        self.key = key
        self.counter = counter  # None: no C in the suite
        self.qlen = int(re.search(r"QN(\d\d)", suite).group(1))
        self.provisioned = True
        self.state = OFF
        self.now = 0
        self.since = 0
        self.pressed = set()  # physically down (legends)
        self.stable = []  # debounced down, as the firmware sees them
        self.pin, self.challenge = "", ""
        self.visible = False  # the last PIN digit is readable
        self.hint = False
        self.typed_pin = None
        self.response = None
        self.responses = 0
        self.busy_until = 0  # key events still being reported until then

    # -- time --------------------------------------------------------------------------------------
    def _deadline(self):
        if self.state == OFF:
            return None
        return self.since + (3_000 if self.state == WIPE_HOLD else 30_000)

    def until(self, t):
        """Let time pass to ``t`` (something happens at t: a key event or a screen read)."""
        if t < self.busy_until:
            raise Ambiguous()  # keys still being reported one per scan
        while True:
            d = self._deadline()
            if d is None:
                break
            if abs(d - t) < MARGIN:
                raise Ambiguous()
            if d > t:
                break
            self.now = d
            if self.state == WIPE_HOLD:
                self.state = WIPE_CONFIRM
                self.since = d
            else:
                self._power_off()
        self.now = max(self.now, t)

    # -- keys --------------------------------------------------------------------------------------
    @property
    def locked(self):
        return self.provisioned

    def _asleep(self):
        # OFF with no key down: a locked token sleeps until the power key's IRQ, scanning nothing.
        return self.state == OFF and self.locked and not self.stable

    def change(self, t, legend, down):
        """Physical change at ``t``; its debounced effect DETECT ms later."""
        self.until(t + DETECT)
        if down:
            self.pressed.add(legend)
        else:
            self.pressed.discard(legend)
        eff = self.board.effective(self.pressed)
        if self._asleep() and self.board.legend_of["PRESS"] not in eff:
            return  # nothing scans: the key goes unseen
        self._debounced(eff)  # (woken from sleep: stable was empty, every key down is a new press)

    def glitch(self, t, legend):
        """A press too short to debounce: never an event, but the power key's IRQ has no debounce:
        if the power key reads pressed meanwhile (itself or a ghost), a sleeping token wakes and
        its scans pick up the keys held."""
        if self._asleep() and self.board.legend_of["PRESS"] in self.board.effective(self.pressed | {legend}):
            self.until(t + DETECT)
            self._debounced(self.board.effective(self.pressed))

    def _debounced(self, eff):
        new = [k for k in eff if k not in self.stable]
        self.stable = eff
        t = self.now
        for i, leg in enumerate(new):  # scan() reports one per scan (10 ms), in scan order
            self.until(t + SCAN * i)
            self._step(self.board.names[leg])
        self._step(None)
        self.busy_until = t + SCAN * max(len(new) - 1, 0) + SCAN  # the last one surely handled

    def _down(self, name):
        leg = self.board.legend_of.get(name)
        return leg in self.stable

    def _step(self, key):
        if key is not None:
            self.since = self.now
            if key == "PRESS":
                if self._down("DEL"):
                    self._power_off()
                    self.state = WIPE_HOLD
                elif self.state == OFF:
                    self._power_on()
                else:
                    self._power_off()
                key = None
        s = self.state
        if s in (PIN, CHALLENGE) and key is not None:
            self._entry_key(key)
        elif s == WIPE_HOLD and not (self._down("PRESS") and self._down("DEL")):
            self.state = OFF
        elif s == WIPE_CONFIRM and key is not None:
            if key == "OK":
                self.provisioned = False
                self.pin = self.challenge = ""
                self.state = UNPROVISIONED
            else:
                self._power_off()

    def _power_on(self):
        if self.provisioned:
            self.pin, self.visible, self.hint = "", False, False
            self.state = PIN
        else:
            self.state = UNPROVISIONED

    def _power_off(self):
        self.pin = self.challenge = ""
        self.visible = self.hint = False
        self.state = OFF

    def _entry_key(self, key):
        self.hint = False
        pin = self.state == PIN
        text = self.pin if pin else self.challenge
        length = 4 if pin else self.qlen
        if key == "DEL":
            if text:
                text = text[:-1]
                self.visible = False
        elif key == "OK":
            if len(text) == length:
                if pin:
                    self.typed_pin = self.pin
                    self.challenge, self.hint = "", False
                    self.state = CHALLENGE
                else:
                    self._respond()
                return
            self.hint = True
        elif key.isdigit() and len(key) == 1:
            if len(text) < length:
                text += key
                self.visible = True
        if pin:
            self.pin = text
        else:
            self.challenge = text

    def _respond(self):
        self.response = response(self.challenge, self.typed_pin, self.suite, self.key, self.counter)
        if self.counter is not None:
            self.counter += 1
        self.responses += 1
        self.pin = self.challenge = ""
        self.state = RESPONSE

    # -- the screen --------------------------------------------------------------------------------
    def screen(self, serial):
        """Decoded text lines the panel must show ("OFF" when dark)."""
        s = self.state
        if s in (OFF, WIPE_HOLD):
            return "OFF"
        if s in (PIN, CHALLENGE):
            if s == PIN:
                p = self.pin
                line = "PIN>" + ("*" * (len(p) - 1) + p[-1] if p and self.visible else "*" * len(p))
            else:
                line = "CHALLNG>" + self.challenge
            lines = [line]
            if self.hint:
                n = 4 if s == PIN else self.qlen
                lines += [""] * (self.board.lines - 2) + ["NEED %d DIGITS" % n]
            return lines
        if s == RESPONSE:
            r = self.response
            return [""] * ((self.board.lines - 2) // 2) + [r[:4] + " " + r[4:]]
        if s == UNPROVISIONED:
            return ["NOT PROVISIONED", serial]
        return ["WIPE? OK", "OTHER KEY: NO"]


_DOCUMENTED = [
    re.compile(p)
    for p in (
        r"OFF",
        r"PIN>\**\d?(\n)*(\nNEED 4 DIGITS)?",
        r"CHALLNG>\d*(\n)*(\nNEED \d DIGITS)?",
        r"(\n)*\d{4} \d{4}",
        r"NOT PROVISIONED\n[0-9A-F]{16}",
        r"CONFIG ERROR\n.*\nHOLD DEL\+PRESS\n3S TO WIPE",
        r"WIPE\? OK\nOTHER KEY: NO",
        r"WIPING\.\.\.",
    )
]


def documented(lines):
    text = lines if isinstance(lines, str) else "\n".join(lines)
    return any(p.fullmatch(text) for p in _DOCUMENTED)


class World:
    """One emulator process shared by all examples of a run, and what persists in it."""

    def __init__(self, tmp_path, board, suite, key, counter):
        self.board = Board(board)
        self.suite, self.key, self.initial_counter = suite, key, counter
        self.pristine = tmp_path / "pristine.img"
        self.image = tmp_path / "token.img"
        provisioned_image(self.pristine, board, cfg_json(suite, key, counter), blocks=64)
        self.emu = None
        self.dirty = True
        self.restarts = 0
        self.sequences = self.steps = self.responses = self.wipes = self.max_mem = 0
        self._texts = {}

    def fresh(self):
        """Start (again) from the pristine provisioned image: after a wipe or a failed example."""
        self.close()
        shutil.copy(self.pristine, self.image)
        self.emu = Emulator(self.image, board=self.board.name, sync=False).start()
        # start() returns at the firmware's first sleep, which may still be in the display's
        # set-up: let the boot finish so the token is off and asleep, as the model starts.
        self.emu.advance(1_000)
        self.counter = self.initial_counter
        self.serial = image_serial(self.image)
        self.restarts += 1

    def close(self):
        if self.emu is not None:
            self.emu.close()
            self.emu = None

    def text(self):
        """Decoded screen ("OFF" when dark), cached by the raw controller reply."""
        reply = self.emu.screen_wire()  # DESIGN.md: "W H ON INVERT HEX"
        if reply not in self._texts:
            s = Screen.from_wire(reply)
            self._texts[reply] = s.text() if s.on else "OFF"
        return self._texts[reply]


def _weighted(*choices):
    """One of the strategies, drawn with the given weights: [(weight, strategy), ...]."""
    table = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.integers(0, len(table) - 1).flatmap(lambda i: table[i])


# Virtual time costs real time (the emulator scans the keypad every 10 ms while the token is on, slower
# with a key held): long holds and the >= 30 s waits that reach the timeouts are the rarer draws.
_HOLD = _weighted((2, st.integers(1, 15)), (15, st.integers(50, 300)), (2, st.integers(300, 1_500)),
                  (1, st.integers(1_500, 4_500)))
_WAIT = _weighted((8, st.integers(0, 2_000)), (1, st.integers(2_000, 10_000)),
                  (1, st.integers(30_000, 35_000)))
_RARE = _weighted((4, st.just(False)), (1, st.just(True)))


def _tap(leg):
    """A quick keystroke: down, 50 ms, up, 50 ms (a `press` command runs 200 ms more)."""
    return [("down", leg), ("up", leg)]


class HostileKeypad(RuleBasedStateMachine):
    world = None  # set by the test

    def __init__(self):
        super().__init__()
        w = self.world
        if w.dirty or w.emu is None or not w.emu.running:
            w.fresh()
        w.dirty = True  # until this example's teardown has checked the token is back off
        self.model = TokenModel(w.board, w.suite, w.key, w.counter)
        self.serial_mark = len(w.emu.serial_output())
        self.healthy = True  # no step failed (else teardown leaves the token to a fresh start)
        w.sequences += 1

    # -- sending commands the model can follow ------------------------------------------------------
    def _do(self, commands):
        """Apply ``commands`` to a copy of the model first; if its timing is ambiguous, wait a
        little before them (if that does not help either, the example is dropped: rare). Then
        send them and keep the copy."""
        self.healthy = False
        for pad in (0, 150, 300, 450):
            m = copy.deepcopy(self.model, {id(self.model.board): self.model.board})
            sent = []
            try:
                if pad:
                    sent += self._model_cmd(m, ("advance", pad))
                for c in commands:
                    sent += self._model_cmd(m, c)
            except Ambiguous:
                continue
            emu = self.world.emu
            for c in sent:
                if c[0] == "press":
                    emu.press(c[1], c[2])
                elif c[0] == "down":
                    emu.down(c[1])
                elif c[0] == "up":
                    emu.up(c[1])
                else:
                    emu.advance(c[1])
            self.world.steps += 1
            self.model = m
            self.healthy = True
            return
        assume(False)

    @staticmethod
    def _model_cmd(m, c):
        """Apply one command to model ``m``; returns the emulator commands to send for it."""
        t0 = m.now
        if c[0] == "press":
            _, leg, hold = c
            if leg in m.pressed:  # already held: the press only releases it after `hold`
                m.change(t0 + hold, leg, False)
            elif hold >= 40:
                m.change(t0, leg, True)
                m.change(t0 + hold, leg, False)
            elif hold > 20:
                raise Ambiguous()
            else:  # shorter than 3 equal scans: no key event (debounce)
                m.glitch(t0, leg)
            m.until(t0 + hold + 200)
        elif c[0] in ("down", "up"):
            m.change(t0, c[1], c[0] == "down")
            # Many keys at once (ghosts) are reported one per scan: wait until the last one is.
            extra = -(-max(0, m.busy_until - (t0 + 50)) // SCAN) * SCAN
            m.until(t0 + 50 + extra)
            if extra:
                return [c, ("advance", extra)]
        else:
            m.until(t0 + c[1])
        return [c]

    # -- rules -------------------------------------------------------------------------------------
    @rule(data=st.data(), hold=_HOLD)
    def tap(self, data, hold):
        leg = data.draw(st.sampled_from(self.world.board.legends), label="key")
        self._do([("press", leg, hold)])

    @rule(data=st.data())
    def type_digits(self, data):
        # Mostly complete entries, so the flow reaches responses often.
        digits = data.draw(st.text("0123456789", min_size=1, max_size=9), label="digits")
        ok = data.draw(st.booleans(), label="ok")
        cmds = [c for d in digits for c in _tap(d)]
        if ok:
            cmds += _tap(self.world.board.legend_of["OK"])
        self._do(cmds)

    @rule(data=st.data())
    def enter_codes(self, data):
        # The whole flow (power on if off, PIN, OK, challenge, OK), wherever the token happens to be.
        m = self.model
        pin = data.draw(st.text("0123456789", min_size=4, max_size=4), label="pin")
        challenge = data.draw(st.text("0123456789", min_size=m.qlen, max_size=m.qlen), label="challenge")
        b = self.world.board
        ok = _tap(b.legend_of["OK"])
        cmds = _tap(b.legend_of["PRESS"]) if m.state == OFF else []
        cmds += [c for d in pin for c in _tap(d)] + ok + [c for d in challenge for c in _tap(d)] + ok
        self._do(cmds)

    @rule(hold=_weighted((3, st.integers(50, 2_800)), (1, st.integers(3_200, 4_000))),
          confirm=_weighted((9, st.just(False)), (1, st.just(True))))
    def del_press_hold(self, hold, confirm):
        b = self.world.board
        dl, pw = b.legend_of["DEL"], b.legend_of["PRESS"]
        cmds = [("down", dl), ("press", pw, hold), ("up", dl)]
        if confirm:
            cmds.append(("press", b.legend_of["OK"], 100))
        self._do(cmds)

    @rule(data=st.data())
    def chord(self, data):
        legs = self.world.board.legends
        held = data.draw(st.sampled_from(legs), label="held")
        key = data.draw(st.sampled_from([k for k in legs if k != held]), label="key")
        hold = data.draw(_HOLD, label="hold")
        self._do([("down", held), ("press", key, hold), ("up", held)])

    @precondition(lambda self: len(self.model.pressed) < 4)
    @rule(data=st.data(), hold=_RARE)
    def hold_down(self, data, hold):
        legs = [k for k in self.world.board.legends if k not in self.model.pressed]
        leg = data.draw(st.sampled_from(legs), label="key")
        # Mostly a plain press: keys left held slow the emulator's scanning down 8x.
        self._do([("down", leg)] if hold else _tap(leg))

    @precondition(lambda self: self.model.pressed)
    @rule(data=st.data())
    def release(self, data):
        self._do([("up", data.draw(st.sampled_from(sorted(self.model.pressed)), label="key"))])

    @rule(ms=_WAIT)
    def wait(self, ms):
        self._do([("advance", ms)])

    @precondition(lambda self: self.model._asleep() and not self.model.pressed)
    @rule(before=st.integers(0, 60_000))
    def near_tick_wrap(self, before):
        # Jump to `before` ms ahead of the ticks_ms() wrap (rp2: 2**30 ms): what follows crosses it.
        # Instant while the token sleeps (nothing scans).
        now = self.world.emu.stats()["now_ms"]
        self._do([("advance", (before - now - 1) % TICKS_PERIOD + 1)])

    # -- checks ------------------------------------------------------------------------------------
    @invariant()
    def screen_matches_model(self):
        self.healthy = False
        w = self.world
        got = w.text()
        assert documented(got), got
        if isinstance(got, list) and got and re.fullmatch(r"\d{4} \d{4}", got[-1]):
            # A response only after the whole flow, and the one the host computes for what was typed.
            assert self.model.state == RESPONSE, got
        assert got == self.model.screen(w.serial)
        out = w.emu.serial_output()[self.serial_mark:]
        for bad in (b">>>", b"raw REPL", b"Traceback"):
            assert bad not in out, out[-500:]
        self.healthy = True

    def teardown(self):
        w = self.world
        if not self.healthy or w.emu is None or not w.emu.running:
            return
        try:
            b = w.board
            cmds = [("up", k) for k in sorted(self.model.pressed)]
            m = copy.deepcopy(self.model)
            for c in cmds:
                self._model_cmd(m, c)
            if m.state != OFF:
                cmds.append(("press", b.legend_of["PRESS"], 100))
            self._do(cmds)
            self.screen_matches_model()
            assert self.model.state == OFF
            mem = w.emu.stats()["mem_alloc"]  # what the firmware holds: no leak across sequences
            w.max_mem = max(w.max_mem, mem)
            assert mem <= MAX_HEAP, mem
        except BaseException:
            return  # dirty: the next example starts from a fresh image
        w.counter = self.model.counter
        w.responses += self.model.responses
        w.wipes += not self.model.provisioned
        w.dirty = not self.model.provisioned  # a wipe happened: start again from the pristine image


CASES = [
    ("pico_4x4_128x64", SUITE, KEY32, None),
    ("pico_3x4_128x32", CSUITE, KEY20, 41),
]


@pytest.mark.parametrize("board, suite, key, counter", CASES, ids=["4x4-pin-suite", "3x4-counter-suite"])
def test_hostile_keypad(tmp_path, board, suite, key, counter):
    world = World(tmp_path, board, suite, key, counter)
    machine = type("Machine", (HostileKeypad,), {"world": world})
    t = time.perf_counter()
    try:
        run_state_machine_as_test(
            machine, settings=settings(max_examples=SEQUENCES, stateful_step_count=STEPS, deadline=None)
        )
    finally:
        world.close()
    dt = time.perf_counter() - t
    print(f"\n{board} {suite}: {world.sequences} sequences, {world.steps} steps in {dt:.1f} s = "
          f"{world.sequences / dt:.1f} sequences/s; {world.responses} responses, {world.wipes} wipes, "
          f"{world.restarts} emulator starts; firmware heap at most {world.max_mem} bytes")


def test_model_ghosting_matches_the_matrix():
    b = Board("pico_4x4_128x64")
    assert b.effective({"1", "2"}) == ["1", "2"]  # two keys: no ghost
    # 1 (r0 c0), 2 (r0 c1), 4 (r1 c0): row 1 reaches column 1 through them: 5 (r1 c1) reads pressed.
    assert b.effective({"1", "2", "4"}) == ["1", "2", "4", "5"]
    s = Board("pico_3x4_128x32")
    assert s.effective({"PWR", "1"}) == ["1", "PWR"]
