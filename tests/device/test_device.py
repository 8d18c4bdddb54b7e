"""Tests on a real board, skipped unless `pytest --device PORT` names its serial port.

They need an *unprovisioned* Pico with MicroPython (a provisioned token locks its USB REPL and these
fail fast with that message). They deploy the firmware, then run the RFC 6287 vectors on the RP2040
itself: the only place the 31-bit small ints and the rp2 `hashlib` are real.
"""

import json

import pytest
from picodsc import provision
from support.vectors import PIN_SHA1, VECTORS

pytestmark = pytest.mark.device

# Runs on the board: every vector through dsc.ocra, one JSON line of results plus the heap cost of
# a default-suite response (gc.mem_alloc delta with the suite parsed once, as the token does).
_RUN_VECTORS = """\
import gc, json
from binascii import unhexlify
from dsc import ocra
cases = json.loads(%r)
out = []
for c in cases:
    ph = unhexlify(c['pin_sha1']) if c.get('pin_sha1') else None
    out.append(ocra.compute(c['suite'], unhexlify(c['key']), c['question'], counter=c.get('counter'),
                            pin_hash=ph, session=unhexlify(c['session']) if c.get('session') else None,
                            timestamp=c.get('timestamp')))
s = ocra.Suite('OCRA-1:HOTP-SHA256-8:QN06-PSHA256')
ph = bytes(32)
gc.collect()
gc.disable()
a = gc.mem_alloc()
s.compute(bytes(32), '123456', pin_hash=ph)
used = gc.mem_alloc() - a
gc.enable()
print('PICODSC-VECTORS', json.dumps({'responses': out, 'heap': used}))
"""


def test_device_serial_is_unique_id(board):
    serial, provisioned = provision.probe(board)
    assert len(serial) == 16 and int(serial, 16) >= 0
    assert not provisioned


def test_device_rfc6287_vectors_on_rp2040(board):
    cases = []
    for v in VECTORS:
        case = {k: v[k] for k in ("suite", "key", "question") if k in v}
        for k in ("counter", "timestamp", "session"):
            if v.get(k) is not None:
                case[k] = v[k]
        if v.get("pin"):
            assert "-PSHA1" in v["suite"]  # the RFC's PIN inputs are all SHA-1
            case["pin_sha1"] = PIN_SHA1
        cases.append(case)
    out = board.run(["run", "/dev/stdin"], stdin=(_RUN_VECTORS % json.dumps(cases)).encode())
    line = next(ln for ln in out.splitlines() if ln.startswith("PICODSC-VECTORS "))
    result = json.loads(line.split(" ", 1)[1])
    assert result["responses"] == [v["response"] for v in VECTORS]
    assert result["heap"] <= 2048
