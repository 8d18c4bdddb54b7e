"""RFC 6287 Appendix C test vectors (one-way, mutual and signature), and malformed suites and inputs
with the fragment of the error each must give, as plain data.

Shared by the host-reference tests and the firmware tests (sent to MicroPython as JSON), so this
module holds only literals. ``pin`` is the PIN whose SHA-1 digest is the P input ("1234" in the RFC);
``timestamp`` is a number of time steps (0x132d0b6 minutes in the RFC).
"""

KEY20 = "3132333435363738393031323334353637383930"
KEY32 = "3132333435363738393031323334353637383930313233343536373839303132"
KEY64 = (
    "3132333435363738393031323334353637383930313233343536373839303132"
    "3334353637383930313233343536373839303132333435363738393031323334"
)
PIN = "1234"
PIN_SHA1 = "7110eda4d09e062aa5e4a390b0a572ac0d2c0220"  # SHA-1("1234"), given in RFC 6287 Appendix C
TIMESTAMP = 0x132D0B6

VECTORS = []


def _add(group, suite, key, rows, **common):
    for i, row in enumerate(rows):
        case = dict(common, suite=suite, key=key)
        case.update(row)
        case["name"] = f"{group}-{suite.split(':', 2)[2]}-{case['key_name']}-{i}"
        VECTORS.append(case)


def _q(rows):
    return [{"question": q, "response": r} for q, r in rows]


# C.1 One-way challenge-response
_add("oneway", "OCRA-1:HOTP-SHA1-6:QN08", KEY20, _q([
    ("00000000", "237653"), ("11111111", "243178"), ("22222222", "653583"), ("33333333", "740991"),
    ("44444444", "608993"), ("55555555", "388898"), ("66666666", "816933"), ("77777777", "224598"),
    ("88888888", "750600"), ("99999999", "294470"),
]), key_name="K20")
_add("oneway", "OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1", KEY32, [
    {"counter": c, "question": "12345678", "response": r} for c, r in enumerate([
        "65347737", "86775851", "78192410", "71565254", "10104329",
        "65983500", "70069104", "91771096", "75011558", "08522129",
    ])
], key_name="K32", pin=PIN)
_add("oneway", "OCRA-1:HOTP-SHA256-8:QN08-PSHA1", KEY32, _q([
    ("00000000", "83238735"), ("11111111", "01501458"), ("22222222", "17957585"),
    ("33333333", "86776967"), ("44444444", "86807031"),
]), key_name="K32", pin=PIN)
_add("oneway", "OCRA-1:HOTP-SHA512-8:C-QN08", KEY64, [
    {"counter": c, "question": str(c) * 8, "response": r} for c, r in enumerate([
        "07016083", "63947962", "70123924", "25341727", "33203315",
        "34205738", "44343969", "51946085", "20403879", "31409299",
    ])
], key_name="K64")
_add("oneway", "OCRA-1:HOTP-SHA512-8:QN08-T1M", KEY64, _q([
    ("00000000", "95209754"), ("11111111", "55907591"), ("22222222", "22048402"),
    ("33333333", "24218844"), ("44444444", "36209546"),
]), key_name="K64", timestamp=TIMESTAMP)

# C.2 Mutual challenge-response (question = the two challenges concatenated)
_add("mutual-server", "OCRA-1:HOTP-SHA256-8:QA08", KEY32, _q([
    ("CLI22220SRV11110", "28247970"), ("CLI22221SRV11111", "01984843"), ("CLI22222SRV11112", "65387857"),
    ("CLI22223SRV11113", "03351211"), ("CLI22224SRV11114", "83412541"),
]), key_name="K32")
_add("mutual-client", "OCRA-1:HOTP-SHA256-8:QA08", KEY32, _q([
    ("SRV11110CLI22220", "15510767"), ("SRV11111CLI22221", "90175646"), ("SRV11112CLI22222", "33777207"),
    ("SRV11113CLI22223", "95285278"), ("SRV11114CLI22224", "28934924"),
]), key_name="K32")
_add("mutual-server", "OCRA-1:HOTP-SHA512-8:QA08", KEY64, _q([
    ("CLI22220SRV11110", "79496648"), ("CLI22221SRV11111", "76831980"), ("CLI22222SRV11112", "12250499"),
    ("CLI22223SRV11113", "90856481"), ("CLI22224SRV11114", "12761449"),
]), key_name="K64")
_add("mutual-client", "OCRA-1:HOTP-SHA512-8:QA08-PSHA1", KEY64, _q([
    ("SRV11110CLI22220", "18806276"), ("SRV11111CLI22221", "70020315"), ("SRV11112CLI22222", "01600026"),
    ("SRV11113CLI22223", "18951020"), ("SRV11114CLI22224", "32528969"),
]), key_name="K64", pin=PIN)

# C.3 Plain signature
_add("signature", "OCRA-1:HOTP-SHA256-8:QA08", KEY32, _q([
    ("SIG10000", "53095496"), ("SIG11000", "04110475"), ("SIG12000", "31331128"),
    ("SIG13000", "76028668"), ("SIG14000", "46554205"),
]), key_name="K32")
_add("signature", "OCRA-1:HOTP-SHA512-8:QA10-T1M", KEY64, _q([
    ("SIG1000000", "77537423"), ("SIG1100000", "31970405"), ("SIG1200000", "10235557"),
    ("SIG1300000", "95213541"), ("SIG1400000", "65360607"),
]), key_name="K64", timestamp=TIMESTAMP)

assert len({v["name"] for v in VECTORS}) == len(VECTORS)


# ---- malformed input: the host reference and the firmware refuse each with this fragment -------------

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
