"""The library raises domain errors that carry data; only cli/ turns them into exit codes."""

import re
from pathlib import Path

import picodsc
import pytest
from picodsc import errors
from picodsc.bundle import board_path
from picodsc.cli.errors import EXIT_REFUSED, EXIT_USAGE, exit_code_for
from picodsc.ocra import OcraError, parse_suite
from picodsc.provision import check_request
from picodsc.registry import Registry, check_serial
from picodsc.verifier import Verifier, check_pin
from support.commands import run_cli
from support.token import DAY, SERIAL, SUITE, T0

PACKAGE = Path(picodsc.__file__).parent


def test_exit_codes_and_click_live_only_in_cli():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(("cli/", "emulator/mp/")):  # emulator/mp: MicroPython code of the board
            continue
        text = path.read_text()
        if re.search(r"exit_code|sys\.exit|^import click|^from click", text, re.M):
            offenders.append(rel)
    assert offenders == []


@pytest.mark.parametrize("error,code", [
    (errors.InvalidInput("x"), EXIT_USAGE),
    (OcraError("x"), EXIT_USAGE),
    (errors.PinRefused("weak", 4), EXIT_USAGE),
    (errors.UnsupportedSuite(SUITE, "x"), EXIT_USAGE),
    (errors.UnknownBoard("toaster", ["a"]), EXIT_USAGE),
    (errors.UnknownToken(SERIAL), EXIT_REFUSED),
    (errors.AlreadyRegistered(SERIAL), EXIT_REFUSED),
    (errors.AlreadyProvisioned("x", "/dev/pts/1", SERIAL), EXIT_REFUSED),
    (errors.MpyVersionMismatch("/dev/pts/1", 5, 6), EXIT_REFUSED),
    (errors.DeviceTimeout("x", "/dev/pts/1", 30.0), EXIT_REFUSED),
    (errors.NoFirmware("x", "/dev/pts/1"), EXIT_REFUSED),
    (errors.KeyFileError("x", "/k"), EXIT_REFUSED),
    (errors.ToolError("x"), EXIT_REFUSED),
])
def test_exit_code_for(error, code):
    assert isinstance(error, errors.PicodscError) and not hasattr(error, "exit_code")
    assert exit_code_for(error) == code


def test_bad_input_is_a_value_error_with_data():
    with pytest.raises(ValueError) as e:
        parse_suite("OCRA-1:HOTP-MD5-8:QN06")
    assert isinstance(e.value, errors.InvalidInput)
    with pytest.raises(errors.InvalidInput) as e:
        check_serial("xyz")
    assert e.value.field == "serial"
    with pytest.raises(errors.UnknownBoard) as e:
        board_path("toaster")
    assert (e.value.name, e.value.known, e.value.field) == ("toaster", ("pico_3x4_128x32", "pico_4x4_128x64"),
                                                            "board")


@pytest.mark.parametrize("pin,rule,message", [
    ("471", "digits", "PIN must be 4 digits (the token's PIN> prompt takes 4)"),
    ("9876", "weak", "PIN too weak (common, all the same digit, or sequential): choose another"),
    ("4747", "alternating", "PIN too weak (alternating digits): choose another"),
])
def test_pin_refused_says_which_rule_never_the_pin(pin, rule, message):
    with pytest.raises(errors.PinRefused) as e:
        check_pin(pin)
    assert (e.value.rule, e.value.length, e.value.field, str(e.value)) == (rule, 4, "pin", message)
    assert check_pin("4711") == "4711"


def test_provision_request_refused_with_the_suite():
    with pytest.raises(errors.UnsupportedSuite) as e:
        check_request("OCRA-1:HOTP-SHA1-6:QN08", "4711")
    no_p = "OCRA-1:HOTP-SHA1-6:QN08"
    assert (e.value.suite, str(e.value)) == (no_p, f"suite {no_p} takes no PIN")
    assert check_request(SUITE, "4711").text == SUITE


def test_registry_errors_carry_serial_path_and_lock(tmp_path, empty_registry):
    with pytest.raises(errors.RegistryError) as e:
        Registry(tmp_path / "none.sqlite3", create=False)
    assert e.value.path == tmp_path / "none.sqlite3"
    reg = empty_registry
    with pytest.raises(errors.UnknownToken) as e:
        reg.load(SERIAL)
    assert e.value.serial == SERIAL
    reg.add_token(SERIAL, SUITE, bytes(32), bytes(32))
    with pytest.raises(errors.AlreadyRegistered) as e:
        reg.add_token(SERIAL, SUITE, bytes(32), bytes(32))
    assert e.value.serial == SERIAL
    ver = Verifier(reg, max_failures=1)
    assert ver.verify(SERIAL, ver.challenge(SERIAL), "00000000").locked_until is None  # wrong: locks
    locked = ver.verify(SERIAL, ver.challenge(SERIAL), "00000000")
    assert (locked.ok, locked.locked_until) == (False, T0 + DAY)


def test_cli_maps_a_domain_error_to_one_line_and_its_code(tmp_path):
    missing = tmp_path / "none.sqlite3"
    assert run_cli(["challenge", "--serial", SERIAL, "--registry", str(missing)]) == (
        EXIT_REFUSED, "", f"error: no registry at {missing} "
                          "(--registry / PICODSC_REGISTRY; `picodsc provision` creates one)\n")
    assert run_cli(["deploy", "--port", "/dev/null", "--board", "toaster"]) == (
        EXIT_USAGE, "", "error: unknown board 'toaster'; known boards: pico_3x4_128x32, pico_4x4_128x64\n")
