"""picodsc server and factory commands: deploy, provision, challenge, verify, pin-change, export.

A thin layer over picodsc.{deploy, provision, verifier, registry, pskc_export}.
"""

import sys

import click

from .. import bundle, pskc_export
from ..errors import PicodscError
from ..ocra import DEFAULT_SUITE
from ..registry import Registry
from ..verifier import Result, Verifier, check_pin
from . import cli
from .errors import EXIT_REFUSED, EXIT_USAGE, CliFail

_REGISTRY_HELP = ("registry database (env PICODSC_REGISTRY; default in the user data directory). "
                  "Its AES key file: env PICODSC_KEY_FILE, default picodsc.key next to it.")


def registry_option(f):
    return click.option("--registry", "registry_path", type=click.Path(dir_okay=False), default=None,
                        envvar="PICODSC_REGISTRY", help=_REGISTRY_HELP)(f)


def _err(text):
    click.echo(text, err=True)


def _checked_pin(pin):
    """click's value_proc: a malformed or weak PIN is refused at the first prompt, which asks again."""
    try:
        return check_pin(pin)
    except (PicodscError, ValueError) as e:
        raise click.UsageError(str(e)) from None


def _prompt_pin(text="New PIN"):
    """The PIN, typed twice without echo; checked after the first prompt (asked again if refused)."""
    return click.prompt(text, hide_input=True, confirmation_prompt=True, err=True, value_proc=_checked_pin)


def _read_pin_stdin():
    return check_pin(sys.stdin.readline().strip())


@cli.command("deploy")
@click.option("--port", required=True, help="serial port of the board (or of `picodsc emulate --serve`)")
@click.option("--board", default=bundle.DEFAULT_BOARD, show_default=True,
              help="board definition from boards/ (installed as /board.py)")
@click.option("--source", is_flag=True, help="copy .py sources instead of mpy-cross .mpy files")
@click.option("--no-reset", is_flag=True, help="do not reset the board afterwards")
@click.option("--timeout", type=float, default=30.0, show_default=True, help="seconds to wait for the board")
def deploy_command(port, board, source, no_reset, timeout):
    """Compile and copy the firmware, board file and drivers to a board with mpremote.

    \b
    Example:
      picodsc deploy --port /dev/ttyACM0
    """
    from ..deploy import deploy

    deploy(port, board=board, compiled=not source, reset=not no_reset, timeout=timeout, progress=_err)


@cli.command("provision")
@click.option("--port", required=True, help="serial port of an unprovisioned token")
@click.option("--suite", default=DEFAULT_SUITE, show_default=True, help="OCRA suite")
@click.option("--pin", default=None,
              help="the owner's PIN (visible in `ps`: prefer the default, a prompt twice without echo, "
                   "or --pin-stdin)")
@click.option("--pin-stdin", is_flag=True, help="read the owner's PIN from one line of stdin (scripts)")
@click.option("--replace", is_flag=True, help="replace the registry entry of a token that was factory reset")
@click.option("--timeout", type=float, default=30.0, show_default=True, help="seconds to wait for the token")
@registry_option
def provision_command(port, suite, pin, pin_stdin, replace, timeout, registry_path):
    """Give a token a fresh secret over USB, record it in the registry and lock the token.

    Prints `serial: <SERIAL>`. The secret goes to the token on mpremote's stdin, never in argv.
    The PIN is asked twice without echo; a malformed or weak one is refused and asked again.

    \b
    Example:
      picodsc provision --port /dev/ttyACM0 --registry tokens.sqlite3
    """
    from ..provision import check_request, check_suite, provision

    parsed = check_suite(suite)
    if pin is not None and pin_stdin:
        raise CliFail("give the PIN with --pin or --pin-stdin, not both", EXIT_USAGE)
    if pin_stdin:  # not read for a suite without P (refused below; a terminal on stdin would wait)
        pin = _read_pin_stdin() if parsed.pin_hash_name else "(from stdin)"
    elif pin is None and parsed.pin_hash_name:
        pin = _prompt_pin("PIN")
    check_request(parsed, pin)  # a bad request is refused before the registry is opened
    with Registry(registry_path) as reg:
        reg.check_key_file()  # its problems surface before the token is touched
        serial = provision(reg, port, pin=pin, suite=parsed, timeout=timeout, replace=replace, log=_err)
    click.echo(f"serial: {serial}")


@cli.command("challenge")
@click.option("--serial", required=True, help="token serial")
@registry_option
def challenge_command(serial, registry_path):
    """Print a fresh challenge for a token (pending for 120 s, consumed by its first verify).

    \b
    Example:
      picodsc challenge --serial E6614103E72B8F2A --registry tokens.sqlite3
    """
    with Registry(registry_path, create=False) as reg:
        click.echo(Verifier(reg).challenge(serial))


def _report(result: Result) -> None:
    """OK (exit 0) or FAIL: <reason> (exit 1): the contract scripts rely on."""
    if not result.ok:
        click.echo(f"FAIL: {result.reason}")
        sys.exit(EXIT_REFUSED)
    click.echo("OK")


@cli.command("verify")
@click.option("--serial", required=True, help="token serial")
@click.option("--challenge", required=True, help="a challenge from `picodsc challenge`")
@click.option("--response", required=True, help="the token's response")
@registry_option
def verify_command(serial, challenge, response, registry_path):
    """Check a response: prints OK (exit 0) or FAIL: <reason> (exit 1); bad arguments exit 2.

    \b
    Reasons: wrong response, unknown or expired challenge, challenge already used,
    token locked until <time>. A challenge is consumed by its first verify.
    10 consecutive failures within 24 h lock the token until 24 h after the last one;
    a success resets the count. Testing hook: env PICODSC_NOW (epoch seconds) sets the clock.

    \b
    Example:
      picodsc verify --serial E6614103E72B8F2A --challenge 428175 --response 46067259
    """
    with Registry(registry_path, create=False) as reg:
        result = Verifier(reg).verify(serial, challenge, response)
    _report(result)


@cli.command("pin-change")
@click.option("--serial", required=True, help="token serial")
@click.option("--challenge", default=None,
              help="a challenge from `picodsc challenge` (scripted use; default: issue one and print it)")
@click.option("--response", default=None, help="the token's response using the NEW PIN (default: prompt)")
@click.option("--pin-stdin", is_flag=True, help="read the new PIN from one line of stdin (no prompts)")
@registry_option
def pin_change_command(serial, challenge, response, pin_stdin, registry_path):
    """Change a token's PIN: answering a challenge with the new PIN proves it.

    \b
    Interactive: prints `challenge: NNNNNN`, asks the new PIN twice (no echo), then
    the response the token shows after typing the NEW PIN and that challenge.
    Scripted: picodsc challenge --serial S   (-> C; type the new PIN and C on the token)
              echo NEWPIN | picodsc pin-change --serial S --challenge C --response R --pin-stdin
    Prints OK (exit 0) or FAIL: <reason> (exit 1); failures count towards the lockout.
    Nothing changes on the token (it never stores the PIN).

    \b
    Example:
      picodsc pin-change --serial E6614103E72B8F2A
    """
    with Registry(registry_path, create=False) as reg:
        ver = Verifier(reg)
        ver.pin_suite(serial)  # unknown token, suite without PIN: fail before prompting
        if challenge is None:
            challenge = ver.challenge(serial)
            click.echo(f"challenge: {challenge}")
        pin = _read_pin_stdin() if pin_stdin else _prompt_pin("New PIN")
        if response is None:
            response = click.prompt("Response (with the new PIN)", err=True).strip()
        result = ver.change_pin(serial, challenge, response, pin)
    _report(result)


@cli.command("export")
@click.option("--serial", required=True, help="token serial")
@click.option("--format", "fmt", type=click.Choice(["pskc"]), default="pskc", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False), default=None,
              help="file to write (mode 0600); default stdout")
@registry_option
def export_command(serial, fmt, output, registry_path):
    """Export a token (RFC 6030 PSKC, OCRA suite included) for another server. Holds the secret!

    \b
    Example:
      picodsc export --serial E6614103E72B8F2A --output token.pskc
    """
    with Registry(registry_path, create=False) as reg:
        data = pskc_export.build(reg.load(serial))
    _err("warning: this PSKC file holds the token's secret in clear: keep it private, delete it after import")
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        pskc_export.write_private(output, data)
        _err(f"wrote {output} (mode 0600)")
