"""The emulated token the browser tests log in with: the real firmware, driven key by key.

Seeded as a vendor seeds a token (``picodsc.portal_demo.seed_token``: the secret in the token's flash
configuration, its PSKC seed file for ``Service.import_pskc``). :meth:`EmulatedToken.respond` does
what the seed's user does: PRESS, the PIN, OK, the challenge, OK — and reads the response off the
decoded OLED screen, never from the secret.
"""

import re

from picodsc.emulator.harness import Emulator
from picodsc.emulator.image import token_serial
from picodsc.ocra import DEFAULT_SUITE, parse_suite
from picodsc.portal_demo import seed_token

PIN = "4071"


class EmulatedToken:
    def __init__(self, image, pin=PIN, suite=DEFAULT_SUITE):
        """``suite`` with ``P``: a DSC+ (PIN); without: a DSC (``self.pin`` is None)."""
        files, pskc_for = seed_token(suite=suite)
        self.pin = pin if parse_suite(suite).pin_hash_name else None
        self.emu = Emulator(image, files=files).start()
        self.serial = token_serial(image)
        self.pskc = pskc_for(self.serial)

    def respond(self, challenge, pin=None):
        """The 8 digits the token shows for ``challenge`` (as the screen shows them, without the space)."""
        assert re.fullmatch(r"[0-9]{6}", challenge), challenge
        emu = self.emu
        pin = pin or self.pin
        emu.press_keys("PRESS " + " ".join(pin) + " OK" if pin else "PRESS")
        assert emu.screen().text()[0].startswith("CHALLNG>"), emu.screen().text()
        emu.press_keys(" ".join(challenge) + " OK")
        lines = [line for line in emu.screen().text() if line.strip()]
        shown = " ".join(lines)
        assert re.fullmatch(r"[0-9]{4} [0-9]{4}", shown), lines  # big digits, 4 + 4
        emu.press_keys("PRESS")  # off again
        return shown.replace(" ", "")

    def close(self):
        self.emu.close()
