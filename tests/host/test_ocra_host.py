"""Host reference (picodsc.ocra): RFC 6287 Appendix C vectors, parsing, malformed input, CLI."""

import hashlib

import pytest
from picodsc import ocra
from picodsc.errors import UsageError
from support.commands import run_cli
from support.vectors import BAD_INPUTS, BAD_SUITES, KEY20, KEY32, PIN, PIN_SHA1, VECTORS


def _args(v):
    return dict(
        counter=v.get("counter"),
        pin_hash=bytes.fromhex(PIN_SHA1) if v.get("pin") else None,
        timestamp=v.get("timestamp"),
    )


@pytest.mark.parametrize("v", VECTORS, ids=[v["name"] for v in VECTORS])
def test_rfc6287_vector(v):
    assert ocra.compute(v["suite"], bytes.fromhex(v["key"]), v["question"], **_args(v)) == v["response"]
    suite = ocra.parse_suite(v["suite"])
    if v.get("pin"):
        assert ocra.pin_hash(suite, v["pin"]) == bytes.fromhex(PIN_SHA1)
    assert ocra.compute(suite, bytes.fromhex(v["key"]), v["question"], **_args(v)) == v["response"]


def test_pin_sha1_constant():
    assert hashlib.sha1(PIN.encode()).hexdigest() == PIN_SHA1


def test_parse_default_suite():
    s = ocra.parse_suite(ocra.DEFAULT_SUITE)
    got = (s.hash_name, s.digits, s.counter, s.question_kind, s.question_length)
    assert got == ("SHA256", 8, False, "N", 6)
    assert (s.pin_hash_name, s.session_length, s.time_step, s.key_size, s.pin_hash_size) == (
        "SHA256", None, None, 32, 32)


def test_parse_full_suite():
    s = ocra.parse_suite("OCRA-1:HOTP-SHA512-10:C-QH64-PSHA512-S512-T48H")
    got = (s.hash_name, s.digits, s.counter, s.question_kind, s.question_length)
    assert got == ("SHA512", 10, True, "H", 64)
    assert (s.pin_hash_name, s.session_length, s.time_step) == ("SHA512", 512, 48 * 3600)
    assert ocra.parse_suite("OCRA-1:HOTP-SHA1-0:QA04-T30S").time_step == 30


def test_truncation_zero_is_full_hmac_hex():
    import hmac

    suite = "OCRA-1:HOTP-SHA1-0:QN08"
    msg = suite.encode() + b"\0" + bytes(128)
    want = hmac.new(bytes.fromhex(KEY20), msg, "sha1").hexdigest()
    assert ocra.compute(suite, bytes.fromhex(KEY20), "00000000") == want


def test_odd_length_hex_question_padded_right():
    suite = "OCRA-1:HOTP-SHA1-6:QH08"
    key = bytes.fromhex(KEY20)
    assert ocra.compute(suite, key, "abcde") == ocra.compute(suite, key, "ABCDE0")


@pytest.mark.parametrize("suite,fragment", BAD_SUITES)
def test_malformed_suite(suite, fragment):
    with pytest.raises(ValueError, match=fragment) as exc:
        ocra.parse_suite(suite)
    assert isinstance(exc.value, UsageError)


@pytest.mark.parametrize("suite,question,kwargs,fragment", BAD_INPUTS)
def test_bad_input(suite, question, kwargs, fragment):
    with pytest.raises(ValueError, match=fragment) as exc:
        ocra.compute(suite, bytes.fromhex(KEY32), question, **kwargs)
    assert KEY32 not in str(exc.value)


def test_bad_key():
    with pytest.raises(ValueError, match="key is empty"):
        ocra.compute("OCRA-1:HOTP-SHA1-6:QN08", b"", "12345678")
    with pytest.raises(ValueError, match="key must be bytes"):
        ocra.compute("OCRA-1:HOTP-SHA1-6:QN08", KEY32, "12345678")


def test_pin_hash_errors():
    with pytest.raises(ValueError, match="no PIN"):
        ocra.pin_hash("OCRA-1:HOTP-SHA1-6:QN08", "1234")
    with pytest.raises(ValueError, match="non-empty string"):
        ocra.pin_hash("OCRA-1:HOTP-SHA1-6:QN08-PSHA1", "")
    assert ocra.pin_hash(ocra.DEFAULT_SUITE, "1234") == hashlib.sha256(b"1234").digest()


# ---- CLI ----------------------------------------------------------------------------------------

def _run_cli(argv, stdin=""):
    return run_cli(["ocra", *argv], stdin)


def test_cli_vector():
    code, out, err = _run_cli(
        ["--suite", "OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1", "--key", KEY32, "--question", "12345678",
         "--counter", "9", "--pin", "1234"])
    assert (code, out, err) == (0, "08522129\n", "")


def test_cli_key_from_stdin():
    code, out, _ = _run_cli(
        ["--suite", "OCRA-1:HOTP-SHA512-8:QN08-T1M", "--key", "-", "--question", "22222222",
         "--time", str(0x132D0B6)], stdin=VECTORS[-1]["key"] + "\n")
    assert (code, out) == (0, "22048402\n")


def test_cli_session():
    suite = "OCRA-1:HOTP-SHA1-6:QN08-S064"
    want = ocra.compute(suite, bytes.fromhex(KEY20), "1234", session=bytes(range(64)))
    code, out, _ = _run_cli(["--suite", suite, "--key", KEY20, "--question", "1234",
                             "--session", bytes(range(64)).hex()])
    assert (code, out) == (0, want + "\n")


@pytest.mark.parametrize("argv,fragment", [
    (["--suite", "OCRA-1:HOTP-SHA1-6:QN08", "--key", KEY20 + "zz", "--question", "12345678"], "--key"),
    (["--suite", "OCRA-1:HOTP-SHA1-6:QX08", "--key", KEY20, "--question", "12345678"], "malformed OCRA"),
    (["--suite", "OCRA-1:HOTP-SHA1-6:QN08", "--key", KEY20, "--question", "12"], "question has 2"),
    (["--suite", "OCRA-1:HOTP-SHA1-6:QN08", "--key", KEY20, "--question", "12345678", "--pin", "1"],
     "no PIN"),
    (["--suite", "OCRA-1:HOTP-SHA1-6:QN08-S064", "--key", KEY20, "--question", "1234", "--session", "xy"],
     "--session"),
])
def test_cli_errors(argv, fragment):
    code, out, err = _run_cli(argv)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and fragment in err and err.count("\n") == 1
    assert KEY20 not in err


def test_cli_empty_stdin_key():
    code, _, err = _run_cli(["--suite", "OCRA-1:HOTP-SHA1-6:QN08", "--key", "-", "--question", "12345678"],
                            stdin="")
    assert code == 2 and "--key" in err
