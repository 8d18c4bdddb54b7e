"""`picodsc emulate --rp2-image`: what is refused before any chip runs (no UF2 needed)."""

from support.commands import run_cli


def test_missing_uf2_is_a_usage_error(tmp_path):
    code, out, err = run_cli(["emulate", "--rp2-image", str(tmp_path / "nope.uf2"), "--screen"])
    assert code == 2 and "does not exist" in err


def test_a_file_that_is_not_an_rp2040_uf2_is_refused(tmp_path):
    fake = tmp_path / "fake.uf2"
    fake.write_bytes(b"\0" * 1024)
    image = tmp_path / "t.img"
    code, out, err = run_cli(["emulate", "--rp2-image", str(fake), "--flash", str(image), "--keys", "PRESS",
                              "--screen"])
    assert (code, out) == (1, "")
    assert "is not a UF2 for the RP2040" in err and "RPI_PICO" in err
    assert not image.exists()  # refused before anything was written


def test_rp2_mode_has_no_interactive_terminal_nor_realtime_switch(tmp_path):
    fake = tmp_path / "fake.uf2"
    fake.write_bytes(b"\0" * 1024)
    code, _, err = run_cli(["emulate", "--rp2-image", str(fake)])
    assert code == 2 and "needs --keys/--screen/--png or --serve" in err
    code, _, err = run_cli(["emulate", "--rp2-image", str(fake), "--realtime", "--screen"])
    assert code == 2 and "simulated clock" in err


def test_bad_key_names_are_refused_first(tmp_path):
    fake = tmp_path / "fake.uf2"
    fake.write_bytes(b"\0" * 1024)
    code, _, err = run_cli(["emulate", "--rp2-image", str(fake), "--keys", "PRESS X"])
    assert code == 2 and "unknown key 'X'" in err
