"""The token firmware on the emulated board (real MicroPython, the deployed .mpy bundle).

Screens are asserted as decoded text (picodsc.emulator.screen); responses against the host OCRA
reference (picodsc.ocra), never against the firmware's own engine.
"""

import json

import pytest
from support.token import (
    BIG,
    BOARDS,
    CSUITE,
    KEY20,
    KEY32,
    SMALL,
    SUITE,
    cfg_json,
    expected,
    factory_reset,
    hold_del_press,
    image_serial,
)
from support.token import screen_text as text

# Where the 8-digit response shows (one decoded line per 16-px band of x2 digits).
RESPONSE_LINE = {BIG: 3, SMALL: 1}


def keys(emu, seq):
    emu.press_keys(seq)
    return text(emu)


def serial_of(emu):
    return image_serial(emu.image)


@pytest.mark.parametrize("board", BOARDS)
def test_whole_flow_matches_host_reference(token, board):
    emu = token(board)
    assert text(emu) == "OFF"
    assert keys(emu, "PRESS") == ["PIN>"]
    assert keys(emu, "1 2 3") == ["PIN>**3"]
    assert keys(emu, "DEL") == ["PIN>**"]
    assert keys(emu, "3 4") == ["PIN>***4"]
    assert keys(emu, "OK") == ["CHALLNG>"]
    assert keys(emu, "1 2 3 4 5") == ["CHALLNG>12345"]
    assert keys(emu, "6 OK") == [""] * RESPONSE_LINE[board] + [expected("1234", "123456")]
    emu.advance(29_000)
    assert text(emu)[-1] == expected("1234", "123456")
    emu.advance(1_100)
    assert text(emu) == "OFF"
    # Next time on: a fresh, empty PIN prompt.
    assert keys(emu, "PRESS") == ["PIN>"]


def test_wrong_lengths_refused_and_extra_digits_ignored(token):
    emu = token()
    keys(emu, "PRESS 9 9 9")
    assert keys(emu, "OK") == ["PIN>**9", "", "", "", "", "", "", "NEED 4 DIGITS"]
    assert keys(emu, "8") == ["PIN>***8"]  # the hint goes with the next key
    assert keys(emu, "7 6") == ["PIN>***8"]  # beyond 4 digits: ignored
    keys(emu, "OK 0 0 0 0 0")
    assert keys(emu, "OK") == ["CHALLNG>00000", "", "", "", "", "", "", "NEED 6 DIGITS"]
    assert keys(emu, "1 2 3 OK") == [""] * 3 + [expected("9998", "000001")]


def test_idle_timeouts_at_each_prompt_and_press_turns_off(token):
    emu = token()
    keys(emu, "PRESS 1")
    emu.advance(29_000)
    assert keys(emu, "2") == ["PIN>*2"]  # a key restarts the 30 s
    emu.advance(29_000)
    assert text(emu) == ["PIN>*2"]
    emu.advance(1_000)
    assert text(emu) == "OFF"
    keys(emu, "PRESS 1 2 3 4 OK 5")
    emu.advance(29_500)
    assert text(emu) == ["CHALLNG>5"]
    emu.advance(600)
    assert text(emu) == "OFF"
    assert keys(emu, "PRESS 1") == ["PIN>1"]
    assert keys(emu, "PRESS") == "OFF"
    assert keys(emu, "PRESS") == ["PIN>"]  # the typed digit is gone


def test_counter_written_before_the_response_shows(token):
    emu = token(BIG, cfg_json(CSUITE, KEY20, counter=41))
    assert keys(emu, "PRESS 0 0 0 0 OK") == ["CHALLNG>"]
    screen = keys(emu, "1 2 3 4 5 6 7 8 OK")
    assert screen[-1] == expected("0000", "12345678", CSUITE, KEY20, counter=41)
    # Read right after OK: the flash already holds the next counter.
    assert json.loads(emu.fs_read("/dsc.cfg"))["counter"] == 42
    assert emu.fs_ls("/").count("dsc.tmp") == 0
    keys(emu, "PRESS PRESS 0 0 0 0 OK")
    screen = keys(emu, "1 2 3 4 5 6 7 8 OK")
    assert screen[-1] == expected("0000", "12345678", CSUITE, KEY20, counter=42)
    assert json.loads(emu.fs_read("/dsc.cfg"))["counter"] == 43


def test_no_wakeups_while_off_for_a_minute(token):
    emu = token()
    keys(emu, "PRESS 1 PRESS")
    emu.advance(1_000)
    emu.reset_stats()
    emu.advance(60_000)
    assert emu.stats()["wakeups"] == 0
    assert keys(emu, "PRESS") == ["PIN>"]


def test_unprovisioned_shows_serial_and_opens_the_repl(token):
    emu = token(BIG, None)
    assert keys(emu, "PRESS") == ["NOT PROVISIONED", serial_of(emu)]
    emu.serial_write(b"\x03")
    emu.advance(100)
    emu.read_serial_until(b">>> ")
    # The host's provisioning API is there; a reset then boots the provisioned token.
    emu.fs_write("/dsc.cfg", cfg_json())
    emu.serial_write(b"import machine; machine.reset()\r")
    emu.advance(500)
    assert keys(emu, "PRESS") == ["PIN>"]


def test_provisioned_token_ignores_ctrl_c(token):
    emu = token()
    keys(emu, "PRESS 1")
    emu.serial_write(b"\x03\x03\r\n")
    emu.advance(500)
    assert b">>>" not in emu.serial_output()
    assert keys(emu, "2") == ["PIN>*2"]


def test_corrupt_configuration_is_locked(token):
    emu = token(BIG, '{"v": 1, "suite": "' + SUITE + '", "key": "0102"}')
    assert keys(emu, "PRESS") == ["CONFIG ERROR", "bad key length", "HOLD DEL+PRESS", "3S TO WIPE"]
    emu.serial_write(b"\x03\x03")
    emu.advance(500)
    assert b">>>" not in emu.serial_output()
    assert text(emu)[0] == "CONFIG ERROR"


def test_factory_reset_wipes_and_unlocks(token):
    emu = token()
    hold_del_press(emu, 1_000)  # too short: nothing happens
    assert text(emu) == "OFF"
    assert "dsc.cfg" in emu.fs_ls("/")
    hold_del_press(emu)
    assert text(emu) == ["WIPE? OK", "OTHER KEY: NO"]
    assert keys(emu, "1") == "OFF"  # any other key cancels
    assert "dsc.cfg" in emu.fs_ls("/")
    factory_reset(emu)
    assert text(emu) == ["NOT PROVISIONED", serial_of(emu)]
    assert "dsc.cfg" not in emu.fs_ls("/")
    assert KEY32.hex().encode() not in emu.image.read_bytes()  # nowhere on the raw flash
    emu.serial_write(b"\x03")
    emu.advance(100)
    emu.read_serial_until(b">>> ")


def test_factory_reset_of_a_corrupt_configuration_on_the_3x4_board(token):
    emu = token(SMALL, "not json")
    assert keys(emu, "PRESS") == ["CONFIG ERROR", "bad json", "HOLD DEL+PRESS", "3S TO WIPE"]
    factory_reset(emu)
    assert text(emu) == ["NOT PROVISIONED", serial_of(emu)]


def test_whole_flow_and_factory_reset_in_a_64k_heap(token):
    emu = token(BIG, cfg_json(CSUITE, KEY20, counter=0), heapsize="64k")
    keys(emu, "PRESS 4 3 2 1 OK")
    assert keys(emu, "9 8 7 6 5 4 3 2 OK")[-1] == expected("4321", "98765432", CSUITE, KEY20, counter=0)
    assert emu.stats()["mem_alloc"] <= 40 * 1024  # bench_firmware prints the figure (goal 32 KB)
    factory_reset(emu)
    assert text(emu) == ["NOT PROVISIONED", serial_of(emu)]


def test_suite_without_pin_goes_straight_to_the_challenge(token):
    suite = "OCRA-1:HOTP-SHA1-6:QN08"
    emu = token(SMALL, cfg_json(suite, KEY20))
    assert keys(emu, "PRESS") == ["CHALLNG>"]
    assert keys(emu, "0 0 0 0 0 0 0 0 OK") == ["", expected(None, "00000000", suite, KEY20)]
