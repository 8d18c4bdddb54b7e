"""Tests on a real board, skipped unless `pytest --device PORT` names its serial port.

They need an *unprovisioned* Pico with MicroPython v1.24+ (a provisioned token locks its USB REPL and
these fail fast with that message). They deploy the firmware, then check first what the emulator
cannot prove (issue 9): 200 x lightsleep(20) keeps ticks_ms moving and the mpremote session alive, the
I2C scan finds the display at 0x3C and a frame draws, a SHA-512 response takes < 1 s, gc.mem_free()
at PIN>; then the RFC 6287 vectors on the RP2040 itself (the only place the 31-bit small ints and the
rp2 `hashlib` are real); last a guided end-to-end run that asks the person at the board to press keys
(from a terminal: it reads /dev/tty) and leaves the board factory reset.
"""

import json

import pytest
from picodsc import ocra as host_ocra
from picodsc import provision
from support.vectors import PIN_SHA1, VECTORS

pytestmark = pytest.mark.device

# Runs on the board: every vector through dsc.ocra, one JSON line of results plus the heap cost of
# the engine's compute() for a default-suite response on a parsed suite (the token's whole response
# path, which imports and parses afresh each time, is measured by `make bench`).
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


# -- what the emulator cannot prove (issue 9): run first, on the bare board ---------------------------

def _run(board, code, marker):
    """Run ``code`` on the board (raw REPL, stdin: never argv); the JSON after ``marker``."""
    out = board.run(["run", "/dev/stdin"], stdin=code.encode())
    line = next(ln for ln in out.splitlines() if ln.startswith(marker + " "))
    return json.loads(line.split(" ", 1)[1])


_LIGHTSLEEP = """\
import json, machine, time
t0 = time.ticks_ms()
moved = 0
last = t0
for i in range(200):
    machine.lightsleep(20)
    now = time.ticks_ms()
    moved += time.ticks_diff(now, last) > 0
    last = now
print('PICODSC-SLEEP', json.dumps({'ms': time.ticks_diff(last, t0), 'moved': moved}))
"""


def test_device_lightsleep_keeps_ticks_and_usb(board):
    # rp2 before v1.24 stopped the USB clock in every lightsleep(ms): the session would drop here.
    result = _run(board, _LIGHTSLEEP, "PICODSC-SLEEP")
    assert 0 < result["ms"] <= 200 * 20 + 1_000  # early wakeups may shorten it, never lengthen it much
    assert result["moved"] >= 100  # ticks_ms() keeps counting across the sleeps
    assert "alive" in board.run(["exec", "print('alive')"])  # the same USB session, still answering


_I2C_FRAME = """\
import json, board
from machine import I2C, Pin
from dsc.display import Display
i2c = I2C(board.I2C_ID, sda=Pin(board.I2C_SDA), scl=Pin(board.I2C_SCL), freq=board.I2C_FREQ)
found = i2c.scan()
d = Display(i2c, board.DISPLAY_WIDTH, board.DISPLAY_HEIGHT, board.DISPLAY_ADDR)
d.clear()
d.text('PICODSC TEST')
d.update()
d.power(True)
print('PICODSC-I2C', json.dumps({'found': found, 'addr': board.DISPLAY_ADDR}))
"""


def test_device_i2c_scan_finds_the_display_and_a_frame_draws(board):
    result = _run(board, _I2C_FRAME, "PICODSC-I2C")
    assert result["addr"] == 0x3C and 0x3C in result["found"]


_SHA512 = """\
import json, time
from binascii import unhexlify
from dsc import ocra
s = ocra.Suite(%r)
t0 = time.ticks_ms()
r = s.compute(unhexlify(%r), %r, pin_hash=s.pin_hash('1234'))
print('PICODSC-SHA512', json.dumps({'response': r, 'ms': time.ticks_diff(time.ticks_ms(), t0)}))
"""


def test_device_sha512_response_within_a_second(board):
    suite, key, question = "OCRA-1:HOTP-SHA512-8:QN08-PSHA512", bytes(range(64)), "12345678"
    result = _run(board, _SHA512 % (suite, key.hex(), question), "PICODSC-SHA512")
    parsed = host_ocra.parse_suite(suite)
    assert result["response"] == host_ocra.compute(parsed, key, question,
                                                   pin_hash=host_ocra.pin_hash(parsed, "1234"))
    assert result["ms"] < 1_000  # pure-Python SHA-512 on the RP2040: a response the user can wait for


_AT_PIN = """\
import gc, json, time
import dsc.app
display, keypad = dsc.app.hardware()
class Cfg:
    pass
cfg = Cfg()
cfg.pin_hash_name, cfg.question_length, cfg.counter = 'SHA256', 6, None
token = dsc.app.Token(display, keypad, cfg)
token.step('PRESS', time.ticks_ms())
gc.collect()
print('PICODSC-MEM', json.dumps({'state': token.state, 'free': gc.mem_free(), 'alloc': gc.mem_alloc()}))
token.step('PRESS', time.ticks_ms())
"""


def test_device_mem_free_at_pin_prompt(board):
    result = _run(board, _AT_PIN, "PICODSC-MEM")
    assert result["state"] == 1  # dsc.app.PIN
    print(f"\nRP2040 at PIN>: gc.mem_free() {result['free']} B, gc.mem_alloc() {result['alloc']} B "
          "(incl. mpremote's raw REPL)")
    assert result["free"] >= 64 * 1024


# -- the firmware's own checks on the RP2040 ------------------------------------------------------

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


# -- last: a guided end-to-end run with a person at the keypad -------------------------------------

def _operator():
    """The person's terminal (pytest captures stdin): skip when there is none."""
    try:
        return open("/dev/tty", "r+")
    except OSError:
        pytest.skip("the guided test needs a terminal (/dev/tty) for the operator")


def test_device_guided_end_to_end(board, tmp_path):
    tty = _operator()

    def say(text):
        tty.write(text + "\n")
        tty.flush()

    def ask(text):
        say(text)
        return tty.readline().strip()

    from picodsc.registry import Registry
    from picodsc.verifier import Verifier

    with Registry(tmp_path / "throwaway.sqlite3", tmp_path / "throwaway.key") as reg:
        serial = provision.provision(reg, board.port, pin="4711", timeout=120)
        say(f"\nToken {serial} provisioned with a THROWAWAY key (PIN 4711). Keep it plugged in.")
        ask("Wait until the display is dark, then wait 70 s more (the token sleeps a minute at a "
            "time), then press Enter here.")
        assert ask("Now press PRESS once. Does PIN> appear within a moment? [y/n]").lower() == "y"
        challenge = Verifier(reg).challenge(serial)
        response = ask(f"Type the PIN 4711 and OK, then the challenge {challenge} and OK. "
                       "Type the response shown on the token here:")
        assert Verifier(reg).verify(serial, challenge, response.replace(" ", "")).ok
        say("Correct. Now factory reset the token so it can be tested again: hold DEL, hold PRESS 3 s, "
            "then OK at WIPE? OK.")
        ask("Press Enter when NOT PROVISIONED shows.")
    assert provision.probe(board) == (serial, False)  # the REPL answers again: unprovisioned
