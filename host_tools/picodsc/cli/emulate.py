"""picodsc emulate / picodsc demo: the board emulator from the command line (thin layer)."""

import click

from .. import bundle
from . import cli

_EMULATE_HELP = """Run the token firmware on an emulated Pico.

\b
Interactive (default): the OLED is drawn to fit the terminal (80x24 is enough);
keys 0-9 and the board's legends (* # A-D), Enter = OK, Backspace = DEL,
p = PRESS, w = factory reset (holds DEL+PRESS 3.5 s; then Enter wipes), ? = notes,
q = quit. Realtime clock.

\b
Scripted: --keys "PRESS 1 2 3 4 OK 1 2 3 4 5 6 OK" presses keypad keys in order
(PRESS, OK, DEL, 0-9 or a legend such as * # A; KEY:<ms> holds a key, K1+K2:<ms>
a chord, HOLD:KEY ... UP:KEY keeps one down, WAIT:<ms> lets virtual time pass),
then --screen prints the decoded display text (one display line per output line),
--png FILE saves a screenshot. Virtual clock: the output does not depend on the
machine's speed.

\b
Serve: --serve puts the token's USB serial (its REPL) on a pseudo-terminal and
prints "port: /dev/pts/N", then a control socket and prints "control: PATH"
(--control PATH picks it), and runs until interrupted (Ctrl-C / SIGTERM).
Use the port with mpremote (`mpremote connect /dev/pts/N fs ls`) or
`picodsc deploy/provision --port`. Virtual clock unless --realtime.
As on a board, mpremote stops main.py (Ctrl-C) and leaves the token at its
REPL: `mpremote connect PORT exec --no-follow "import machine; machine.reset()"`
boots the firmware again.

\b
Control: --control PATH --keys "..." [--screen] [--png FILE] (without --serve)
types on the keypad of the running emulator served at PATH and reads its screen.

\b
IMAGE (--flash) is a littlefs flash image that persists between runs (created on
first use; default: the user data directory's picodsc/token.img). The firmware
files in the image are brought up to date from this checkout at every start.
One emulator at a time runs on an image: a second one needs its own --flash.

\b
Examples:
  picodsc emulate                                  # the token in this terminal
  picodsc emulate --keys "PRESS 4 0 7 1 OK" --screen
  picodsc emulate --keys "DEL+PRESS:3500 OK" --screen   # factory reset
  picodsc emulate --flash /tmp/second.img --serve
"""


def _image_options(f):
    """--flash IMAGE and --board NAME (emulate and demo)."""
    f = click.option("--board", default=bundle.DEFAULT_BOARD, show_default=True,
                     help="board definition from boards/")(f)
    return click.option("--flash", "image", type=click.Path(dir_okay=False), default=None,
                        help="flash image file (default: token.img in the user data directory)")(f)


@cli.command("emulate", help=_EMULATE_HELP)
@_image_options
@click.option("--keys", default=None, help='key script, e.g. "PRESS 1 2 3 4 OK WAIT:500"')
@click.option("--screen", "show_screen", is_flag=True, help="print the decoded screen text at the end")
@click.option("--png", type=click.Path(dir_okay=False), default=None,
              help="save a screenshot (PNG) at the end")
@click.option("--serve", is_flag=True,
              help="serve the USB serial on a pty and a control socket until interrupted")
@click.option("--control", type=click.Path(), default=None,
              help="control socket: where --serve listens, or the running emulator to drive")
@click.option("--realtime/--virtual-time", default=None,
              help="clock: realtime (interactive default) or virtual (--keys/--serve default)")
def emulate_command(image, board, keys, show_screen, png, serve, control, realtime):
    from ..emulator import session as emu_session
    from ..emulator.keys import board_keys, parse_keys

    if keys is not None:  # bad key names: exit 2 before starting anything
        keys = parse_keys(keys, None if control and not serve else board_keys(board))
    if control and not serve:
        if keys is None and not show_screen and not png:
            raise click.UsageError("--control PATH without --serve needs --keys, --screen or --png")
        if image is not None:
            raise click.UsageError("--flash does not go with --control (the served emulator has its image)")
        emu_session.drive_remote(control, keys, show_screen, png, echo=click.echo)
        return
    if serve:
        if keys is not None or show_screen or png:
            raise click.UsageError("--serve runs until interrupted: drive it with --control PATH --keys ...")
        emu_session.serve(image, board, control, bool(realtime), echo=click.echo)
        return
    if keys is not None or show_screen or png:
        emu_session.scripted(image, board, keys or [], show_screen, png, bool(realtime), echo=click.echo)
        return
    emu_session.interactive(image, board, realtime is not False)


_DEMO_HELP = """Set up a demo token (provisioned into a demo registry) and open the interactive emulator.

\b
The first run provisions the token on the image with PIN 4071 into the demo
registry (the user data directory's picodsc/demo/) and prints how to get a
challenge and verify the response from another terminal. Later runs reuse it; a
demo token whose registry entry was deleted is provisioned afresh. --reset
deletes the image and the demo registry first and starts over.

\b
Examples:
  picodsc demo                 # what `make emulate` runs
  picodsc demo --reset         # start over with a new demo token
"""


@cli.command("demo", help=_DEMO_HELP)
@_image_options
@click.option("--reset", is_flag=True, help="delete the image and the demo registry, then start over")
def demo_command(image, board, reset):
    from ..emulator.demo import demo

    bundle.board_path(board)  # unknown board: exit 2 before anything else
    demo(image, board, echo=click.echo, reset=reset)
