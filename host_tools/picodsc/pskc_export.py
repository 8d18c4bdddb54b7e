"""Export a token as an RFC 6030 PSKC file (python-pskc), so another server can verify it.

The OCRA suite goes in ``AlgorithmParameters/Suite`` with the challenge and response formats
(RFC 6030 section 4.3.4); the key algorithm is ``urn:ietf:params:xml:ns:keyprov:pskc:ocra`` (the
last ``:`` part is what importers such as privacyIDEA look at). The PIN is never exported (the
registry does not know it; its hash is the token owner's second factor and stays here).
The file holds the secret in clear: it is written 0600 and callers warn the user.
"""

import io
import os

from pskc import PSKC

from .errors import PicodscError
from .ocra import parse_suite
from .registry import TokenRecord

OCRA_ALGORITHM = "urn:ietf:params:xml:ns:keyprov:pskc:ocra"
MANUFACTURER = "picodsc"
_ENCODINGS = {"N": "DECIMAL", "A": "ALPHANUMERIC", "H": "HEXADECIMAL"}


def build(token: TokenRecord) -> bytes:
    """The PSKC document for a registry :class:`~picodsc.registry.TokenRecord`, as bytes."""
    suite = parse_suite(token.suite)
    pskc = PSKC()
    fields = dict(
        id=token.serial, serial=token.serial, manufacturer=MANUFACTURER, issuer=MANUFACTURER,
        algorithm=OCRA_ALGORITHM, algorithm_suite=suite.text, secret=token.secret,
        challenge_encoding=_ENCODINGS[suite.question_kind], challenge_min_length=4,
        challenge_max_length=suite.question_length, challenge_check=False,
        response_encoding="DECIMAL", response_length=suite.digits, response_check=False,
        policy__key_usage=["CR"],
    )
    if suite.counter:
        fields["counter"] = token.counter
    pskc.add_key(**fields)
    out = io.BytesIO()
    pskc.write(out)
    return out.getvalue()


def write_private(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` with mode 0600 (also when replacing a file)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except OSError as e:
        raise PicodscError(f"cannot write {path}: {e.strerror}") from None
    with os.fdopen(fd, "wb") as f:
        os.fchmod(f.fileno(), 0o600)
        f.write(data)
