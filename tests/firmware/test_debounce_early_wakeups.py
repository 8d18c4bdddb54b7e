"""Bouncing contacts under random early wakeups never type a digit twice or lose one (issue 9).

lightsleep(ms) on rp2 ends early at any interrupt, so the time between two keypad scans is anything
from microseconds to the full 10 ms. dsc.keypad debounces in milliseconds (a key must read the same
for DEBOUNCE_MS), so the typed digits depend only on the contacts, not on how the sleeps turn out.
Hypothesis draws the emulator's early-wakeup seed and rate, and for every key a contact that chatters
on press and on release (bursts shorter than DEBOUNCE_MS, as switch bounce is) around a steady hold.
The typed challenge must show exactly, and the response must be the host reference's for it.
"""

import os

from hypothesis import given, settings
from hypothesis import strategies as st
from support.token import PIN, expected
from support.token import screen_text as text

DEBOUNCE_MS = 20  # dsc.keypad.DEBOUNCE_MS
STEADY = st.integers(45, 150)  # ms: a steady press or gap (>= DEBOUNCE_MS + two 10-ms scans + margin)
EXAMPLES = 400 if os.environ.get("HYPOTHESIS_PROFILE") == "long" else 25


@st.composite
def chatter(draw):
    """Alternating pulses (ms) of the contact's other / own state, a burst shorter than DEBOUNCE_MS."""
    pulses = draw(st.lists(st.integers(1, 4), max_size=6))
    while sum(pulses) >= DEBOUNCE_MS:
        pulses.pop()
    return pulses


KEYSTROKE = st.tuples(chatter(), STEADY, chatter(), STEADY)  # press bounce, hold, release bounce, gap


def type_key(emu, key, stroke):
    press_bounce, hold, release_bounce, gap = stroke
    down = True
    for ms in press_bounce:  # closes, opens, closes, ... then stays closed
        (emu.down if down else emu.up)(key, ms)
        down = not down
    emu.down(key, hold)
    up = True
    for ms in release_bounce:
        (emu.up if up else emu.down)(key, ms)
        up = not up
    emu.up(key, gap)


def test_bouncing_keys_under_random_early_wakeups(token):
    emu = token()  # the test token: default suite (QN06), support.token.PIN
    emu.advance(1_000)

    @settings(max_examples=EXAMPLES, deadline=None)
    @given(seed=st.integers(0, 2**32 - 1), percent=st.integers(10, 95),
           digits=st.text("0123456789", min_size=6, max_size=6),
           strokes=st.lists(KEYSTROKE, min_size=6, max_size=6))
    def typed_exactly(seed, percent, digits, strokes):
        emu.wakeups(seed, percent)
        emu.press_keys("PRESS " + " ".join(PIN) + " OK")
        assert text(emu) == ["CHALLNG>"]
        for d, stroke in zip(digits, strokes, strict=True):
            type_key(emu, d, stroke)
        assert text(emu) == ["CHALLNG>" + digits]
        emu.press("OK")
        assert text(emu) == ["", "", "", expected(PIN, digits)]
        emu.press("PRESS")
        assert text(emu) == "OFF"

    typed_exactly()
