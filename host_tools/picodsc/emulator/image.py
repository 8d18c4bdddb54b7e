"""A token's flash image file: where it lives, its size check, its lock (which names its holder), its serial.

The lock is ``IMAGE.lock``: an exclusive ``flock`` held while an emulator runs on the image, holding
the PID of that emulator's process so a second one can say who has it.
"""

import errno
import fcntl
import os
from pathlib import Path
from typing import IO

from ..errors import PicodscError, UsageError

BLOCK_SIZE = 4096
DEFAULT_BLOCKS = 512
MIN_BLOCKS = 16
_COMMAND_SHOWN = 40  # characters of the holder's command line in the in-use message (one line)


def data_dir() -> Path:
    """The user data directory of picodsc (the default image, the demo registry)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("picodsc"))


def default_image() -> Path:
    return data_dir() / "token.img"


def image_path(image: str | os.PathLike | None = None) -> Path:
    """The flash image to use: ``image`` or the default ``<user data dir>/token.img`` (its directory made)."""
    if image is not None:
        return Path(image)
    d = data_dir()
    try:
        d.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as e:
        raise PicodscError(f"cannot create {d}: {e.strerror}") from None
    return default_image()


def token_serial(image: str | os.PathLike) -> str:
    """The serial of the token in ``image``: its flash unique ID (first 8 bytes of the last block)."""
    try:
        with open(image, "rb") as f:
            f.seek(-BLOCK_SIZE, os.SEEK_END)
            return f.read(8).hex().upper()
    except OSError as e:
        raise PicodscError(f"cannot read image {image}: {e.strerror}") from None


def check_image(img: str | os.PathLike, blocks: int | None = None) -> int:
    """The number of blocks of image ``img`` (existing: checked; new: ``blocks`` or the default)."""
    img = Path(img)
    if img.exists():
        if not img.is_file():
            raise PicodscError(f"image {img} is not a file")
        if not os.access(img, os.R_OK | os.W_OK):
            raise PicodscError(f"image {img} is not readable and writable")
        size = img.stat().st_size
        n = size // BLOCK_SIZE
        if size % BLOCK_SIZE or n < MIN_BLOCKS or (blocks and n != blocks):
            want = f"{blocks} blocks" if blocks else f"a multiple of {BLOCK_SIZE}"
            raise PicodscError(f"image {img} has the wrong size ({size} bytes; expected {want})")
        return n
    if not img.parent.is_dir():
        raise PicodscError(f"cannot create image {img}: no directory {img.parent}")
    n = blocks or DEFAULT_BLOCKS
    if n < MIN_BLOCKS:
        raise UsageError(f"an image needs at least {MIN_BLOCKS} blocks")
    return n


def lock_path(image: str | os.PathLike) -> Path:
    return Path(str(image) + ".lock")


def lock(image: str | os.PathLike) -> IO[str]:
    """Lock ``image`` for this process; returns the open lock file (closing it unlocks)."""
    path = lock_path(image)
    try:
        f = open(path, "a+")
    except OSError as e:
        raise PicodscError(f"cannot lock image {image}: {e.strerror}") from None
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as e:
        f.close()
        if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise PicodscError(in_use_message(image)) from None
        raise PicodscError(f"cannot lock image {image}: {e.strerror}") from None
    f.truncate(0)
    f.write(f"{os.getpid()}\n")
    f.flush()
    return f


def in_use_message(image: str | os.PathLike) -> str:
    """Which process holds ``image`` and how to run another emulator."""
    return (f"image {image} is in use by another emulator ({holder(image)}); "
            "run another emulator with its own image: --flash OTHER.img")


def holder(image: str | os.PathLike) -> str:
    """``"pid N: COMMAND"`` of the process holding the lock of ``image`` (as far as it can be told)."""
    try:
        pid = int(lock_path(image).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return "process unknown"
    if pid == os.getpid():
        return f"pid {pid}, this process"
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return f"pid {pid}"
    words = [os.path.basename(a) if i < 2 and a.startswith("/") else a for i, a in enumerate(argv) if a]
    if len(words) > 1 and words[0].startswith("python"):
        words = words[1:]  # `python .../picodsc demo` -> `picodsc demo`
    command = " ".join(words)
    if len(command) > _COMMAND_SHOWN:
        command = command[: _COMMAND_SHOWN - 3] + "..."
    return f"pid {pid}: {command}" if command else f"pid {pid}"
