"""`picodsc demo` state: a deleted demo registry leaves no dead instructions, `--reset` starts over, a token
the demo did not provision is named with what to do; a second emulator on an image names the holder."""

import re
import subprocess

from emulator_helpers import run_in_pty
from picodsc.emulator.image import token_serial
from support.commands import PICODSC, picodsc
from support.token import provisioned_image

INSTRUCTIONS = re.compile(r"demo token ([0-9A-F]{16}), PIN 4071\. In another terminal: "
                          r"(\S*picodsc) challenge --serial \1 --registry (\S+)")


def demo_env(tmp_path):
    return {"XDG_DATA_HOME": str(tmp_path), "PICODSC_REGISTRY": None, "PICODSC_KEY_FILE": None}


def challenge(env, serial, registry):
    """`picodsc challenge`: (exit code, stdout, stderr)."""
    return picodsc("challenge", "--serial", serial, "--registry", str(registry), env=env, timeout=60)


def test_a_deleted_demo_registry_is_detected_and_the_demo_starts_over(tmp_path):
    env = demo_env(tmp_path)
    data = tmp_path / "picodsc"
    registry, image = data / "demo" / "registry.sqlite3", data / "token.img"
    code, out = run_in_pty(["demo"], env)
    assert code == 0, out
    first = INSTRUCTIONS.search(out).group(1)
    assert (data / "token.img.demo").read_text() == first + "\n"

    for p in (data / "demo").iterdir():  # the user deletes the demo registry
        p.unlink()
    code, out = run_in_pty(["demo"], env)
    assert code == 0, out
    assert (f"the demo registry {registry} is gone: starting over with a fresh demo token "
            "(picodsc demo --reset)") in out
    assert f"deleted the flash image {image}" in out
    second = INSTRUCTIONS.search(out).group(1)
    assert second != first and token_serial(image) == second
    assert f"--serial {first}" not in out  # no instructions for the token that is gone
    assert challenge(env, second, registry)[0] == 0

    code, out = run_in_pty(["demo", "--reset"], env)
    assert code == 0, out
    assert f"deleted the flash image {image}" in out and f"deleted the demo registry {data / 'demo'}" in out
    third = INSTRUCTIONS.search(out).group(1)
    assert third not in (first, second)
    assert challenge(env, second, registry)[2] == f"error: unknown token {second}\n"
    assert challenge(env, third, registry)[0] == 0


def test_a_token_the_demo_did_not_provision_gets_what_to_do(tmp_path):
    env = demo_env(tmp_path)
    image = provisioned_image(tmp_path / "mine.img")
    serial = token_serial(image)
    code, out = run_in_pty(["demo", "--flash", str(image)], env)
    assert code == 0, out
    registry = tmp_path / "picodsc" / "demo" / "registry.sqlite3"
    text = " ".join(out.split())  # as printed before the UI (the UI wraps it to the window)
    assert (f"token {serial} in {image} was not provisioned by the demo, and the demo registry {registry} "
            f"is gone. Use the registry it was provisioned into, or start over: ") in text
    assert f"picodsc demo --reset --flash {image}" in text
    assert "demo token" not in out and "challenge --serial" not in out
    assert image.exists()  # a token the demo did not make is never deleted behind the user's back


def test_a_second_emulator_names_the_process_holding_the_image(tmp_path):
    image = tmp_path / "t.img"
    served = subprocess.Popen([PICODSC, "emulate", "--serve", "--flash", str(image)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert served.stdout.readline().startswith("port: ")
        second = subprocess.run([PICODSC, "emulate", "--flash", str(image), "--keys", "PRESS", "--screen"],
                                capture_output=True, text=True, timeout=60)
        reset = ["demo", "--reset", "--flash", str(image)]
        reset_code, reset_out = run_in_pty(reset, until=b"error:", keys=b"")
    finally:
        served.terminate()
        served.wait(timeout=30)
    command = f"picodsc emulate --serve --flash {image}"[:37] + "..."
    held = (f"error: image {image} is in use by another emulator (pid {served.pid}: {command}); "
            "run another emulator with its own image: --flash OTHER.img")
    assert (second.returncode, second.stderr) == (1, held + "\n")
    assert reset_code == 1 and held in " ".join(reset_out.split())  # --reset deletes nothing in use
    assert image.exists()
