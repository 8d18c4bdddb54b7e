"""Real mpremote against `picodsc emulate --serve`, and the keypad of the same running token.

One served token per module (tests run in file order): REPL and filesystem first, then it is
provisioned over USB, reset, and used through the control socket; last, SIGTERM stops it cleanly.
"""

import os
import signal
import subprocess

import pytest
from support import commands
from support.commands import PICODSC, running
from support.token import KEY, SUITE, expected, image_serial


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    img = tmp / "token.img"
    with running([PICODSC, "emulate", "--flash", str(img), "--serve"], stdout=subprocess.PIPE,
                 stderr=subprocess.PIPE, text=True) as proc:
        info = {}
        for _ in range(2):
            line = proc.stdout.readline()
            key, _, value = line.strip().partition(": ")
            info[key] = value
        assert set(info) == {"port", "control"}, info
        info.update(proc=proc, image=img, tmp=tmp)
        yield info


def mpremote(served, *args, stdin=None, ok=True):
    return commands.mpremote(served["port"], *args, stdin=stdin, ok=ok)


def keys(served, script):
    proc = subprocess.run([PICODSC, "emulate", "--control", served["control"], "--keys", script, "--screen"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def test_exec_and_traceback(served):
    assert mpremote(served, "exec", "print(1+1)").stdout == "2\n"
    proc = mpremote(served, "exec", "import os\nos.stat('/nope')", ok=False)
    assert proc.returncode == 1
    assert proc.stdout.replace("\r\n", "\n").splitlines() == [
        "Traceback (most recent call last):",
        '  File "<stdin>", line 2, in <module>',
        "OSError: [Errno 2] ENOENT",
    ]


def test_fs_ls_cp_and_soft_reset_keeps_files(served):
    listing = mpremote(served, "fs", "ls").stdout.split()
    assert {"main.py", "board.py", "lib/"} <= set(listing)
    up, down = served["tmp"] / "up.bin", served["tmp"] / "down.bin"
    data = os.urandom(5000)
    up.write_bytes(data)
    mpremote(served, "fs", "cp", str(up), ":/data.bin")
    mpremote(served, "exec", "marker = 1")
    mpremote(served, "soft-reset")
    mpremote(served, "fs", "cp", ":/data.bin", str(down))
    assert down.read_bytes() == data
    assert mpremote(served, "exec", "print('marker' in globals())").stdout == "False\n"
    mpremote(served, "fs", "rm", ":/data.bin")


def test_run_a_file(served):
    script = served["tmp"] / "hello.py"
    script.write_text("import dsc.config\nprint('serial', dsc.config.serial())\n")
    assert mpremote(served, "run", str(script)).stdout == f"serial {image_serial(served['image'])}\n"


def test_provision_over_usb_then_type_on_the_keypad(served):
    # The secret reaches the token on mpremote's stdin only (never argv).
    script = f"import dsc.config\nprint(dsc.config.provision({SUITE!r}, {KEY.hex()!r}))\n"
    out = mpremote(served, "run", "/dev/stdin", stdin=script).stdout
    assert out == image_serial(served["image"]) + "\n"
    mpremote(served, "exec", "--no-follow", "import machine; machine.reset()")
    assert keys(served, "PRESS 1 2 3 4") == ["PIN>***4"]
    assert keys(served, "OK 1 2 3 4 5 6 OK") == ["", "", "", expected("1234", "123456")]
    png = served["tmp"] / "shot.png"
    proc = subprocess.run([PICODSC, "emulate", "--control", served["control"], "--png", str(png)],
                          capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout) == (0, "")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sigterm_stops_cleanly(served):
    proc = served["proc"]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert proc.stderr.read() == ""
    assert not os.path.exists(served["control"])
    # The image is free again (the lock went with the process) and kept the configuration.
    run = subprocess.run([PICODSC, "emulate", "--flash", str(served["image"]), "--keys", "PRESS", "--screen"],
                         capture_output=True, text=True, timeout=60)
    assert (run.returncode, run.stdout) == (0, "PIN>\n")
