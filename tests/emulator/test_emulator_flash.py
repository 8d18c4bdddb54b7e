"""The emulator's NOR flash model (emulator/mp/emu_flash.py) under the real MicroPython: NOR programming,
the power-cut hook (skipped or torn operation, every later one refused), RAM and image-file backings."""

import json

from picodsc import upy
from picodsc.emulator.harness import MP_DIR

BS = 4096  # emu_flash.BLOCK_SIZE

_SETUP = """
import json, emu_flash
BS = emu_flash.BLOCK_SIZE
def attempt(fn, *args):
    try:
        fn(*args)
        return "ok"
    except emu_flash.PowerCut:
        return "cut"
"""


def _run(code):
    return [json.loads(line) for line in upy.run(_SETUP + code, path=(str(MP_DIR),)).splitlines()]


def test_programming_only_clears_bits_and_counts_overprograms():
    (out,) = _run("""
data = bytearray(b"\\xff" * (4 * BS))
f = emu_flash.Flash(data=data)
f.writeblocks(1, b"\\x0f\\xf0", 0)
f.writeblocks(1, b"\\x3c\\x3c", 0)  # not erased first: NOR ANDs the bits
f.ioctl(6, 2)
print(json.dumps([list(data[BS:BS + 3]), f.programs, f.erases, f.overprograms, f.ioctl(4, 0), f.ioctl(5, 0)]))
""")
    assert out == [[0x0C, 0x30, 0xFF], 2, 1, 1, 4, 4096]


def test_power_cut_skips_the_next_operation_and_refuses_every_later_one():
    (out,) = _run("""
data = bytearray(b"\\xff" * (4 * BS))
f = emu_flash.Flash(data=data)
f.power_cut_after(1)
r = [attempt(f.writeblocks, 0, b"\\x00" * 256, 0), attempt(f.writeblocks, 0, b"\\x00" * 256, 256),
     attempt(f.ioctl, 6, 1), f.cut, f.programs, f.erases, data[256], data[0]]
print(json.dumps(r))
""")
    assert out == ["ok", "cut", "cut", True, 1, 0, 0xFF, 0]


def test_torn_operations_do_half_of_their_bytes():
    program, erase = _run("""
data = bytearray(b"\\xff" * (4 * BS))
f = emu_flash.Flash(data=data)
f.power_cut_after(0, True)
r = attempt(f.writeblocks, 0, b"\\x00" * 256, 0)
print(json.dumps([r, bytes(data[:256]).count(b"\\x00"), f.programs]))
data[BS:2 * BS] = b"\\x00" * BS
f = emu_flash.Flash(data=data)
f.power_cut_after(0, True)
r = attempt(f.ioctl, 6, 1)
print(json.dumps([r, bytes(data[BS:2 * BS]).count(b"\\xff"), f.erases]))
""")
    assert program == ["cut", 128, 0]
    assert erase == ["cut", BS // 2, 0]


def test_image_file_keeps_the_unique_id_outside_the_filesystem(tmp_path):
    image = tmp_path / "flash.img"
    (out,) = _run(f"""
emu_flash.create({str(image)!r}, 8)
f = emu_flash.Flash({str(image)!r}, 8)
uid = f.unique_id()
f.writeblocks(0, b"\\x12" * 256, 0)
print(json.dumps([f.ioctl(4, 0), f.is_blank(), len(uid), uid[0] >= 0x80]))
f.close()
""")
    assert out == [7, False, 8, True]
    data = image.read_bytes()
    assert len(data) == 8 * BS and data[:256] == b"\x12" * 256 and data[256:BS] == b"\xff" * (BS - 256)


def test_a_cut_error_can_be_any_exception(tmp_path):
    image = tmp_path / "flash.img"
    (out,) = _run(f"""
class Off(BaseException):
    pass
emu_flash.create({str(image)!r}, 8)
f = emu_flash.Flash({str(image)!r}, 8)
f.power_cut_after(0, error=Off())
try:
    f.ioctl(6, 0)
    r = "ok"
except Off:
    r = "off"
print(json.dumps([r, f.cut, f.erases]))
""")
    assert out == ["off", True, 0]
