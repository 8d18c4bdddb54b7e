"""Helpers of the login-service tests (users, a software token twin, logins)."""

import os
from types import SimpleNamespace

from picodsc import ocra, pskc_export

PASSWORD = "correct horse battery"
PIN = "4826"
ADDR = "192.0.2.1"


class TokenHelper:
    """A software twin of a provisioned token: imports it (PSKC) and answers its challenges."""

    def __init__(self, svc, serial, suite=ocra.DEFAULT_SUITE, pin=PIN, secret=None):
        self.serial, self.pin = serial, pin
        self.suite = ocra.parse_suite(suite)
        self.secret = secret or os.urandom(self.suite.key_size)
        data = pskc_export.build(
            SimpleNamespace(serial=serial, suite=self.suite.text, secret=self.secret, counter=0)
        )
        assert svc.import_pskc(data, pin=pin if self.suite.pin_hash_name else None) == [serial]

    def answer(self, challenge, pin=None):
        ph = ocra.pin_hash(self.suite, pin or self.pin) if self.suite.pin_hash_name else None
        return ocra.compute(self.suite, self.secret, challenge, pin_hash=ph)


def login_token(svc, username, tok, password=PASSWORD, address=ADDR):
    step = svc.login_password(username, password, address=address)
    assert step.method == "token"
    return svc.login_answer(step.transaction, tok.answer(step.challenge), address=address)
