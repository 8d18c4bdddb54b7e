"""Firmware OCRA engine (firmware/dsc/ocra.py, dsc/hashes.py) under the real MicroPython unix port.

Cases are batched: one ``micropython`` process computes a whole list (support.ocra_firmware), so the
suite stays fast.
"""

import hashlib
import hmac
import random

import pytest
from picodsc import upy
from support.ocra_firmware import compile_firmware, firmware_ocra, firmware_results, vector_case
from support.vectors import BAD_INPUTS, BAD_SUITES, KEY20, KEY32, PIN_SHA1, VECTORS


@pytest.fixture(scope="module")
def vector_results():
    results = firmware_results([vector_case(v) for v in VECTORS])
    return dict(zip([v["name"] for v in VECTORS], results, strict=True))


@pytest.mark.parametrize("v", VECTORS, ids=[v["name"] for v in VECTORS])
def test_rfc6287_vector_micropython(v, vector_results):
    assert vector_results[v["name"]] == v["response"]


def test_rfc6287_vectors_mpy(tmp_path):
    path = compile_firmware(tmp_path)
    results = firmware_results([vector_case(v) for v in VECTORS], path=(path,))
    assert results == [v["response"] for v in VECTORS]
    assert upy.run("import dsc.ocra; print(dsc.ocra.__file__)", path=(path,)).strip().endswith("ocra.mpy")


def test_rfc6287_pin_hash_given_as_digest():
    v = next(v for v in VECTORS if v.get("pin") and v.get("counter") == 9)
    case = dict(vector_case(v), pin_hash=bytes.fromhex(PIN_SHA1))
    del case["pin"]
    assert firmware_results([case]) == [v["response"]]


@pytest.mark.parametrize("suite,fragment", BAD_SUITES)
def test_malformed_suite_cpython(suite, fragment):
    fw = firmware_ocra()
    with pytest.raises(ValueError, match=fragment):
        fw.Suite(suite)


def test_malformed_suites_micropython():
    cases = [{"suite": s, "key": b"k", "question": "1234"} for s, _ in BAD_SUITES]
    for (suite, fragment), line in zip(BAD_SUITES, firmware_results(cases), strict=True):
        assert line.startswith("ValueError: malformed OCRA suite") and fragment in line, (suite, line)


def test_bad_inputs_micropython():
    cases = [dict(suite=s, key=bytes.fromhex(KEY32), question=q, **kw) for s, q, kw, _ in BAD_INPUTS]
    for (suite, q, kw, fragment), line in zip(BAD_INPUTS, firmware_results(cases), strict=True):
        assert line.startswith("ValueError: ") and fragment in line, (suite, q, kw, line)
        assert KEY32 not in line and PIN_SHA1 not in line


@pytest.mark.parametrize("suite,question,kwargs,fragment", BAD_INPUTS)
def test_bad_input_cpython(suite, question, kwargs, fragment):
    fw = firmware_ocra()
    with pytest.raises(ValueError, match=fragment):
        fw.compute(suite, bytes.fromhex(KEY32), question, **kwargs)


def test_bad_key_micropython():
    cases = [
        {"suite": "OCRA-1:HOTP-SHA1-6:QN08", "key": b"", "question": "12345678"},
        {"suite": "OCRA-1:HOTP-SHA1-6:QN08", "key": KEY20, "question": "12345678"},
    ]
    assert firmware_results(cases) == ["ValueError: key is empty", "ValueError: key must be bytes"]


def test_pin_hash_errors_micropython():
    out = upy.run(
        "from dsc import ocra\n"
        "for s, p in (('OCRA-1:HOTP-SHA1-6:QN08', '1234'), ('OCRA-1:HOTP-SHA1-6:QN08-PSHA1', '')):\n"
        "    try:\n"
        "        ocra.Suite(s).pin_hash(p)\n"
        "    except ValueError as e:\n"
        "        print(e)\n"
        "print(ocra.Suite('OCRA-1:HOTP-SHA256-8:QN06-PSHA512').pin_hash('1234').hex())\n"
    )
    assert out.splitlines() == [
        "suite 'OCRA-1:HOTP-SHA1-6:QN08' has no PIN (P) field",
        "PIN must be a non-empty string",
        hashlib.sha512(b"1234").hexdigest(),
    ]


def test_suite_attributes_micropython():
    out = upy.run(
        "from dsc import ocra\n"
        "for t in ('OCRA-1:HOTP-SHA256-8:QN06-PSHA256', 'OCRA-1:HOTP-SHA512-10:C-QH64-PSHA512-S512-T48H',\n"
        "          'OCRA-1:HOTP-SHA1-0:QA04-T30S'):\n"
        "    s = ocra.Suite(t)\n"
        "    print(s.hash_name, s.digits, s.counter, s.question_kind, s.question_length, s.pin_hash_name,\n"
        "          s.session_length, s.time_step, s.key_size, s.pin_hash_size, str(s) == t)\n"
    )
    assert out.splitlines() == [
        "SHA256 8 False N 6 SHA256 None None 32 32 True",
        "SHA512 10 True H 64 SHA512 512 172800 64 64 True",
        "SHA1 0 False A 4 None None 30 20 None True",
    ]


def test_truncation_zero_micropython():
    suite = "OCRA-1:HOTP-SHA512-0:QN08"
    want = hmac.new(bytes.fromhex(KEY20), suite.encode() + b"\0" + bytes(128), "sha512").hexdigest()
    assert firmware_results([{"suite": suite, "key": bytes.fromhex(KEY20), "question": "00000000"}]) == [want]


# ---- hashes.py: SHA-512 and HMAC against CPython's hashlib/hmac --------------------------------------

def test_sha512_and_hmac_micropython():
    rnd = random.Random(6287)
    lengths = [0, 1, 55, 111, 112, 113, 127, 128, 129, 239, 240, 255, 256, 257, 1000]
    datas = [bytes(rnd.getrandbits(8) for _ in range(n)) for n in lengths]
    keys = [bytes(rnd.getrandbits(8) for _ in range(n)) for n in (0, 1, 20, 32, 64, 65, 128, 129, 200)]
    code = (
        "from binascii import unhexlify, hexlify\n"
        "from dsc import hashes\n"
        f"datas = [unhexlify(d) for d in {[d.hex() for d in datas]!r}]\n"
        f"keys = [unhexlify(k) for k in {[k.hex() for k in keys]!r}]\n"
        "for d in datas:\n"
        "    print(hexlify(hashes.SHA512(d).digest()).decode())\n"
        "    h = hashes.SHA512()\n"
        "    for i in range(0, len(d), 7):\n"
        "        h.update(d[i:i + 7])\n"
        "    print(hexlify(h.digest()).decode())\n"
        "for name in ('SHA1', 'SHA256', 'SHA512'):\n"
        "    e = hashes.HMAC(name)\n"
        "    for k in keys + keys:  # twice: the SHA-512 engine caches per-key state\n"
        "        print(hexlify(e.digest(k, datas[5])).decode())\n"
        "print(hashes.compare_digest(b'abc', b'abc'), hashes.compare_digest(b'abc', b'abd'),"
        " hashes.compare_digest(b'abc', b'ab'))\n"
    )
    want = []
    for d in datas:
        want += [hashlib.sha512(d).hexdigest()] * 2
    for name in ("sha1", "sha256", "sha512"):
        want += [hmac.new(k, datas[5], name).hexdigest() for k in keys + keys]
    want.append("True False False")
    assert upy.run(code).splitlines() == want


def test_sha512_cpython_matches_hashlib():
    firmware_ocra()  # puts the firmware package on sys.path
    from dsc import hashes

    rnd = random.Random(512)
    for n in (0, 3, 111, 112, 128, 300):
        d = bytes(rnd.getrandbits(8) for _ in range(n))
        assert hashes.SHA512(d).digest() == hashlib.sha512(d).digest()


# ---- allocation: the device budget (a count of heap bytes, not a time) ----------------------------

_ALLOC = """
import gc
from dsc import ocra
s = ocra.Suite(%r)
key = bytes(range(s.key_size))
ph = s.pin_hash("1234")
s.compute(key, "123456", pin_hash=ph)
gc.collect()
gc.disable()
a = gc.mem_alloc()
r = s.compute(key, "123456", pin_hash=ph)
print(gc.mem_alloc() - a)
"""


@pytest.mark.parametrize("suite", ["OCRA-1:HOTP-SHA256-8:QN06-PSHA256", "OCRA-1:HOTP-SHA512-8:QN06-PSHA512"])
def test_response_allocates_under_2kb_micropython(suite):
    allocated = int(upy.run(_ALLOC % suite))
    assert allocated <= 2048
