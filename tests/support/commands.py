"""Running the installed commands (`picodsc`, `mpremote`) and the CLI in-process, and programs on a
pseudo-terminal."""

import contextlib
import fcntl
import os
import struct
import subprocess
import sys
import termios
from pathlib import Path

from click.testing import CliRunner
from picodsc.cli import main

BIN = Path(sys.executable).parent
PICODSC = str(BIN / "picodsc")
MPREMOTE = str(BIN / "mpremote")


def environ(env=None):
    """os.environ with ``env`` applied: a value of None removes the variable."""
    full = {k: v for k, v in os.environ.items() if not env or k not in env}
    full.update({k: v for k, v in (env or {}).items() if v is not None})
    return full


def picodsc(*args, env=None, input=None, timeout=300):
    """The installed `picodsc` command: (exit code, stdout, stderr). stdin is empty unless ``input``."""
    proc = subprocess.run([PICODSC, *args], env=environ(env), input=input, capture_output=True, text=True,
                          timeout=timeout, stdin=None if input is not None else subprocess.DEVNULL)
    return proc.returncode, proc.stdout, proc.stderr


def run_cli(argv, stdin="", env=None):
    """`picodsc.cli.main` in-process (click's isolation: stdin, stdout, stderr and ``env``):
    (exit code, stdout, stderr)."""
    code = 0
    with CliRunner().isolation(input=stdin, env=env) as (out, err, _):
        try:
            main(list(argv))
        except SystemExit as e:
            code = e.code
    return code, out.getvalue().decode(errors="replace"), err.getvalue().decode(errors="replace")


def mpremote(port, *args, stdin=None, ok=True, timeout=60):
    """`mpremote connect PORT ARGS...` (text); with ``ok`` it must succeed."""
    proc = subprocess.run([MPREMOTE, "connect", port, *args], input=stdin, capture_output=True, text=True,
                          timeout=timeout, stdin=None if stdin is not None else subprocess.DEVNULL)
    if ok:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@contextlib.contextmanager
def running(argv, **popen):
    """Starts ``argv`` (subprocess.Popen options ``popen``): yields the process; kills it if it still
    runs afterwards."""
    proc = subprocess.Popen(argv, **popen)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


@contextlib.contextmanager
def on_pty(argv, rows=40, cols=140, stderr=None, env=None):
    """Runs ``argv`` on a new pseudo-terminal of rows x cols: yields (process, master fd); kills the
    process if it still runs afterwards. ``stderr``: None for the terminal, or e.g. subprocess.PIPE."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    try:
        with running(argv, stdin=slave, stdout=slave, stderr=slave if stderr is None else stderr,
                     env=env) as proc:
            os.close(slave)
            slave = None
            yield proc, master
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
