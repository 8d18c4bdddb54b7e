"""picodsc deploy: the plan, and real mpremote runs against the emulator's pty."""

import re

import pytest
from picodsc import bundle
from picodsc.deploy import deploy, plan
from picodsc.errors import PicodscError
from support.token import bare_board


def test_plan_dirs_parent_first_and_stale():
    files, dirs, stale = plan()
    assert dirs == ["/lib", "/lib/adafruit_bus_device", "/lib/dsc"]
    paths = [p for p, _ in files]
    assert paths[0] == "/board.py" and paths[-1] == "/main.py"
    assert "/lib/dsc/app.mpy" in paths and "/lib/adafruit_ssd1306.mpy" in paths
    assert "/lib/dsc/app.py" in stale and "/lib/adafruit_ssd1306.py" in stale
    assert all(p.endswith(".mpy") for p in paths if p.startswith("/lib/"))
    src_files, _, src_stale = plan(compiled=False)
    assert "/lib/dsc/app.py" in [p for p, _ in src_files] and "/lib/dsc/app.mpy" in src_stale


@pytest.fixture
def emu(tmp_path):
    stale = ("/lib/dsc/app.py", b"raise SystemExit('stale source shadows app.mpy')\n")
    with bare_board(tmp_path / "t.img", stale) as e:
        yield e


def test_deploy_mpy_then_source(emu, monkeypatch):
    lines = []
    monkeypatch.setattr(bundle, "MPY_VERSION", 5)  # a board that would not load our .mpy
    with pytest.raises(PicodscError, match="board runs .mpy version 6, mpy-cross makes 5.*--source"):
        deploy(emu.port, progress=lines.append)
    assert emu.fs_ls("/lib") == ["dsc/"] and emu.fs_ls("/lib/dsc") == ["app.py"]  # nothing touched
    monkeypatch.undo()

    assert deploy(emu.port, reset=False, progress=lines.append) == 14
    assert "rm :/lib/dsc/app.py" in lines and "[14/14] /main.py" in lines
    dsc = emu.fs_ls("/lib/dsc")
    assert "app.py" not in dsc and {"app.mpy", "ocra.mpy", "config.mpy", "policy.mpy"} <= set(dsc)
    assert emu.fs_read("/board.py") == bundle.board_path(bundle.DEFAULT_BOARD).read_bytes()
    assert emu.fs_read("/lib/dsc/ocra.mpy")[:2] == b"M\x06"

    lines.clear()
    deploy(emu.port, reset=False, progress=lines.append)  # again: nothing to copy
    assert lines[-1] == f"deployed 14 files to {emu.port} (14 already up to date)"

    deploy(emu.port, compiled=False, progress=lines.append)  # sources replace the .mpy
    dsc = emu.fs_ls("/lib/dsc")
    assert "app.py" in dsc and "app.mpy" not in dsc


def test_deploy_refuses_micropython_older_than_1_24(emu, monkeypatch):
    # The emulator runs a current MicroPython; a board that reports an older one (sys.implementation
    # .version) is refused in one line, before anything is written.
    import picodsc.deploy

    monkeypatch.setattr(picodsc.deploy, "MIN_MICROPYTHON", (99, 0))
    with pytest.raises(PicodscError) as e:
        deploy(emu.port)
    assert re.fullmatch(r"board runs MicroPython 1\.\d+\.\d+, picodsc needs v99\.0 or newer \(older "
                        r"versions stop USB in every lightsleep\): put a current MicroPython UF2 on the "
                        r"board first", str(e.value))
    assert emu.fs_ls("/lib/dsc") == ["app.py"]  # nothing touched


@pytest.mark.parametrize("version, ok", [((1, 22, 2), False), ((1, 23, 0), False), ((1, 24, 0), True),
                                         ((1, 29, 0), True), ((2, 0, 0), True)])
def test_version_check(version, ok):
    from picodsc.deploy import check_version

    if ok:
        check_version("/dev/ttyACM0", list(version))
    else:
        with pytest.raises(PicodscError, match=r"^board runs MicroPython %d\.%d\.%d, picodsc needs v1\.24"
                           % version):
            check_version("/dev/ttyACM0", list(version))
