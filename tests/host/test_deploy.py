"""picodsc deploy: the plan, and real mpremote runs against the emulator's pty."""

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

    assert deploy(emu.port, reset=False, progress=lines.append) == 13
    assert "rm :/lib/dsc/app.py" in lines and "[13/13] /main.py" in lines
    dsc = emu.fs_ls("/lib/dsc")
    assert "app.py" not in dsc and {"app.mpy", "ocra.mpy", "config.mpy"} <= set(dsc)
    assert emu.fs_read("/board.py") == bundle.board_path(bundle.DEFAULT_BOARD).read_bytes()
    assert emu.fs_read("/lib/dsc/ocra.mpy")[:2] == b"M\x06"

    lines.clear()
    deploy(emu.port, reset=False, progress=lines.append)  # again: nothing to copy
    assert lines[-1] == f"deployed 13 files to {emu.port} (13 already up to date)"

    deploy(emu.port, compiled=False, progress=lines.append)  # sources replace the .mpy
    dsc = emu.fs_ls("/lib/dsc")
    assert "app.py" in dsc and "app.mpy" not in dsc
