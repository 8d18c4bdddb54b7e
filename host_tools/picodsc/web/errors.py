"""The one place where domain errors become HTTP statuses and JSON bodies.

The API (``web/api.py``) answers every error with :func:`http_error`; the portal may use it for the
status code too. Bodies are ``{"error": <the error's message>}`` — the seed's exact words where the
seed has them ("BAD CHARACTER", "Invalid user name password combination", "Login failed",
"Less secure device") — plus the data some errors carry (the limit that was hit, the primary user,
the field that was wrong). Nothing here ever contains a secret: domain errors carry none.
"""

from werkzeug.exceptions import HTTPException

from .. import errors as pe
from ..errors import PicodscError
from ..sls import errors as e

# (exception class, HTTP status, extra body fields from the exception), most specific first. The
# package-wide InvalidInput / NotFound / Conflict also cover the library's own (a weak PIN, an
# unknown token, a malformed OCRA suite).
_TABLE = (
    (e.BadCharacter, 400, ()),
    (e.InvalidCredentials, 401, ()),
    (e.LoginFailed, 401, ()),
    (e.SessionInvalid, 401, ()),
    (e.Throttled, 429, ("retry_after",)),
    (e.LimitExceeded, 403, ("limit_name", "period", "limit_cents", "left_cents")),
    (e.NotPrimaryUser, 403, ("primary",)),
    (e.AccessDenied, 403, ()),
    (e.LessSecureDevice, 409, ()),
    (pe.InvalidInput, 400, ("field",)),
    (pe.NotFound, 404, ()),
    (pe.Conflict, 409, ()),
)

INTERNAL = "internal error"


class BadRequest(PicodscError):
    """A request the API refuses before calling the service (bad JSON, missing or wrong field)."""

    status = 400


class Unauthorized(PicodscError):
    """No usable ``Authorization: Bearer <session>`` header."""

    status = 401


def http_error(exc):
    """``(status, body, headers)`` for any exception raised while answering a request."""
    if isinstance(exc, HTTPException):  # routing: 404 unknown path, 405 method, 413 too large ...
        return exc.code, {"error": exc.name.lower()}, {}
    if isinstance(exc, (BadRequest, Unauthorized)):
        headers = {"WWW-Authenticate": 'Bearer realm="picodsc"'} if exc.status == 401 else {}
        return exc.status, {"error": str(exc)}, headers
    for cls, status, fields in _TABLE:
        if isinstance(exc, cls):
            body = {"error": str(exc)}
            body.update({name: getattr(exc, name) for name in fields if getattr(exc, name, None) is not None
                         or name == "primary"})
            headers = {}
            if isinstance(exc, e.Throttled):
                headers["Retry-After"] = str(exc.retry_after)
            if isinstance(exc, e.SessionInvalid):
                headers["WWW-Authenticate"] = 'Bearer realm="picodsc", error="invalid_token"'
            return status, body, headers
    if isinstance(exc, PicodscError):  # any other refusal of the library
        return 400, {"error": str(exc)}, {}
    return 500, {"error": INTERNAL}, {}
