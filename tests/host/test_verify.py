"""Verifier: OCRA vectors, OK / wrong / replay / expiry / lockout / counter look-ahead, PINs."""

import hashlib

import picodsc.ocra as reference
import pytest
from hypothesis import given
from hypothesis import strategies as st
from picodsc.errors import PicodscError, UsageError
from picodsc.ocra import Prepared, parse_suite, pin_hash
from picodsc.verifier import UNKNOWN, USED, WRONG, Verifier, check_pin
from support import vectors
from support.token import DAY, KEY, PIN, SERIAL, SUITE, pin_digest
from support.token import response as answer

K20, K32 = b"12345678901234567890", b"12345678901234567890123456789012"
K64 = b"1234567890" * 6 + b"1234"


@pytest.fixture
def ver(registry):
    return Verifier(registry)


# RFC 6287 appendix C
@pytest.mark.parametrize("suite,key,q,c,pin,expect", [
    ("OCRA-1:HOTP-SHA1-6:QN08", K20, "00000000", None, None, "237653"),
    ("OCRA-1:HOTP-SHA1-6:QN08", K20, "99999999", None, None, "294470"),
    ("OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1", K32, "12345678", 0, "1234", "65347737"),
    ("OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1", K32, "12345678", 9, "1234", "08522129"),
    ("OCRA-1:HOTP-SHA256-8:QN08-PSHA1", K32, "44444444", None, "1234", "86807031"),
    ("OCRA-1:HOTP-SHA512-8:C-QN08", K64, "00000000", 0, None, "07016083"),
    ("OCRA-1:HOTP-SHA256-8:QA08", K32, "CLI22220SRV11110", None, None, "28247970"),
])
def test_rfc6287_vectors(suite, key, q, c, pin, expect):
    ph = hashlib.sha1(pin.encode()).digest() if pin else None
    assert Prepared(suite, key, ph).response(q, c) == expect


@pytest.mark.parametrize("v", vectors.VECTORS, ids=lambda v: v["name"])
def test_all_rfc6287_vectors(v):
    suite = parse_suite(v["suite"])
    ph = pin_hash(suite, v["pin"]) if suite.pin_hash_name else None
    ocra = Prepared(suite, bytes.fromhex(v["key"]), ph, session=None)
    assert ocra.response(v["question"], v.get("counter"), v.get("timestamp")) == v["response"]


_SUITES = st.builds(
    lambda h, d, c, q, n, p, t: f"OCRA-1:HOTP-{h}-{d}:" + "-".join(
        x for x in (c and "C", f"Q{q}{n:02d}", p and f"P{p}", t) if x),
    st.sampled_from(["SHA1", "SHA256", "SHA512"]), st.sampled_from([0, 4, 6, 8, 10]), st.booleans(),
    st.sampled_from("NAH"), st.integers(4, 64), st.sampled_from([None, "SHA1", "SHA256", "SHA512"]),
    st.sampled_from([None, "T30S", "T1M", "T48H"]))


@given(_SUITES, st.data())
def test_equals_host_reference(suite_text, data):
    suite = parse_suite(suite_text)
    alphabet = {"N": "0123456789", "A": "0123456789azAZ", "H": "0123456789abcdefABCDEF"}[suite.question_kind]
    q = data.draw(st.text(alphabet, min_size=4, max_size=suite.question_length))
    key = data.draw(st.binary(min_size=suite.key_size, max_size=suite.key_size))
    counter = data.draw(st.one_of(st.integers(0, 2**64 - 1), st.just(2**64 - 1))) if suite.counter else None
    ts = data.draw(st.integers(0, 2**40)) if suite.time_step else None
    n = suite.pin_hash_size
    ph = data.draw(st.binary(min_size=n, max_size=n)) if suite.pin_hash_name else None
    want = reference.compute(suite_text, key, q, counter=counter, pin_hash=ph, timestamp=ts)
    prepared = Prepared(suite, key, ph)
    assert prepared.response(q, counter, ts) == want
    expect = counter if suite.counter else 0
    assert prepared.match(q, want, counter=counter, window=3, timestamp=ts) == expect


def test_matches_oath_reference():
    from oath import _ocra

    suite, ph = "OCRA-1:HOTP-SHA256-8:QN06-PSHA256", hashlib.sha256(PIN.encode()).digest()
    ours = Prepared(suite, KEY, ph)
    ref = _ocra.str2ocrasuite(suite)
    for q in ("000000", "000001", "123456", "999999", "012340"):
        assert ours.response(q) == ref(KEY, Q=q, P=PIN)  # oath: P_digest is broken


def test_matches_host_reference():
    ph = hashlib.sha256(PIN.encode()).digest()
    for q in ("000000", "123456", "987654"):
        assert Prepared(SUITE, KEY, ph).response(q) == reference.compute(SUITE, KEY, q, pin_hash=ph)


def test_bad_suites():
    for bad in ("OCRA-2:HOTP-SHA1-6:QN08", "OCRA-1:HOTP-MD5-6:QN08", "OCRA-1:HOTP-SHA1-3:QN08",
                "OCRA-1:HOTP-SHA1-6:C", "OCRA-1:HOTP-SHA1-6:QN08-QN08", "OCRA-1:HOTP-SHA1-6:QX08"):
        with pytest.raises(UsageError):
            parse_suite(bad)


def test_ok(ver):
    c = ver.challenge(SERIAL)
    assert len(c) == 6 and c.isdigit()
    r = ver.verify(SERIAL, c, answer(c))
    assert r and r.ok and r.reason == "OK"


def test_wrong_pin_and_wrong_response(ver):
    c = ver.challenge(SERIAL)
    assert ver.verify(SERIAL, c, answer(c, pin="9051")).reason == WRONG
    c = ver.challenge(SERIAL)
    good = answer(c)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert ver.verify(SERIAL, c, bad).reason == WRONG


def test_replay_and_consumed_by_first_verify(ver):
    c = ver.challenge(SERIAL)
    assert ver.verify(SERIAL, c, answer(c)).ok
    assert ver.verify(SERIAL, c, answer(c)).reason == USED
    c = ver.challenge(SERIAL)
    assert ver.verify(SERIAL, c, "00000000").reason in (WRONG, "OK")
    assert ver.verify(SERIAL, c, answer(c)).reason == USED


def test_unknown_and_expired(ver, clock):
    assert ver.verify(SERIAL, "123456", "12345678").reason == UNKNOWN
    c = ver.challenge(SERIAL)
    clock.t += 119
    assert ver.verify(SERIAL, c, answer(c)).ok
    c = ver.challenge(SERIAL)
    clock.t += 121
    assert ver.verify(SERIAL, c, answer(c)).reason == UNKNOWN


def test_challenge_for_other_token_is_unknown(ver, registry):
    other = "0123456789ABCDEF"
    registry.add_token(other, SUITE, KEY, pin_digest(SUITE, PIN))
    c = ver.challenge(other)
    assert ver.verify(SERIAL, c, answer(c)).reason == UNKNOWN


def fail(ver, n=1):
    for _ in range(n):
        c = ver.challenge(SERIAL)
        r = ver.verify(SERIAL, c, answer(c, pin="9051"))
    return r


def test_lockout_after_10_failures(ver, clock, registry):
    for _ in range(9):
        assert fail(ver).reason == WRONG
        clock.t += 60
    assert fail(ver).reason == WRONG  # the 10th
    last = clock.t
    c = ver.challenge(SERIAL)
    r = ver.verify(SERIAL, c, answer(c))  # 11th, right response: still refused
    assert not r.ok and r.reason == "token locked until 2023-11-15 22:22:20 UTC"
    assert registry.load(SERIAL).locked_until == last + DAY
    clock.t = last + DAY - 1
    c = ver.challenge(SERIAL)
    assert ver.verify(SERIAL, c, answer(c)).reason.startswith("token locked until")
    clock.t = last + DAY + 1  # time travel past 24 h after the last failure: unlocked
    c = ver.challenge(SERIAL)
    assert ver.verify(SERIAL, c, answer(c)).ok
    assert registry.load(SERIAL).failures == []


def test_success_resets_count(ver, registry):
    fail(ver, 9)
    c = ver.challenge(SERIAL)
    assert ver.verify(SERIAL, c, answer(c)).ok
    fail(ver, 9)
    c = ver.challenge(SERIAL)
    assert ver.verify(SERIAL, c, answer(c)).ok
    assert registry.load(SERIAL).locked_until is None


def test_failures_older_than_24h_do_not_count(ver, clock):
    fail(ver, 9)
    clock.t += DAY + 1
    assert fail(ver).reason == WRONG  # 10 failures, but not within 24 h
    c = ver.challenge(SERIAL)
    assert ver.verify(SERIAL, c, answer(c)).ok


def test_counter_look_ahead(empty_registry):
    suite = "OCRA-1:HOTP-SHA1-6:C-QN08-PSHA1"
    ph = pin_hash(suite, PIN)
    empty_registry.add_token(SERIAL, suite, K20, ph, counter=5)
    ver = Verifier(empty_registry, window=100)
    ocra = Prepared(suite, K20, ph)
    c = ver.challenge(SERIAL)
    assert len(c) == 8
    assert ver.verify(SERIAL, c, ocra.response(c, 5 + 42)).ok  # token pressed 42 times unseen
    assert empty_registry.load(SERIAL).counter == 48
    c = ver.challenge(SERIAL)
    assert ver.verify(SERIAL, c, ocra.response(c, 47)).reason == WRONG  # behind: refused
    c = ver.challenge(SERIAL)
    assert ver.verify(SERIAL, c, ocra.response(c, 48 + 100)).reason == WRONG  # beyond window
    c = ver.challenge(SERIAL)
    assert ver.verify(SERIAL, c, ocra.response(c, 48 + 99)).ok
    assert empty_registry.load(SERIAL).counter == 148


def test_bad_arguments_lose_nothing(ver, registry):
    c = ver.challenge(SERIAL)
    for ch, resp in ((c, "1234567"), (c, "abcdefgh"), ("12a456", "12345678"), ("1234567", "12345678")):
        with pytest.raises(UsageError):
            ver.verify(SERIAL, ch, resp)
    assert ver.verify(SERIAL, c, answer(c)).ok  # the challenge was not consumed
    with pytest.raises(PicodscError, match="unknown token"):
        ver.verify("0123456789ABCDEF", c, answer(c))
    assert registry.load(SERIAL).failures == []


def test_change_pin(ver):
    c = ver.challenge(SERIAL)
    assert ver.change_pin(SERIAL, c, answer(c, pin="8362"), "8362").ok
    c = ver.challenge(SERIAL)
    assert ver.verify(SERIAL, c, answer(c)).reason == WRONG  # old PIN no longer works
    c = ver.challenge(SERIAL)
    assert ver.verify(SERIAL, c, answer(c, pin="8362")).ok
    c = ver.challenge(SERIAL)
    assert ver.change_pin(SERIAL, c, answer(c, pin="8362"), "5094").reason == WRONG  # typo: no change
    c = ver.challenge(SERIAL)
    assert ver.verify(SERIAL, c, answer(c, pin="8362")).ok
    with pytest.raises(UsageError, match="weak"):
        ver.change_pin(SERIAL, c, "12345678", "1234")


@pytest.mark.parametrize("pin", ["0000", "1111", "1234", "2580", "1212", "4321", "6789", "7890",
                                 "9876", "6969", "0852", "1004", "2000", "8901", "0101"])
def test_weak_pins_refused(pin):
    with pytest.raises(UsageError, match="weak") as e:
        check_pin(pin)
    assert pin not in str(e.value)


@pytest.mark.parametrize("pin", ["", "123", "12345", "47110815", "12a4", "١٢٣٤"])
def test_malformed_pins_refused(pin):
    with pytest.raises(UsageError, match="digits"):
        check_pin(pin)


@pytest.mark.parametrize("pin", ["4711", "8362", "5094", "1903"])
def test_good_pins_accepted(pin):
    check_pin(pin)
