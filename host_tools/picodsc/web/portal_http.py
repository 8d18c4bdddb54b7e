"""The portal's HTTP plumbing: its one cookie, CSRF tokens, security headers, form checks, formatting.

The cookie holds an opaque value with a prefix telling what it is (the domain keeps all state):

    a:<random>        nobody logged in (exists only so the login form has a CSRF token)
    t:<transaction>   between the two login steps (the domain's login transaction)
    s:<session>       logged in (the domain's session token)

Every state change sets a new value, so the id changes after each login step; the CSRF token of a
form is HMAC-SHA256 keyed with the cookie value, so it changes with it, needs no server key shared
between worker processes, and a form replayed after the state changed is refused.
"""

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app, request

COOKIE = "picodsc_portal"
SECURE_COOKIE = "__Host-picodsc_portal"  # __Host-: Secure, Path=/, no Domain (no subdomain can set it)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
NEW_YORK = ZoneInfo("America/New_York")

# Field limits (characters): anything longer is refused before the domain sees it.
MAX_USERNAME = 64
MAX_PASSWORD = 1024
MAX_ANSWER = 64
MAX_AMOUNT = 20

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


# --- cookie ---------------------------------------------------------------------------------------
def insecure_allowed():
    """Plain-HTTP cookies only in the demo (``PORTAL_INSECURE_LOCALHOST``) on a loopback host."""
    if not current_app.config.get("PORTAL_INSECURE_LOCALHOST"):
        return False
    host = (
        request.host.rsplit(":", 1)[0]
        if not request.host.startswith("[")
        else request.host.split("]")[0] + "]"
    )
    return request.scheme == "http" and host in LOOPBACK_HOSTS


def cookie_name():
    return COOKIE if insecure_allowed() else SECURE_COOKIE


def read_cookie():
    """(kind, value) from the cookie: kind ``"a"``, ``"t"``, ``"s"`` or None when absent/garbled."""
    raw = request.cookies.get(cookie_name(), "")
    kind, sep, value = raw.partition(":")
    if not sep or kind not in ("a", "t", "s") or not value or len(raw) > 512 or not raw.isascii():
        return None, None
    return kind, value


def set_cookie(response, kind, value):
    response.set_cookie(
        cookie_name(),
        f"{kind}:{value}",
        path="/",
        httponly=True,
        secure=not insecure_allowed(),
        samesite="Strict",
    )
    return response


def anonymous_value():
    return secrets.token_urlsafe(24)


# --- CSRF -------------------------------------------------------------------------------------------
def csrf_for(kind, value):
    """The CSRF token of every form on a page served with the cookie ``kind:value``."""
    mac = hmac.new(f"{kind}:{value}".encode(), b"picodsc-portal-csrf-v1", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def csrf_ok(kind, value):
    sent = request.form.get("csrf_token", "")
    if kind is None or not sent or len(sent) > 100:
        return False
    return hmac.compare_digest(sent.encode(), csrf_for(kind, value).encode())


# --- headers ----------------------------------------------------------------------------------------
def secure_headers(response):
    h = response.headers
    h["Content-Security-Policy"] = CSP
    h["X-Frame-Options"] = "DENY"
    h["X-Content-Type-Options"] = "nosniff"
    h["Referrer-Policy"] = "no-referrer"
    h["Cross-Origin-Opener-Policy"] = "same-origin"
    h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.endpoint != "portal.static":
        h["Cache-Control"] = "no-store"
        h["Pragma"] = "no-cache"
    if not insecure_allowed():
        h["Strict-Transport-Security"] = "max-age=31536000"
    return response


# --- form checks (format only: the rules themselves are the domain's) ------------------------------
def text_field(name, limit, label):
    """(value, error) for a required text field: missing, over-long or control characters are errors."""
    value = request.form.get(name)
    if value is None or value == "":
        return "", f"Enter your {label}."
    if len(value) > limit:
        return "", f"Too long: the {label} has at most {limit} characters."
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return "", f"The {label} cannot contain control characters."
    return value, None


def answer_field(method):
    """(answer, error) for the device answer, checked for the form the device gives (never its value)."""
    value, error = text_field("answer", MAX_ANSWER, "code")
    if error:
        return value, error
    if any(ch.isspace() for ch in value):
        return "", "No spaces: type the code as one run of characters."
    if not value.isascii():
        return "", ("Only the digits 0-9." if method == "token" else "Only the letters A-Z and digits 0-9.")
    if method == "token" and (not value.isdigit() or len(value) != 8):
        return "", "Type the 8 digits your token shows (digits 0-9 only)."
    if method != "token" and not value.isalnum():
        return "", "Only the letters A-Z and digits 0-9."
    return value, None


def amount_field():
    """(cents, text, error) for a USD amount: digits with up to 2 decimals, ASCII, no separators."""
    value, error = text_field("amount", MAX_AMOUNT, "amount")
    if error:
        return None, value, error
    whole, dot, frac = value.partition(".")
    if (
        not whole.isascii()
        or not whole.isdigit()
        or (dot and not (frac.isascii() and frac.isdigit()))
        or len(frac) > 2
        or len(whole) > 12
    ):
        return None, value, "Type an amount in USD like 2500 or 2500.50 (digits only, no separators)."
    cents = int(whole) * 100 + int((frac + "00")[:2])
    if cents <= 0:
        return None, value, "The amount must be more than zero."
    return cents, value, None


# --- formatting -------------------------------------------------------------------------------------
def when(epoch):
    """Epoch seconds as New York time, e.g. ``Dec 4, 2026 08:48 EST``."""
    if epoch is None:
        return "—"
    t = datetime.fromtimestamp(float(epoch), timezone.utc).astimezone(NEW_YORK)
    return f"{t:%b} {t.day}, {t:%Y %H:%M %Z}"


def usd(cents):
    if cents is None:
        return "Unlimited"
    return f"{cents // 100:,}.{cents % 100:02d} USD"
