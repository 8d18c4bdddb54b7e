"""The JSON API, version 1, under ``/api/v1``; its OpenAPI document at ``/api/v1/openapi.json``.

Each endpoint is declared once with :func:`endpoint`: its JSON body fields (checked here, before the
service is called: a missing, unknown or mistyped field is a 400 naming the field, never its value),
whether it needs a session (``Authorization: Bearer <session>``) and its answers. The same
declarations make the OpenAPI document, so the document and the checks cannot drift apart.
Domain errors become statuses in one place, :func:`picodsc.web.errors.http_error`.

Secrets (passwords, answers, PINs, session tokens) travel only in bodies and the Authorization
header, never in a URL, and are never logged.
"""

import dataclasses
from dataclasses import dataclass

from flask import Blueprint, current_app, jsonify, request

from .. import __version__
from . import schemas as s
from .errors import BadRequest, Unauthorized

PREFIX = "/api/v1"
MAX_TOKEN = 512  # characters of a session token in the Authorization header

blueprint = Blueprint("api", __name__, url_prefix=PREFIX)


@dataclass(frozen=True)
class Field:
    """One field of a JSON request body."""

    type: str  # "string" | "integer" | "boolean" | "object" (object of string -> string)
    required: bool = True
    max_length: int = 256
    min_length: int = 0
    minimum: int | None = None
    maximum: int | None = None
    max_properties: int = 16
    description: str = ""

    def schema(self):
        out = {"type": self.type}
        if self.type == "string":
            out.update(minLength=self.min_length, maxLength=self.max_length)
        elif self.type == "integer":
            bounds = (("minimum", self.minimum), ("maximum", self.maximum))
            out.update({k: v for k, v in bounds if v is not None})
        elif self.type == "object":
            out.update(additionalProperties={"type": "string", "maxLength": self.max_length},
                       maxProperties=self.max_properties)
        if self.description:
            out["description"] = self.description
        return out

    def check(self, name, value):
        """The value, or BadRequest naming the field (the value is never echoed: it may be a secret)."""
        kind = self.type
        if kind == "string":
            if not isinstance(value, str):
                raise BadRequest(f"{name}: must be a string")
            if not self.min_length <= len(value) <= self.max_length:
                raise BadRequest(f"{name}: must be {self.min_length} to {self.max_length} characters")
        elif kind == "integer":
            if not isinstance(value, int) or isinstance(value, bool):
                raise BadRequest(f"{name}: must be an integer")
            if (self.minimum is not None and value < self.minimum) or (
                    self.maximum is not None and value > self.maximum):
                raise BadRequest(f"{name}: must be {self.minimum} to {self.maximum}")
        elif kind == "boolean":
            if not isinstance(value, bool):
                raise BadRequest(f"{name}: must be true or false")
        elif kind == "object":
            if not isinstance(value, dict) or len(value) > self.max_properties:
                raise BadRequest(f"{name}: must be an object of at most {self.max_properties} entries")
            for k, v in value.items():
                if not isinstance(v, str) or len(k) > self.max_length or len(v) > self.max_length:
                    raise BadRequest(f"{name}: every entry must be a string of at most "
                                     f"{self.max_length} characters")
        return value


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # below PREFIX
    summary: str
    body: dict  # field name -> Field
    auth: bool
    responses: dict  # status -> (description, schema or None)


ENDPOINTS: list[Endpoint] = []


def endpoint(method, path, summary, *, body=None, auth=True, responses):
    """Declare an endpoint; the view gets the checked body fields (and ``token`` when ``auth``).

    An action on a session may meet any domain error, so its document lists every error status."""
    if auth:
        responses = {**responses, **_ERRORS}
    spec = Endpoint(method, path, summary, body or {}, auth, responses)
    ENDPOINTS.append(spec)

    def wrap(view):
        def handler():
            kwargs = _body(spec) if method != "GET" else {}
            if auth:
                kwargs["token"] = _bearer()
            return view(**kwargs)

        handler.__name__ = view.__name__
        blueprint.add_url_rule(path, view_func=handler, methods=[method])
        return view

    return wrap


def _body(spec):
    if not spec.body and not request.get_data(cache=True):
        return {}
    if not request.is_json:
        raise BadRequest("body must be JSON (Content-Type: application/json)")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("body must be a JSON object")
    unknown = sorted(set(data) - set(spec.body))
    if unknown:
        raise BadRequest(f"unknown field: {unknown[0][:64]}")
    out = {}
    for name, field in spec.body.items():
        if name not in data:
            if field.required:
                raise BadRequest(f"{name}: missing")
            continue
        out[name] = field.check(name, data[name])
    return out


def _bearer():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN or not token.isascii():
        raise Unauthorized("missing session: send Authorization: Bearer <session>")
    return token


def _service():
    return current_app.extensions["picodsc.service"]


def _address():
    return request.remote_addr or "unknown"


def _data(view):
    """A domain dataclass as JSON-able dict (tuples become lists)."""
    return dataclasses.asdict(view) if view is not None else None


def _no_content():
    return "", 204


_ERRORS = {
    400: ("bad request: bad JSON, a missing/unknown/mistyped field, BAD CHARACTER", s.ERROR),
    401: ("no valid session", s.ERROR),
    403: ("not allowed for this session", s.ERROR),
    404: ("not found", s.ERROR),
    409: ("conflict", s.ERROR),
    429: ("too many requests: retry after Retry-After seconds", s.ERROR),
}


def _errors(*codes):
    return {c: _ERRORS[c] for c in codes}


_TRANSACTION = Field("string", min_length=1, max_length=128, description="from the login step")
_ANSWER = Field("string", max_length=64,
                description="token response (8 digits), two card values typed one after the other, "
                            "or the temporary passcode (upper case)")


# ---- login ----------------------------------------------------------------------------------------
@endpoint("POST", "/login", "Step 1: user name and password", auth=False,
          body={"username": Field("string", max_length=128), "password": Field("string", max_length=1024)},
          responses={200: ("the second step to answer, or a session (opted-out user / no device)", s.LOGIN),
                     **_errors(400, 401, 429)})
def login(username, password):
    step = _service().login_password(username, password, address=_address())
    if step.session is not None:
        return jsonify(_grant(step.session))
    out = {"transaction": step.transaction, "method": step.method}
    if step.challenge is not None:
        out["challenge"] = step.challenge
    if step.positions is not None:
        out["positions"] = list(step.positions)
    return jsonify(out)


def _grant(grant):
    return {"session": grant.token, "access": grant.access}


@endpoint("POST", "/login/answer", "Step 2: the security device's answer", auth=False,
          body={"transaction": _TRANSACTION, "answer": _ANSWER},
          responses={200: ("a session", s.SESSION), **_errors(400, 401, 429)})
def login_answer(transaction, answer):
    return jsonify(_grant(_service().login_answer(transaction, answer, address=_address())))


@endpoint("POST", "/logout", "End the session", responses={204: ("ended", None)})
def logout(token):
    _service().logout(token)
    return _no_content()


@endpoint("GET", "/me", "The user, access, active credential and withdrawal limits left",
          responses={200: ("the session's user", s.ME)})
def me(token):
    return jsonify(_data(_service().me(token)))


# ---- actions on a session -------------------------------------------------------------------------
@endpoint("POST", "/withdrawals", "Withdraw (limits by the device that authenticated the session)",
          body={"amount_cents": Field("integer", minimum=1, maximum=10**15)},
          responses={201: ("done", s.WITHDRAWAL)})
def withdraw(token, amount_cents):
    return jsonify(_data(_service().withdraw(token, amount_cents))), 201


@endpoint("POST", "/step-up", "Ask the active device again (a fresh session for sensitive actions)",
          responses={200: ("what to answer", s.PROMPT)})
def step_up(token):
    return jsonify(_prompt(_service().step_up_start(token)))


@endpoint("POST", "/step-up/answer", "Answer the step-up prompt",
          body={"transaction": _TRANSACTION, "answer": _ANSWER},
          responses={204: ("the session is fresh", None)})
def step_up_answer(token, transaction, answer):
    _service().step_up_finish(token, transaction, answer)
    return _no_content()


def _prompt(prompt):
    out = {"transaction": prompt.transaction, "method": prompt.method}
    if prompt.challenge is not None:
        out["challenge"] = prompt.challenge
    if prompt.positions is not None:
        out["positions"] = list(prompt.positions)
    return out


@endpoint("GET", "/card", "The online security code card (created on first view)",
          responses={200: ("the card", s.CARD)})
def card(token):
    view = _service().card_view(token)
    out = _data(view)
    out.pop("extra", None)
    return jsonify(out)


@endpoint("POST", "/card/activate", "Activate the card by answering its two activation positions",
          body={"answers": Field("object", max_length=16, max_properties=4,
                                 description="position -> code, e.g. {\"B3\": \"K7P\"}")},
          responses={204: ("active for 21 days", None)})
def card_activate(token, answers):
    _service().card_activate(token, answers)
    return _no_content()


@endpoint("POST", "/reactivation", "Start re-activating the permanent device (a challenge for it)",
          responses={200: ("the challenge", s.PROMPT)})
def reactivation(token):
    return jsonify(_prompt(_service().reactivate_start(token)))


@endpoint("POST", "/reactivation/answer", "Prove the permanent device: temporary credentials end",
          body={"transaction": _TRANSACTION, "answer": _ANSWER},
          responses={204: ("the device is active again", None)})
def reactivation_answer(token, transaction, answer):
    _service().reactivate_finish(token, transaction, answer)
    return _no_content()


@endpoint("POST", "/replacement", "Request a replacement token with a new 4-digit soft PIN",
          body={"pin": Field("string", min_length=1, max_length=16, description="4 digits, not a weak PIN")},
          responses={201: ("requested", s.REPLACEMENT)})
def replacement(token, pin):
    return jsonify(_data(_service().request_replacement(token, pin))), 201


@endpoint("POST", "/sharing", "Share another user's device",
          body={"owner": Field("string", min_length=1, max_length=128,
                               description="the device owner's user name")},
          responses={201: ("approved at once (same account) or pending Client Services", s.SHARING)})
def sharing(token, owner):
    return jsonify(_data(_service().request_sharing(token, owner))), 201


@endpoint("PUT", "/sls", "Opt in to / out of the Secure Login System (primary user only)",
          body={"participating": Field("boolean")},
          responses={200: ("the new status", s.SLS)})
def sls(token, participating):
    _service().set_sls_participation(token, participating)
    return jsonify({"participating": participating})


@blueprint.get("/openapi.json")
def openapi():
    from .openapi import document

    return jsonify(document(ENDPOINTS, PREFIX, __version__))
