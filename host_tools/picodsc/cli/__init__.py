"""The `picodsc` command: a thin click layer over the library.

Each area registers its commands from its own module (``cli/ocra.py``, ``cli/emulate.py``,
``cli/server.py``). User errors arrive as :class:`picodsc.errors.PicodscError` and are printed as one
line on stderr, without a traceback, with the error's exit code.
"""

import sys

import click

from ..errors import PicodscError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="picodsc")
def cli():
    """Open firmware and host tools for a DSC-style OCRA challenge-response token."""


def _register():
    # Imported for their side effect of adding commands to `cli`.
    from . import emulate, ocra, server  # noqa: F401


def main(argv=None):
    _register()
    try:
        cli.main(args=argv, prog_name="picodsc", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as e:  # usage errors: exit 2
        e.show()
        sys.exit(e.exit_code)
    except PicodscError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(0)
