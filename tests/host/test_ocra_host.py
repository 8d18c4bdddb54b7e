"""Host reference (picodsc.ocra): RFC 6287 Appendix C vectors, parsing, malformed input, CLI."""

import hashlib
import io

import pytest
from picodsc import ocra
from picodsc.cli import main as cli_main
from picodsc.errors import UsageError
from rfc6287_vectors import KEY20, KEY32, PIN, PIN_SHA1, VECTORS


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


# (suite, fragment of the message)
BAD_SUITES = [
    ("", "expected 'OCRA-1"),
    ("OCRA-1:HOTP-SHA1-6", "expected 'OCRA-1"),
    ("OCRA-1:HOTP-SHA1-6:QN08:X", "expected 'OCRA-1"),
    ("OCRA-2:HOTP-SHA1-6:QN08", "unsupported algorithm"),
    ("OCRA-1:TOTP-SHA1-6:QN08", "crypto function"),
    ("OCRA-1:HOTP-SHA1:QN08", "crypto function"),
    ("OCRA-1:HOTP-MD5-6:QN08", "unknown hash"),
    ("OCRA-1:HOTP-SHA1-3:QN08", "truncation"),
    ("OCRA-1:HOTP-SHA1-11:QN08", "truncation"),
    ("OCRA-1:HOTP-SHA1-06:QN08", "truncation"),
    ("OCRA-1:HOTP-SHA1-x:QN08", "truncation"),
    ("OCRA-1:HOTP-SHA1-6:", "question field"),
    ("OCRA-1:HOTP-SHA1-6:C", "question field"),
    ("OCRA-1:HOTP-SHA1-6:PSHA1", "question field"),
    ("OCRA-1:HOTP-SHA1-6:QX08", "question field"),
    ("OCRA-1:HOTP-SHA1-6:QN8", "question field"),
    ("OCRA-1:HOTP-SHA1-6:QN03", "question length"),
    ("OCRA-1:HOTP-SHA1-6:QN65", "question length"),
    ("OCRA-1:HOTP-SHA1-6:QNxx", "question length"),
    ("OCRA-1:HOTP-SHA1-6:QN08-PMD5", "unknown hash"),
    ("OCRA-1:HOTP-SHA1-6:QN08-P", "unknown hash"),
    ("OCRA-1:HOTP-SHA1-6:QN08-S64", "session field"),
    ("OCRA-1:HOTP-SHA1-6:QN08-S100", "session field"),
    ("OCRA-1:HOTP-SHA1-6:QN08-T1D", "time step"),
    ("OCRA-1:HOTP-SHA1-6:QN08-T0M", "time step"),
    ("OCRA-1:HOTP-SHA1-6:QN08-T60S", "time step"),
    ("OCRA-1:HOTP-SHA1-6:QN08-T49H", "time step"),
    ("OCRA-1:HOTP-SHA1-6:QN08-T", "time step"),
    ("OCRA-1:HOTP-SHA1-6:QN08-T01M", "time step"),
    ("OCRA-1:HOTP-SHA1-6:QN08-X1", "unknown data input field"),
    ("OCRA-1:HOTP-SHA1-6:QN08-", "unknown data input field"),
    ("OCRA-1:HOTP-SHA1-6:QN08-T1M-PSHA1", "out of order"),
    ("OCRA-1:HOTP-SHA1-6:QN08-PSHA1-PSHA1", "out of order"),
    ("OCRA-1:HOTP-SHA1-6:QN08-C", "unknown data input field"),
    ("OCRA-1:HOTP-SHA1-6:QN08-QN08", "unknown data input field"),
]


@pytest.mark.parametrize("suite,fragment", BAD_SUITES)
def test_malformed_suite(suite, fragment):
    with pytest.raises(ValueError, match=fragment) as exc:
        ocra.parse_suite(suite)
    assert isinstance(exc.value, UsageError)


K32 = bytes.fromhex(KEY32)
PH1 = bytes.fromhex(PIN_SHA1)
# (suite, question, kwargs, fragment)
BAD_INPUTS = [
    ("OCRA-1:HOTP-SHA1-6:QN08", "123", {}, "question has 3 characters"),
    ("OCRA-1:HOTP-SHA1-6:QN08", "1" * 17, {}, "question has 17 characters"),
    ("OCRA-1:HOTP-SHA1-6:QN08", "1234567a", {}, "decimal digits"),
    ("OCRA-1:HOTP-SHA1-6:QN08", "１２３４", {}, "decimal digits"),
    ("OCRA-1:HOTP-SHA1-6:QA08", "abc-1234", {}, "ASCII letters and digits"),
    ("OCRA-1:HOTP-SHA1-6:QA08", "abcdé123", {}, "ASCII letters and digits"),
    ("OCRA-1:HOTP-SHA1-6:QH08", "abcdefgh", {}, "hex digits"),
    ("OCRA-1:HOTP-SHA1-6:QN08", 12345678, {}, "question must be a string"),
    ("OCRA-1:HOTP-SHA1-6:C-QN08", "12345678", {}, "needs counter"),
    ("OCRA-1:HOTP-SHA1-6:C-QN08", "12345678", {"counter": -1}, "counter out of range"),
    ("OCRA-1:HOTP-SHA1-6:C-QN08", "12345678", {"counter": 1 << 64}, "counter out of range"),
    ("OCRA-1:HOTP-SHA1-6:C-QN08", "12345678", {"counter": "1"}, "counter must be an int"),
    ("OCRA-1:HOTP-SHA1-6:QN08", "12345678", {"counter": 1}, "counter given but the suite has no C"),
    ("OCRA-1:HOTP-SHA1-6:QN08-PSHA1", "12345678", {}, "needs pin_hash"),
    ("OCRA-1:HOTP-SHA1-6:QN08-PSHA256", "12345678", {"pin_hash": PH1}, "SHA256 digest"),
    ("OCRA-1:HOTP-SHA1-6:QN08-PSHA1", "12345678", {"pin_hash": "1234"}, "pin_hash must be bytes"),
    ("OCRA-1:HOTP-SHA1-6:QN08", "12345678", {"pin_hash": PH1}, "pin_hash given but the suite has no P"),
    ("OCRA-1:HOTP-SHA1-6:QN08-S064", "12345678", {}, "needs session"),
    ("OCRA-1:HOTP-SHA1-6:QN08-S064", "12345678", {"session": bytes(63)}, "exactly 64 bytes"),
    ("OCRA-1:HOTP-SHA1-6:QN08", "12345678", {"session": bytes(64)}, "session given but the suite has no S"),
    ("OCRA-1:HOTP-SHA1-6:QN08-T1M", "12345678", {}, "needs timestamp"),
    ("OCRA-1:HOTP-SHA1-6:QN08-T1M", "12345678", {"timestamp": -5}, "timestamp out of range"),
    ("OCRA-1:HOTP-SHA1-6:QN08-T1M", "12345678", {"timestamp": 1.5}, "timestamp must be an int"),
    ("OCRA-1:HOTP-SHA1-6:QN08", "12345678", {"timestamp": 5}, "timestamp given but the suite has no T"),
]


@pytest.mark.parametrize("suite,question,kwargs,fragment", BAD_INPUTS)
def test_bad_input(suite, question, kwargs, fragment):
    with pytest.raises(ValueError, match=fragment) as exc:
        ocra.compute(suite, K32, question, **kwargs)
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

def _run_cli(argv, capsys, monkeypatch, stdin=""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    with pytest.raises(SystemExit) as exc:
        cli_main(["ocra", *argv])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_cli_vector(capsys, monkeypatch):
    code, out, err = _run_cli(
        ["--suite", "OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1", "--key", KEY32, "--question", "12345678",
         "--counter", "9", "--pin", "1234"], capsys, monkeypatch)
    assert (code, out, err) == (0, "08522129\n", "")


def test_cli_key_from_stdin(capsys, monkeypatch):
    code, out, _ = _run_cli(
        ["--suite", "OCRA-1:HOTP-SHA512-8:QN08-T1M", "--key", "-", "--question", "22222222",
         "--time", str(0x132D0B6)], capsys, monkeypatch, stdin=VECTORS[-1]["key"] + "\n")
    assert (code, out) == (0, "22048402\n")


def test_cli_session(capsys, monkeypatch):
    suite = "OCRA-1:HOTP-SHA1-6:QN08-S064"
    want = ocra.compute(suite, bytes.fromhex(KEY20), "1234", session=bytes(range(64)))
    code, out, _ = _run_cli(["--suite", suite, "--key", KEY20, "--question", "1234",
                             "--session", bytes(range(64)).hex()], capsys, monkeypatch)
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
def test_cli_errors(argv, fragment, capsys, monkeypatch):
    code, out, err = _run_cli(argv, capsys, monkeypatch)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and fragment in err and err.count("\n") == 1
    assert KEY20 not in err


def test_cli_empty_stdin_key(capsys, monkeypatch):
    code, _, err = _run_cli(["--suite", "OCRA-1:HOTP-SHA1-6:QN08", "--key", "-", "--question", "12345678"],
                            capsys, monkeypatch, stdin="")
    assert code == 2 and "--key" in err
