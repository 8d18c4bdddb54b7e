"""Provisioning library against the emulator (real mpremote over a pty, the real firmware config)."""

import json

import pytest
from picodsc.deploy import deploy
from picodsc.errors import PicodscError, UsageError
from picodsc.ocra import pin_hash
from picodsc.provision import provision
from picodsc.registry import Registry
from support.token import SUITE, bare_board, image_serial

C_SUITE = "OCRA-1:HOTP-SHA1-6:C-QN08-PSHA1"


@pytest.fixture
def emu(tmp_path):
    """A board with the firmware deployed, unprovisioned."""
    with bare_board(tmp_path / "t.img") as e:
        deploy(e.port, reset=False)
        yield e


@pytest.fixture
def reg(empty_registry):
    return empty_registry


def serial_of(emu):
    return image_serial(emu.image)


def test_token_gets_exactly_the_recorded_secret(emu, reg):
    log = []
    serial = provision(reg, emu.port, pin="4711", suite=C_SUITE, log=log.append)
    assert serial == serial_of(emu)
    cfg = json.loads(emu.fs_read("/dsc.cfg"))
    tok = reg.load(serial)
    assert cfg == {"v": 1, "suite": C_SUITE, "key": tok.secret.hex(), "counter": 0}
    assert len(tok.secret) == 20 and tok.pin_hash == pin_hash(C_SUITE, "4711") and tok.counter == 0
    assert not any(tok.secret.hex() in line for line in log)
    assert tok.secret.hex().encode() not in emu.serial_output()  # the token never echoes it


def test_registry_entry_refused_unless_replace(emu, reg):
    serial = serial_of(emu)
    reg.add_token(serial, C_SUITE, bytes(20), pin_hash(C_SUITE, "4711"))
    with pytest.raises(PicodscError, match="already in the registry.*--replace"):
        provision(reg, emu.port, pin="8362")
    assert "dsc.cfg" not in emu.fs_ls("/")  # refused before the token was written
    provision(reg, emu.port, pin="8362", replace=True)
    tok = reg.load(serial)
    assert tok.secret != bytes(32) and len(tok.secret) == 32
    assert json.loads(emu.fs_read("/dsc.cfg"))["key"] == tok.secret.hex()


@pytest.mark.parametrize("kwargs,message", [
    (dict(pin="1234"), "PIN too weak"),
    (dict(pin=None), "needs a PIN"),
    (dict(pin="4711", suite="OCRA-1:HOTP-SHA1-6:QA08-PSHA1"), "numeric challenges"),
    (dict(pin="4711", suite="OCRA-1:HOTP-SHA1-6:QN08"), "takes no PIN"),
])
def test_bad_requests_refused_before_the_port_is_opened(reg, kwargs, message):
    with pytest.raises(UsageError, match=message):
        provision(reg, "/nonexistent/port", **kwargs)


def test_cli_prompts_pin_twice_without_echo(emu, tmp_path):
    from click.testing import CliRunner
    from picodsc.cli import _register, cli

    _register()
    runner = CliRunner()
    args = ["provision", "--port", emu.port, "--registry", str(tmp_path / "cli.sqlite3")]
    weak = runner.invoke(cli, args, input="1111\n")  # refused at the first prompt, asked again: input ends
    assert "Error: PIN too weak" in weak.output and weak.output.count("PIN: ") == 2 and weak.exit_code == 1
    assert "dsc.cfg" not in emu.fs_ls("/")
    result = runner.invoke(cli, args, input="4711\n4712\n4711\n4711\n")  # a typo, then agreement
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output and "4711" not in result.output
    assert f"serial: {serial_of(emu)}\n" in result.output
    with Registry(tmp_path / "cli.sqlite3") as r:
        assert r.load(serial_of(emu)).pin_hash == pin_hash(SUITE, "4711")
