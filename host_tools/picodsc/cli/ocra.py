"""picodsc ocra: compute one OCRA response with the host reference (a debug tool, like oathtool).

The key may be given on argv (debug use only) or as ``--key -`` to read it from stdin. Errors are
one line, exit code 2, and never echo the key.
"""

import sys

import click

from .. import ocra as ocra_lib
from . import cli
from .errors import EXIT_USAGE, CliFail


def _hex_option(value, name):
    try:
        return bytes.fromhex(value.strip())
    except ValueError:
        raise CliFail(f"{name} must be hex digits", EXIT_USAGE) from None


@cli.command("ocra")
@click.option("--suite", "suite", required=True, help="OCRA suite, e.g. OCRA-1:HOTP-SHA256-8:QN06-PSHA256")
@click.option("--key", "key", required=True, help="secret as hex, or '-' to read it from stdin")
@click.option("--question", "question", required=True, help="the challenge as typed (QN decimal, QA, QH hex)")
@click.option("--counter", type=int, default=None, help="counter value (C suites)")
@click.option("--pin", default=None, help="PIN, hashed with the suite's P hash (P suites)")
@click.option("--session", default=None, help="session information as hex (S suites)")
@click.option("--time", "timestamp", type=int, default=None, help="number of time steps (T suites)")
def ocra_command(suite, key, question, counter, pin, session, timestamp):
    """Print the OCRA response for one challenge.

    \b
    Example (the key on stdin, not in argv):
      echo 3132333435363738393031323334353637383930 | picodsc ocra --suite OCRA-1:HOTP-SHA1-6:QN08 \\
          --key - --question 00000000
    """
    if key == "-":
        key = sys.stdin.readline()
    key_bytes = _hex_option(key, "--key")
    if not key_bytes:
        raise CliFail("--key is empty", EXIT_USAGE)
    parsed = ocra_lib.parse_suite(suite)
    pin_hash = ocra_lib.pin_hash(parsed, pin) if pin is not None else None
    session_bytes = _hex_option(session, "--session") if session is not None else None
    click.echo(ocra_lib.compute(parsed, key_bytes, question, counter, pin_hash, session_bytes, timestamp))
