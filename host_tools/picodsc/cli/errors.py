"""The one place where errors become messages and exit codes (README: 0 ok, 1 refused, 2 bad arguments).

The library raises domain errors (:mod:`picodsc.errors`) that carry data and know nothing of exit
codes; commands raise :class:`CliFail` for what only the command line knows (e.g. two options that
exclude each other). :func:`run` calls the click group and maps every outcome, so a user sees one
line on stderr (``error: <message>``), never a traceback.
"""

import sqlite3
import sys
from collections.abc import Callable
from typing import NoReturn

import click

from ..errors import InvalidInput, PicodscError

EXIT_OK = 0
EXIT_REFUSED = 1  # a refused operation, a FAIL verdict, a failure of the environment
EXIT_USAGE = 2  # bad arguments (click's own usage errors too)
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT

_MAX_MESSAGE = 240  # characters of an error line: arguments echoed in a message can be huge


class CliFail(Exception):
    """A command-line failure: ``message`` printed as ``error: <message>``, then exit ``exit_code``."""

    def __init__(self, message: str, exit_code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def exit_code_for(error: PicodscError) -> int:
    """Bad input is a usage error (2); any other refusal is 1."""
    return EXIT_USAGE if isinstance(error, InvalidInput) else EXIT_REFUSED


def error_line(message: object) -> str:
    """``error: <message>``: one line (control characters escaped), at most _MAX_MESSAGE characters."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(message))
    if len(text) > _MAX_MESSAGE:
        text = text[: _MAX_MESSAGE - 3] + "..."
    return f"error: {text}"


def _usage_message(e: click.ClickException) -> str:
    text = e.format_message()
    ctx = getattr(e, "ctx", None)
    if ctx is not None and isinstance(e, click.UsageError):
        text = f"{text.rstrip('.')} (see `{ctx.command_path} --help`)"
    return text


def _fail(message: object, code: int) -> NoReturn:
    click.echo(error_line(message), err=True)
    sys.exit(code)


def run(invoke: Callable[[], object]) -> NoReturn:
    """Run ``invoke`` (the click group in non-standalone mode) and exit with the mapped code."""
    try:
        invoke()
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(EXIT_REFUSED)
    except click.exceptions.NoArgsIsHelpError as e:  # `picodsc` / `picodsc GROUP` alone: the help
        e.show()
        sys.exit(e.exit_code)
    except click.ClickException as e:  # usage errors: exit 2
        _fail(_usage_message(e), e.exit_code)
    except CliFail as e:
        _fail(e, e.exit_code)
    except PicodscError as e:
        _fail(e, exit_code_for(e))
    except sqlite3.Error as e:  # e.g. a registry damaged past its header: refused, not a crash
        _fail(f"registry database: {e}", EXIT_REFUSED)
    except OSError as e:
        _fail(f"{e.strerror or e}" + (f": {e.filename}" if e.filename else ""), EXIT_REFUSED)
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(EXIT_OK)
