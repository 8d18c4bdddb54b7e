"""The one key-script parser (picodsc.emulator.keys): plain keys, legends, holds, chords, waits, errors."""

import pytest
from emulator_helpers import KeyRecorder
from picodsc.emulator.keys import KEY_NAMES, actions, board_keys, parse_keys, run_keys
from picodsc.errors import UsageError
from support.token import BIG, SMALL


def test_board_keys_are_functions_digits_and_legends():
    assert board_keys(BIG) == (*KEY_NAMES, "#", "*", "A", "B", "C", "D")
    assert board_keys(SMALL) == (*KEY_NAMES, "#", "*", "PWR")


def test_plain_keys_legends_and_waits():
    assert parse_keys("press 1  ok WAIT:20 del * # a", board_keys(BIG)) == [
        ("press", "PRESS"), ("press", "1"), ("press", "OK"), ("wait", 20), ("press", "DEL"),
        ("press", "*"), ("press", "#"), ("press", "A")]


def test_holds_and_chords():
    assert parse_keys("DEL+PRESS:3000 PRESS:1500 HOLD:DEL HOLD:PRESS WAIT:3000 UP:PRESS") == [
        ("hold", ("DEL", "PRESS"), 3000), ("hold", ("PRESS",), 1500), ("down", "DEL"), ("down", "PRESS"),
        ("wait", 3000), ("up", "PRESS")]


@pytest.mark.parametrize("script,message", [
    ("ENTER", "unknown key 'ENTER'; valid keys: PRESS OK DEL 0 1 2 3 4 5 6 7 8 9 # * A B C D and WAIT:<ms>"),
    ("WAIT:x", "bad time in 'WAIT:x': use milliseconds, e.g. WAIT:500"),
    ("DEL+PRESS:soon", "bad time in 'DEL+PRESS:soon'"),
    ("DEL+E:3000", "unknown key 'DEL+E:3000'"),
    ("HOLD:", "unknown key 'HOLD:'"),
    ("WAIT:99999999999", "bad time in 'WAIT:99999999999'"),
])
def test_bad_scripts_are_usage_errors(script, message):
    with pytest.raises(UsageError) as e:
        parse_keys(script, board_keys(BIG))
    assert str(e.value).startswith(message)


def test_without_a_board_names_are_only_checked_for_form():
    assert parse_keys("X") == [("press", "X")]
    with pytest.raises(UsageError, match="bad key name"):
        parse_keys("A-B")


def test_run_keys_makes_the_calls_and_lets_go_of_held_keys():
    emu = KeyRecorder()
    run_keys(emu, "DEL+PRESS:3500 OK HOLD:DEL HOLD:PRESS WAIT:3000")
    assert emu.calls == [
        ("down", "DEL"), ("press", "PRESS", 3500), ("up", "DEL"), ("press", "OK", 100),
        ("down", "DEL"), ("down", "PRESS"), ("advance", 3000), ("up", "PRESS"), ("up", "DEL")]
    emu = KeyRecorder()
    run_keys(emu, "HOLD:DEL UP:DEL HOLD:1", release=False)  # a served emulator: keys stay held
    assert emu.calls == [("down", "DEL"), ("up", "DEL"), ("down", "1")]


def test_actions_take_the_hold_time_on_the_wall_clock():
    assert actions(("hold", ("DEL", "PRESS"), 3500), pace_s=0.2) == [
        ("down", ("DEL",), 0.2), ("press", ("PRESS", 3500), 3.7), ("up", ("DEL",), 0.1)]
    assert actions(("wait", 250)) == [("advance", (250,), 0.25)]
