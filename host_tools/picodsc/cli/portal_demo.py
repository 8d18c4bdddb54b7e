"""`picodsc portal-demo` (what `make demo` runs): the Client Portal on the loopback address and the
emulated token in this terminal (library: picodsc.portal_demo)."""

import click

from . import cli


@cli.command("portal-demo")
@click.option("--bind", default="127.0.0.1:8000", show_default=True, help="HOST:PORT (loopback only)")
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=None,
              help="demo files (default: portal-demo in the user data directory)")
def portal_demo_command(bind, directory):
    """A demo user with an emulated token, the portal on http://127.0.0.1:8000, the token here.

    \b
    Example:
      picodsc portal-demo                      # then open http://127.0.0.1:8000/login
      picodsc portal-demo --bind 127.0.0.1:8001 --dir /tmp/demo
    """
    from ..portal_demo import run

    run(bind, directory, echo=click.echo)

