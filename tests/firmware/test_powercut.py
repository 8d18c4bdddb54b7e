"""Power cut at every flash write: provisioning, counter update, configuration rewrite, factory wipe.

One MicroPython process per operation runs the real dsc.config / dsc.app code on littlefs (VfsLfs2,
4096-byte blocks, progsize 256 as on rp2) mounted at / over a RAM NOR flash. For N = 0, 1, ... it
restores the flash from a snapshot, runs the operation on a device that loses power after N
operations (programs + erases; the cut operation itself does not happen, or is torn: half its
bytes), then boots: mounts a fresh littlefs on the bytes and reads the state through the token's
boot path (dsc.app.wipe_pending / wipe / load_config). N stops growing when the operation
completes. Every point must end in the old or the new state; after a wipe (or wherever the token
would boot unprovisioned) the secret is on no byte of the raw flash, as hex or binary.
"""

import json
import os

import pytest
from picodsc import bundle
from picodsc.emulator.harness import Emulator
from picodsc.errors import PicodscError
from support import token
from support.firmware_stubs import mp_run
from support.token import CSUITE, SUITE, cfg_json, expected, factory_reset, image_serial, provisioned_image
from support.token import screen_text as _screen

KEY32 = token.KEY32.hex()
KEY20 = token.KEY20.hex()
KEY64 = bytes(range(150, 214)).hex()
SUITE512 = "OCRA-1:HOTP-SHA512-10:QN08-PSHA256"
BLOCKS = 40  # the emulator's 4096-byte blocks; few of them keep the free-space scrub short
LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"  # `make test-long`: torn writes in the wipe too

# Runs inside MicroPython (support.firmware_stubs.mp_run: real firmware, stub `machine`).
_HARNESS = r"""
import os, sys, vfs, json
import emu_flash
from binascii import hexlify, unhexlify
from dsc import config, ocra, hashes, app

# The token releases its configuration modules after use and imports them again (dsc.app._release).
# Once littlefs is the root, the package's host directory is gone: base_image() mounts the bundle's
# compiled dsc/ (what the token runs) in its place.
import dsc
BS = emu_flash.BLOCK_SIZE
FF = b"\xff" * BS
Cut = emu_flash.PowerCut


def ram_flash(data, limit=-1, torn=False):
    # The emulator's NOR flash in RAM (a program only clears bits, erase sets a block to 0xFF): after
    # `limit` operations (-1: no limit) the power is gone, the next one is skipped or torn (half
    # done) and raises Cut, as does any later one (a stale file object's finalizer must not write either).
    dev = emu_flash.Flash(data=data)
    dev.power_cut_after(limit, torn)
    return dev


class RecordingDisplay:
    # Stands in for dsc.display.Display in the boot path: records the text shown.
    def __init__(self):
        self.lines = []
    def clear(self):
        self.lines = []
    def text(self, s, col=0, line=0):
        self.lines.append(s)
    def update(self):
        pass
    def power(self, on):
        pass


def mount(dev):
    vfs.mount(vfs.VfsLfs2(dev, progsize=256), "/")


def unmount(dev):
    dev.cut = True  # power off: whatever still holds this volume cannot write any more
    try:
        vfs.umount("/")
    except Exception:
        pass


def run(data, op, limit=-1, torn=False):
    # op on a flash that loses power after `limit` operations: (completed, flash, error text).
    dev = ram_flash(data, limit, torn)
    mount(dev)
    err = None
    try:
        op()
    except Exception as e:
        if not dev.cut:
            err = "%s: %s" % (type(e).__name__, e)
    completed = not dev.cut
    unmount(dev)
    return completed, dev, err


def state(cfg, error):
    if error is not None:
        return "corrupt: " + error
    if cfg is None:
        return None
    return [cfg.suite_text, hexlify(cfg.key).decode(), cfg.counter]


def boot(data, limit=-1):
    # The token's boot: finish an interrupted wipe, then read the configuration. (state, shown, cut)
    dev = ram_flash(data, limit)
    try:
        mount(dev)
    except OSError as e:
        return "unmountable: %s" % e, None, False
    shown = None
    try:
        if app.wipe_pending():
            screen = RecordingDisplay()
            app.wipe(screen)
            shown = screen.lines
        st = state(*app.load_config())
    except Cut:
        st = None
    cut = dev.cut
    unmount(dev)
    return st, shown, cut


def secret_on_flash(data, key_hex):
    k = key_hex.encode()
    return data.find(k) >= 0 or data.find(k.upper()) >= 0 or data.find(unhexlify(key_hex)) >= 0


def base_image(blocks, files_dir, files):
    # A formatted flash holding the firmware bundle, as `picodsc deploy` leaves it.
    contents = []
    for path in files:
        with open(files_dir + path, "rb") as f:
            contents.append((path, f.read()))
    data = bytearray(FF * blocks)
    dev = ram_flash(data)
    vfs.VfsLfs2.mkfs(dev, progsize=256)
    vfs.mount(vfs.VfsPosix(files_dir + "/lib/dsc"), dsc.__path__)
    vfs.umount("/")
    mount(dev)
    for path, blob in contents:
        parts = path.split("/")
        for i in range(2, len(parts)):
            try:
                os.mkdir("/".join(parts[:i]))
            except OSError:
                pass
        with open(path, "wb") as f:
            f.write(blob)
    unmount(dev)
    return data


def sweep(data, op, check, torn=False):
    # Cut after N = 0, 1, ... operations until op completes; check(N, boot state, ...) per point.
    base = bytes(data)
    n = 0
    while True:
        data[:] = base
        completed, dev, err = run(data, op, n, torn)
        if err:
            print(json.dumps({"error": err, "n": n}))
            return
        if completed:
            print(json.dumps({"done": n, "programs": dev.programs, "erases": dev.erases,
                              "overprograms": dev.overprograms, "torn": torn}))
            data[:] = base
            return
        check(n, dev)
        n += 1
"""


def run_sweeps(tmp_path, body, blocks=BLOCKS):
    """Run the harness + ``body`` in one MicroPython process; returns the printed JSON objects."""
    files = bundle.files("pico_4x4_128x64")
    for path, blob in files:
        target = tmp_path / "fw" / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blob)
    prelude = f"data = base_image({blocks}, {str(tmp_path / 'fw')!r}, {[p for p, _ in files]!r})\n"
    out = mp_run(_HARNESS + prelude + body)
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def summary(records):
    points = [r for r in records if "n" in r and "error" not in r]
    done = [r for r in records if "done" in r]
    errors = [r for r in records if "error" in r]
    return points, done, errors


def totals(done):
    """Operations the completed runs performed (= cut points), programs and erases among them."""
    return {k: sum(d[k] for d in done) for k in ("done", "programs", "erases")}


def expect_sweeps(records, sweeps):
    points, done, errors = summary(records)
    assert errors == []
    assert len(done) == sweeps
    for d in done:  # the cut points are exactly the operations the completed run performed
        assert d["done"] == d["programs"] + d["erases"]
        assert d["overprograms"] == 0
    assert len(points) == sum(d["done"] for d in done)
    return points, done


# Small operations write a handful of program units: repeat each sweep over SHIFTS fill levels of the
# root directory's metadata log (one more commit each time), so some of them cross a compaction.
SHIFTS = 12
_SHIFT = """
def shift():
    with open("/x", "w"):
        pass
    os.remove("/x")
"""


def test_provisioning(tmp_path):
    body = _SHIFT + f"""
def op():
    config.provision({SUITE!r}, {KEY32!r})
def check(n, dev):
    st, shown, _ = boot(data)
    leftover = secret_on_flash(data, {KEY32!r})
    retried = None
    if st is None:  # old state: the host can provision again, nothing is in the way
        ok, _, err = run(data, op)
        retried = boot(data)[0] if ok else err
    print(json.dumps({{"n": n, "state": st, "shown": shown, "retried": retried, "leftover": leftover}}))
for i in range({SHIFTS}):
    for torn in (False, True):
        sweep(data, op, check, torn)
    run(data, shift)
"""
    points, done = expect_sweeps(run_sweeps(tmp_path, body), 2 * SHIFTS)
    new = [SUITE, KEY32, None]
    for p in points:
        assert p["state"] in (None, new), p
        assert p["shown"] is None
        if p["state"] is None:
            assert p["retried"] == new, p
    # Where the cut came after /dsc.tmp was written, the unprovisioned token still holds the key it
    # was sent on raw flash: the host registers a secret only once the token confirmed it, and
    # draws a new one for the next attempt, so that key is never used.
    leftovers = sum(p["leftover"] for p in points)
    print(f"provisioning: {len(points)} cut points, {leftovers} with the unconfirmed key on raw flash",
          totals(done))


def test_counter_update_never_goes_back(tmp_path):
    body = f"""
run(data, lambda: config.provision({CSUITE!r}, {KEY20!r}, 41))
def op():
    cfg = config.load()
    config.save_counter(cfg, cfg.counter + 1)  # what the token does on OK, before the response shows
def check(n, dev):
    st, shown, _ = boot(data)
    after = None
    if st is not None and st[2] == OLD:  # old state: the next response uses it, then moves on
        ok, _, err = run(data, op)
        after = boot(data)[0] if ok else err
    print(json.dumps({{"n": n, "old": OLD, "state": st, "shown": shown, "after": after}}))
for OLD in range(41, 41 + {SHIFTS}):
    for torn in (False, True):
        sweep(data, op, check, torn)
    run(data, op)
"""
    points, done = expect_sweeps(run_sweeps(tmp_path, body), 2 * SHIFTS)
    for p in points:
        old = p["old"]
        assert p["state"] in ([CSUITE, KEY20, old], [CSUITE, KEY20, old + 1]), p
        assert p["shown"] is None
        if p["state"][2] == old:
            assert p["after"] == [CSUITE, KEY20, old + 1]
    print(f"counter update: {len(points)} cut points", totals(done))


def test_configuration_rewrite_is_all_old_or_all_new(tmp_path):
    # A rewrite that changes everything (suite, a larger key): never a mix of the two.
    body = _SHIFT + f"""
run(data, lambda: config.provision({SUITE!r}, {KEY32!r}))
NEW = config._encode({SUITE512!r}, unhexlify({KEY64!r}), None)
def op():
    config._write_atomic(NEW)
def check(n, dev):
    print(json.dumps({{"n": n, "state": boot(data)[0]}}))
for i in range({SHIFTS}):
    for torn in (False, True):
        sweep(data, op, check, torn)
    run(data, shift)
"""
    points, done = expect_sweeps(run_sweeps(tmp_path, body), 2 * SHIFTS)
    old, new = [SUITE, KEY32, None], [SUITE512, KEY64, None]
    for p in points:
        assert p["state"] in (old, new), p
    print(f"rewrite: {len(points)} cut points", totals(done))


_WIPE_CHECK = """
def check(n, dev):
    # Boot after the cut; where the marker made boot resume the wipe, also cut that resumed wipe
    # once (at a point spread over its length) and boot again.
    snap = bytes(data)
    st, shown, _ = boot(data)
    leak = st is None and secret_on_flash(data, KEY)
    again = None
    if shown is not None:
        data[:] = snap
        st2, shown2, cut2 = boot(data, (n * 7919) % RESUME_OPS)
        st3, shown3, _ = boot(data)
        again = [cut2, st3, shown3, st3 is None and secret_on_flash(data, KEY)]
    print(json.dumps({"n": n, "state": st, "shown": shown, "leak": leak, "again": again}))
"""


_WIPES = [(CSUITE, KEY20, 5, False), (SUITE, KEY32, 0, False)]
if LONG:  # torn programs/erases at the cut too (one more full sweep each)
    _WIPES += [(CSUITE, KEY20, 5, True), (SUITE, KEY32, 0, True)]


_IDS = ["counter-suite", "pin-suite", "counter-suite-torn", "pin-suite-torn"]


@pytest.mark.parametrize("suite, key, history, torn", _WIPES, ids=_IDS[: len(_WIPES)])
def test_factory_wipe_is_resumable_and_leaves_no_secret(tmp_path, suite, key, history, torn):
    counter = 0 if history else None
    body = f"""
KEY = {key!r}
run(data, lambda: config.provision({suite!r}, KEY, {counter!r}))
for i in range({history}):  # old versions of the file (copy-on-write leftovers) to scrub too
    run(data, lambda: config.save_counter(config.load(), i + 1))
OLD = boot(data)[0]
print(json.dumps({{"old": OLD, "before": secret_on_flash(data, KEY)}}))
base = bytes(data)
_, dev, _ = run(data, config.wipe)
RESUME_OPS = dev.programs + dev.erases  # a resumed wipe does at most about this much
data[:] = base
{_WIPE_CHECK}
sweep(data, config.wipe, check, {torn!r})
"""
    records = run_sweeps(tmp_path, body)
    head = records.pop(0)
    assert head == {"old": [suite, key, history if history else None], "before": True}
    points, done = expect_sweeps(records, 1)
    old = head["old"]
    resumed = 0
    for p in points:
        assert p["state"] in (old, None), p
        assert not p["leak"], p
        if p["state"] is None and p["n"] < done[0]["done"] - 1:
            assert p["shown"] == ["WIPING..."], p  # the marker was down: boot finished the wipe
        # (a torn last write, the marker's removal, can hold the whole commit: the wipe is complete)
        if p["shown"] is not None:
            resumed += 1
            cut2, st3, shown3, leak3 = p["again"]
            assert st3 is None and not leak3, p
            assert shown3 == (["WIPING..."] if cut2 else None), p
    # Before the marker's commit: the old state; from it on: the wipe is finished at boot.
    first_new = min(p["n"] for p in points if p["state"] is None)
    assert all((p["state"] is None) == (p["n"] >= first_new) for p in points)
    assert resumed in (len(points) - first_new, len(points) - first_new - 1)
    print(f"wipe: {len(points)} cut points ({resumed} resumed at boot)", totals(done))


# -- end to end on the emulator's flash image ----------------------------------------------------------
# The emulator's power-cut hook (Emulator(power_cut_after=N)): the flash operation after the first N
# (programs + erases) never happens and the whole board stops there, as at a power cut.


def _provisioned_image(path, board, cfg):
    return provisioned_image(path, board, cfg, blocks=64).read_bytes()


def _cut_run(image, board, n, action):
    """``action(emu)`` with the power cut at flash operation n + 1; True if the cut happened."""
    with Emulator(image, board=board, sync=False, power_cut_after=n) as emu:
        try:
            action(emu)
        except PicodscError as e:
            assert "power cut" in str(e), e  # stopped by the cut, not by anything else
            return True
        return False


def test_counter_update_end_to_end_on_the_emulator(tmp_path):
    pristine = _provisioned_image(tmp_path / "p.img", "pico_4x4_128x64", cfg_json(CSUITE, token.KEY20, 41))
    image = tmp_path / "token.img"

    def respond(emu):
        emu.press_keys("PRESS 4 3 2 1 OK 1 2 3 4 5 6 7 8 OK")

    states = []
    n = 0
    while True:
        image.write_bytes(pristine)
        if not _cut_run(image, "pico_4x4_128x64", n, respond):
            break  # the update completed before the cut: every point done
        n += 1
        with Emulator(image, sync=False) as emu:  # power back: boot and use the token
            counter = json.loads(emu.fs_read("/dsc.cfg"))["counter"]
            assert counter in (41, 42)
            emu.press_keys("PRESS 4 3 2 1 OK")
            assert _screen(emu) == ["CHALLNG>"]
            emu.press_keys("1 2 3 4 5 6 7 8 OK")
            assert _screen(emu)[-1] == expected("4321", "12345678", CSUITE, token.KEY20, counter)
            assert json.loads(emu.fs_read("/dsc.cfg"))["counter"] == counter + 1
        states.append(counter)
    assert len(states) >= 2
    print(f"counter update on the emulator image: {len(states)} cut points, counters after boot {states}")


def test_interrupted_wipe_finishes_at_boot_on_the_emulator(tmp_path):
    board = "pico_3x4_128x32"
    pristine = _provisioned_image(tmp_path / "p.img", board, cfg_json())
    image = tmp_path / "token.img"
    image.write_bytes(pristine)

    with Emulator(image, board=board, sync=False) as emu:  # the whole wipe: how many operations
        emu.reset_stats()
        factory_reset(emu)
        s = emu.stats()
        total = s["flash_writes"] + s["flash_erases"]
    for n in (2, total // 2, total - 1):  # just after the marker, halfway, before the last commit
        image.write_bytes(pristine)
        assert _cut_run(image, board, n, factory_reset)
        with Emulator(image, board=board, sync=False) as emu:
            assert _screen(emu) == ["NOT PROVISIONED", image_serial(image)], n  # WIPING... then this, at boot
            assert "dsc.cfg" not in emu.fs_ls("/") and "dsc.wipe" not in emu.fs_ls("/")
            emu.advance(31_000)
            assert _screen(emu) == "OFF"
        data = image.read_bytes()
        assert KEY32.encode() not in data and bytes.fromhex(KEY32) not in data
    print(f"wipe on the emulator image: {total} operations; cut at 2, {total // 2}, {total - 1}")
