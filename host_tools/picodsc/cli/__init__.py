"""The `picodsc` command: a thin click layer over the library.

Each area registers its commands from its own module (``cli/ocra.py``, ``cli/emulate.py``,
``cli/server.py``; the login service: ``cli/sls.py`` for Client Services, ``cli/serve.py`` for the
web server). Errors become one line on stderr and an exit code in one place,
:mod:`picodsc.cli.errors`: the library's domain errors, :class:`~picodsc.cli.errors.CliFail`,
click's usage errors (exit 2), and database or file system failures the library did not anticipate.
"""

from collections.abc import Sequence
from typing import NoReturn

import click

from .errors import run


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="picodsc")
def cli():
    """Open firmware and host tools for a DSC-style OCRA challenge-response token."""


def _register() -> None:
    # Imported for their side effect of adding commands to `cli`.
    from . import emulate, ocra, portal_demo, serve, server, sls  # noqa: F401


def main(argv: Sequence[str] | None = None) -> NoReturn:
    _register()
    run(lambda: cli.main(args=argv, prog_name="picodsc", standalone_mode=False))
