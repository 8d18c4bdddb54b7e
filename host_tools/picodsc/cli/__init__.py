"""The `picodsc` command: a thin click layer over the library.

Each area registers its commands from its own module (``cli/ocra.py``, ``cli/emulate.py``,
``cli/server.py``; the login service: ``cli/sls.py`` for Client Services, ``cli/serve.py`` for the
web server). User errors arrive as :class:`picodsc.errors.PicodscError` and are printed as one
line on stderr, without a traceback, with the error's exit code; click's own usage errors too (exit 2).
A database or file system failure the library did not anticipate is one line and exit 1 as well.
"""

import sqlite3
import sys

import click

from ..errors import PicodscError

_MAX_MESSAGE = 240  # characters of an error line: arguments echoed in a message can be huge


def _error(message):
    """``error: <message>`` on stderr: one line (control characters escaped), at most _MAX_MESSAGE."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(message))
    if len(text) > _MAX_MESSAGE:
        text = text[: _MAX_MESSAGE - 3] + "..."
    click.echo(f"error: {text}", err=True)


def _usage_message(e):
    text = e.format_message()
    ctx = getattr(e, "ctx", None)
    if ctx is not None and isinstance(e, click.UsageError):
        text = f"{text.rstrip('.')} (see `{ctx.command_path} --help`)"
    return text


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="picodsc")
def cli():
    """Open firmware and host tools for a DSC-style OCRA challenge-response token."""


def _register():
    # Imported for their side effect of adding commands to `cli`.
    from . import emulate, ocra, serve, server, sls  # noqa: F401


def main(argv=None):
    _register()
    try:
        cli.main(args=argv, prog_name="picodsc", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.exceptions.NoArgsIsHelpError as e:  # `picodsc` / `picodsc GROUP` alone: the help
        e.show()
        sys.exit(e.exit_code)
    except click.ClickException as e:  # usage errors: exit 2
        _error(_usage_message(e))
        sys.exit(e.exit_code)
    except PicodscError as e:
        _error(e)
        sys.exit(e.exit_code)
    except sqlite3.Error as e:  # e.g. a registry damaged past its header: refused, not a crash
        _error(f"registry database: {e}")
        sys.exit(1)
    except OSError as e:
        _error(f"{e.strerror or e}" + (f": {e.filename}" if e.filename else ""))
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(0)
