"""The control socket of `picodsc emulate --serve` (emulator/control.py) on a real emulated token."""

import os
import socket
import stat

import pytest
from picodsc.emulator.control import ControlServer, RemoteEmulator
from picodsc.emulator.harness import Emulator
from picodsc.emulator.keys import run_keys
from picodsc.errors import PicodscError
from support.token import cfg_json, token_files


@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    img = tmp_path_factory.mktemp("ctl") / "t.img"
    with Emulator(img, files=token_files(cfg=cfg_json())) as e:
        yield e


def ask(path, *lines):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(str(path))
        f = s.makefile("rwb")
        replies = []
        for line in lines:
            f.write(line.encode() + b"\n")
            f.flush()
            replies.append(f.readline().decode().rstrip("\n"))
        return replies


def test_protocol_and_client(emu, tmp_path):
    path = tmp_path / "ctl.sock"
    server = ControlServer(emu, path).start()
    try:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert ask(path, "keys PRESS 1 2", "bogus", "keys PRESS FOO") == [
            "ok",
            "err unknown command 'bogus': use keys, screen or stats",
            "err unknown key 'FOO'; valid keys: PRESS OK DEL 0 1 2 3 4 5 6 7 8 9 # * A B C D and WAIT:<ms> "
            "(KEY:<ms> holds a key, K1+K2:<ms> a chord, HOLD:KEY ... UP:KEY)",
        ]
        with RemoteEmulator(path) as remote:
            assert remote.screen().text() == ["PIN>*2"]
            run_keys(remote, "DEL 3 WAIT:100")  # queued, sent as one script
            assert remote.screen().text() == ["PIN>*3"]
            assert remote.stats()["now_ms"] == emu.stats()["now_ms"]
            assert remote.screen().pixels == emu.screen().pixels
            with pytest.raises(PicodscError, match="unknown key 'X'"):
                remote.press("X")
                remote.flush()
        run_keys(emu, "PRESS")
    finally:
        server.close()
    assert not path.exists()


def test_socket_path_safety(emu, tmp_path):
    keep = tmp_path / "notes.txt"
    keep.write_text("mine")
    with pytest.raises(PicodscError, match="exists and is not a socket"):
        ControlServer(emu, keep)
    assert keep.read_text() == "mine"
    path = tmp_path / "ctl.sock"
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))  # bound, never listening: what a killed emulator leaves behind
    stale.close()
    first = ControlServer(emu, path).start()
    try:
        with pytest.raises(PicodscError, match="is in use by a running emulator"):
            ControlServer(emu, path)
    finally:
        first.close()
    with pytest.raises(PicodscError, match="cannot listen on"):
        ControlServer(emu, tmp_path / "missing" / "ctl.sock")
    default = ControlServer(emu)  # a private 0700 directory of its own
    assert stat.S_IMODE(os.stat(os.path.dirname(default.path)).st_mode) == 0o700
    default.close()
    assert not os.path.exists(os.path.dirname(default.path))
