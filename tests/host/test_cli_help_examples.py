"""Every `picodsc COMMAND --help` shows an example; `provision` checks the PIN at the first prompt and asks
again (never echoing it) instead of exiting."""

import click
import pytest
from click.testing import CliRunner
from picodsc.cli import _register, cli

_register()


def commands(group=cli, path=()):
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            yield from commands(cmd, (*path, name))
        else:
            yield (*path, name)


@pytest.mark.parametrize("path", list(commands()), ids=" ".join)
def test_every_command_help_has_an_example(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output, result.output


def test_the_commands_are_all_there():
    names = {p[0] for p in commands()}
    assert {"emulate", "demo", "deploy", "provision", "challenge", "verify", "pin-change", "export",
            "ocra"} <= names


def test_provision_asks_again_for_a_short_or_weak_pin(tmp_path):
    typed = ["12", "1234", "3838", "4071", "4072", "4071", "4071"]
    argv = ["provision", "--port", str(tmp_path / "no-such-port"), "--timeout", "2",
            "--registry", str(tmp_path / "r.sqlite3")]
    result = CliRunner().invoke(cli, argv, input="\n".join(typed) + "\n")
    assert result.output.startswith(
        "PIN: \n"
        "Error: PIN must be 4 digits (the token's PIN> prompt takes 4)\n"
        "PIN: \n"
        "Error: PIN too weak (common, all the same digit, or sequential): choose another\n"
        "PIN: \n"
        "Error: PIN too weak (alternating digits): choose another\n"
        "PIN: \n"
        "Repeat for confirmation: \n"
        "Error: The two entered values do not match.\n"
        "PIN: \n"
        "Repeat for confirmation: \n")
    assert result.exit_code != 0  # then it went on to the (missing) port
    assert "no-such-port" in str(result.exception) + result.output
    assert not any(pin in result.output for pin in ("4071", "4072", "3838"))
