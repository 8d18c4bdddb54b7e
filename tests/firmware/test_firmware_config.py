"""dsc.config under the real MicroPython on a littlefs filesystem (RAM block device) mounted at /."""

import json

import pytest
from support.firmware_stubs import mp_run
from support.token import SERIAL, SUITE
from support.vectors import KEY20, KEY32  # hex

CSUITE = "OCRA-1:HOTP-SHA1-6:C-QN08-PSHA1"

_SETUP = """
import os, vfs
from dsc import config
import dsc.ocra  # imported lazily by config; / is about to become the littlefs volume
class RAM:
    def __init__(self, n):
        self.data = bytearray(n * 512)
        self.n = n
    def readblocks(self, b, buf, off=0):
        a = b * 512 + off
        buf[:] = self.data[a:a + len(buf)]
    def writeblocks(self, b, buf, off=None):
        a = b * 512 + (off or 0)
        self.data[a:a + len(buf)] = buf
    def ioctl(self, op, arg):
        return {4: self.n, 5: 512, 6: 0}.get(op)
dev = RAM(128)
vfs.VfsLfs2.mkfs(dev)
vfs.mount(vfs.VfsLfs2(dev), "/")
def write(text):
    with open("/dsc.cfg", "w") as f:
        f.write(text)
def read():
    with open("/dsc.cfg") as f:
        return f.read()
def attempt(fn, *args):
    try:
        return fn(*args)
    except ValueError as e:
        return "%s: %s" % (type(e).__name__, e)
"""


def test_serial_and_unprovisioned():
    out = mp_run(_SETUP + "print(config.serial(), config.load())")
    assert out.strip() == f"{SERIAL} None"


def test_provision_writes_the_documented_file_atomically():
    code = f"""
print(config.provision({SUITE!r}, {KEY32!r}))
print(read())
print(sorted(os.listdir("/")))
cfg = config.load()
print(cfg.suite_text, cfg.key == b"12345678901234567890123456789012", cfg.counter)
print(attempt(config.provision, {SUITE!r}, {KEY32!r}))
"""
    lines = mp_run(_SETUP + code).splitlines()
    assert lines[0] == SERIAL
    assert json.loads(lines[1]) == {"v": 1, "suite": SUITE, "key": KEY32}
    assert lines[1] == '{"v": 1, "suite": "%s", "key": "%s"}' % (SUITE, KEY32)
    assert lines[2] == "['dsc.cfg']"
    assert lines[3] == f"{SUITE} True None"
    assert lines[4] == "ConfigError: already provisioned"


def test_counter_suite_save_counter():
    code = f"""
config.provision({CSUITE!r}, {KEY20!r}, 7)
cfg = config.load()
print(cfg.counter)
config.save_counter(cfg, 8)
print(cfg.counter, config.load().counter, sorted(os.listdir("/")))
print(read())
"""
    lines = mp_run(_SETUP + code).splitlines()
    assert lines[:2] == ["7", "8 8 ['dsc.cfg']"]
    assert json.loads(lines[2]) == {"v": 1, "suite": CSUITE, "key": KEY20, "counter": 8}


@pytest.mark.parametrize(
    "args, reason",
    [
        ((SUITE, KEY32[:-2]), "bad key length"),
        ((SUITE, KEY32[:-1] + "g"), "key not hex"),
        (("OCRA-1:HOTP-SHA256-8:QN06-PSHA25", KEY32), "bad suite"),
        (("OCRA-1:HOTP-SHA256-8:QA06-PSHA256", KEY32), "suite unsupported"),
        (("OCRA-1:HOTP-SHA256-8:QN06-T1M", KEY32), "suite unsupported"),
        (("OCRA-1:HOTP-SHA256-8:QN06-S064", KEY32), "suite unsupported"),
        (("OCRA-1:HOTP-SHA256-8:QN09", KEY32), "suite unsupported"),
        (("OCRA-1:HOTP-SHA256-0:QN06", KEY32), "suite unsupported"),
        ((CSUITE, KEY20, -1), "bad counter"),
    ],
)
def test_provision_refuses_bad_input_and_writes_nothing(args, reason):
    out = mp_run(_SETUP + f"print(attempt(config.provision, *{args!r})); print(os.listdir('/'))")
    assert out.splitlines() == [f"ConfigError: {reason}", "[]"]


@pytest.mark.parametrize(
    "text, reason",
    [
        ("{", "bad json"),
        ("[1]", "bad json"),
        ("\xff\xfe", "bad json"),
        ('{"v": 2, "suite": "%s", "key": "%s"}' % (SUITE, KEY32), "bad version"),
        ('{"v": true, "suite": "%s", "key": "%s"}' % (SUITE, KEY32), "bad version"),
        ('{"v": 1, "suite": "OCRA-2", "key": "%s"}' % KEY32, "bad suite"),
        ('{"v": 1, "suite": 5, "key": "%s"}' % KEY32, "bad suite"),
        ('{"v": 1, "suite": "%s", "key": "%s"}' % (SUITE, KEY20), "bad key length"),
        ('{"v": 1, "suite": "%s"}' % SUITE, "bad key"),
        ('{"v": 1, "suite": "%s", "key": "%s", "counter": 1}' % (SUITE, KEY32), "counter unused"),
        ('{"v": 1, "suite": "%s", "key": "%s"}' % (CSUITE, KEY20), "bad counter"),
        ('{"v": 1, "suite": "%s", "key": "%s", "counter": -1}' % (CSUITE, KEY20), "bad counter"),
        ('{"v": 1, "suite": "%s", "key": "%s", "counter": 1.5}' % (CSUITE, KEY20), "bad counter"),
        ('{"v": 1, "suite": "%s", "key": "%s", "x": 0}' % (SUITE, KEY32), "unknown field"),
    ],
)
def test_corrupt_configuration_reasons_never_show_the_key(text, reason):
    out = mp_run(_SETUP + f"write({text!r}); print(attempt(config.load))")
    assert out.strip() == f"ConfigError: {reason}"
    assert KEY32 not in out and KEY20 not in out


def test_wipe_overwrites_then_removes_even_a_corrupt_file():
    code = f"""
config.provision({SUITE!r}, {KEY32!r})
with open("/dsc.tmp", "w") as f:
    f.write("partial")
config.wipe()
print(os.listdir("/"), config.load())
print(bytes(dev.data).find({KEY32!r}.encode()))
write("garbage"); config.wipe(); print(os.listdir("/"))
config.wipe(); print("idempotent")
"""
    lines = mp_run(_SETUP + code).splitlines()
    assert lines[0] == "[] None"
    assert lines[1] == "-1"  # not on the raw flash either (copy-on-write leftovers scrubbed)
    assert lines[2:] == ["[]", "idempotent"]
