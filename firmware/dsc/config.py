# The token's one configuration file (docs/DESIGN.md "Configuration file /dsc.cfg").
#
# Importable from the REPL of an unprovisioned token: needs nothing but the filesystem, machine,
# dsc.ocra and dsc.policy. Error messages are short (they go on a 16-column error screen) and never
# carry the key. A Config keeps plain values, not the parsed Suite, so the token can drop the OCRA
# engine's modules from RAM between responses (see dsc.app).
import json
import os
from binascii import hexlify, unhexlify

import machine
from micropython import const

from dsc import policy

PATH = "/dsc.cfg"
TMP = "/dsc.tmp"
WIPE = "/dsc.wipe"  # a factory reset is in progress (wipe())
FILL = "/dsc.fill"  # zeros filling the free space during a wipe
VERSION = const(1)
_MAX_COUNTER = (1 << 64) - 1  # OCRA's C is 8 bytes


class ConfigError(ValueError):
    """The configuration is corrupt or a provisioning input is unusable (short reason, no secret)."""


class Config:
    """A validated configuration (made by load()).

    ``suite_text``; ``key`` (bytes); ``counter`` (int, or None if the suite has no C): the value
    the next response uses; from the suite: ``question_length`` and ``pin_hash_name`` (or None).
    No methods on purpose: a method would keep this whole module alive in RAM through its globals.
    """


def _config(suite_text, suite, key, counter):
    cfg = Config()
    cfg.suite_text = suite_text
    cfg.key = key
    cfg.counter = counter
    cfg.question_length = suite.question_length
    cfg.pin_hash_name = suite.pin_hash_name
    return cfg


def serial():
    """Token serial: machine.unique_id() as 16 uppercase hex digits."""
    return hexlify(machine.unique_id()).decode().upper()


def _exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def _parse_suite(text):
    """Parse and check that the token can run the suite (numeric challenge, no session/time input)."""
    if not isinstance(text, str):
        raise ConfigError("bad suite")
    import dsc.ocra

    try:
        suite = dsc.ocra.Suite(text)
    except ValueError:
        raise ConfigError("bad suite") from None
    if policy.unsupported_by_token(suite):  # the same rule the host applies before provisioning
        raise ConfigError("suite unsupported")
    return suite


def _parse_key(suite, key_hex):
    if not isinstance(key_hex, str):
        raise ConfigError("bad key")
    try:
        key = unhexlify(key_hex)
    except ValueError:
        raise ConfigError("key not hex") from None
    if len(key) != suite.key_size:  # the HMAC hash's size (DESIGN.md)
        raise ConfigError("bad key length")
    return key


def _parse_counter(has_counter, counter):
    if not has_counter:
        if counter is not None:
            raise ConfigError("counter unused")
        return None
    # bool is an int subclass: refuse it explicitly.
    if not isinstance(counter, int) or isinstance(counter, bool) or not 0 <= counter <= _MAX_COUNTER:
        raise ConfigError("bad counter")
    return counter


def _encode(suite_text, key, counter):
    # Fixed field order, as in DESIGN.md; json.dumps escapes the suite.
    text = '{"v": 1, "suite": ' + json.dumps(suite_text) + ', "key": "' + hexlify(key).decode() + '"'
    if counter is not None:
        text += ', "counter": ' + str(counter)
    return text + "}"


def _write_atomic(data):
    # littlefs rename is atomic: a power cut leaves either the old or the new file.
    with open(TMP, "w") as f:
        f.write(data)
    os.rename(TMP, PATH)


def load():
    """The validated Config, or None if unprovisioned (no file). ConfigError if corrupt."""
    try:
        with open(PATH) as f:
            text = f.read()
    except OSError as e:
        if e.errno == 2:  # ENOENT: unprovisioned
            return None
        raise ConfigError("unreadable") from None
    try:
        obj = json.loads(text)
    except (ValueError, UnicodeError):
        raise ConfigError("bad json") from None
    if not isinstance(obj, dict):
        raise ConfigError("bad json")
    if obj.get("v") != VERSION or isinstance(obj.get("v"), bool):
        raise ConfigError("bad version")
    for name in obj:
        if name not in ("v", "suite", "key", "counter"):
            raise ConfigError("unknown field")
    suite = _parse_suite(obj.get("suite"))
    key = _parse_key(suite, obj.get("key"))
    counter = _parse_counter(suite.counter, obj.get("counter"))
    return _config(obj["suite"], suite, key, counter)


def provision(suite, key_hex, counter=0):
    """Validate and write a new configuration atomically; returns the serial.

    ValueError (ConfigError) if the inputs are unusable or the token is already provisioned.
    """
    if _exists(PATH):
        raise ConfigError("already provisioned")
    parsed = _parse_suite(suite)
    key = _parse_key(parsed, key_hex)
    counter = _parse_counter(parsed.counter, counter if parsed.counter else None)
    _write_atomic(_encode(suite, key, counter))
    return serial()


def save_counter(cfg, counter):
    """Persist a new counter value (atomic) and update ``cfg``."""
    counter = _parse_counter(cfg.counter is not None, counter)
    _write_atomic(_encode(cfg.suite_text, cfg.key, counter))
    cfg.counter = counter


def wiping():
    """True if a factory reset was started and not finished (power cut): boot finishes it first."""
    return _exists(WIPE)


def wipe():
    """Factory reset, resumable: run it again after a power cut and it finishes. Works on corrupt files.

    The marker /dsc.wipe goes first (creating a file is one atomic littlefs commit): from then on
    boot calls wipe() before anything reads the configuration, so a power cut at any flash write
    ends in the old state (marker not yet written) or the new one (no secret anywhere on flash).
    /dsc.cfg is overwritten in place but removed only once the flash is scrubbed: while the key may
    still be on raw flash the token stays locked (main.py and dsc.app lock on /dsc.cfg).

    littlefs is copy-on-write, so overwriting leaves the key on flash: a small file lives inline in
    the directory's metadata log (old commits stay until the block is compacted), a larger one in
    data blocks only marked free. _scrub() compacts the root metadata pair first (a pair that moves
    for wear levelling frees its old blocks) and then fills all free space with zeros.
    """
    with open(WIPE, "w"):
        pass
    _remove(FILL)  # zeros from an interrupted scrub: nothing to overwrite, and it holds the free space
    zeros = bytearray(512)
    for path in (TMP, PATH):
        try:
            size = os.stat(path)[6]
        except OSError:
            continue
        with open(path, "r+b") as f:
            while size > 0:
                size -= f.write(zeros if size >= len(zeros) else memoryview(zeros)[:size])
    _remove(TMP)
    _scrub(zeros)
    _remove(PATH)
    _remove(WIPE)  # last: the wipe is complete


def _remove(path):
    try:
        os.remove(path)
    except OSError:
        pass


def _scrub(zeros):
    # Each create/remove is a metadata commit of at least one program unit (256 B on rp2): this many
    # fill each block of the root pair several times over, so both get compacted (erased).
    for _ in range(os.statvfs("/")[0] // 64):
        with open(FILL, "wb"):
            pass
        os.remove(FILL)
    try:
        with open(FILL, "wb") as f:
            while True:
                f.write(zeros)
    except OSError:  # ENOSPC: every free block now holds zeros
        pass
    _remove(FILL)
