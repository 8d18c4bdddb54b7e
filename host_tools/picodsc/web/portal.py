"""The Client Portal: server-rendered pages on ``picodsc.sls.Service`` (blueprint ``portal``).

No state of its own: the login transaction and the session live in the domain, the browser holds
their opaque value in one ``HttpOnly; Secure; SameSite=Strict`` cookie (``portal_http``). Every form
carries a CSRF token bound to that value. Domain errors become pages in one place
(:func:`_domain_error`). Templates get plain values only; the seed's rules stay in ``picodsc.sls``.
"""

import os

from flask import Blueprint, current_app, make_response, redirect, render_template, request, url_for

from ..errors import PicodscError
from ..sls import errors as E
from ..sls.users import user_name_rule
from . import cards
from . import portal_http as h

bp = Blueprint(
    "portal",
    __name__,
    template_folder="templates",
    static_folder="static/portal",
    static_url_path="/portal-static",
)
blueprint = bp  # the name the app factory registers
SERVICE_KEY = "picodsc.service"  # where create_app keeps the Service
INSECURE_ENV = "PICODSC_PORTAL_INSECURE_LOCALHOST"  # `make demo` only: plain-HTTP cookies on 127.0.0.1

STEP1_HINTS = ("Make sure that the Caps Lock key is not on: the user name is case sensitive and lower case.",)
STEP2_HINTS = (
    "With a temporary passcode, letters are upper case.",
    "With a security card or a token, there are no spaces between characters.",
)
PORTAL_ONLY_REASON = (
    "Your temporary passcode is more than 2 days old: it now opens only the online security code card pages."
)
PORTAL_ONLY_TODO = (
    "Print or save your online security code card and activate it: it gives full access to the "
    "portal and trading for 21 days. If you cannot, call your Client Services Center."
)


def init_app(app):
    """App-wide set-up (called by create_app): the demo's plain-HTTP cookie switch, off by default."""
    app.config.setdefault("PORTAL_INSECURE_LOCALHOST", os.environ.get(INSECURE_ENV) == "1")


def service():
    return current_app.extensions[SERVICE_KEY]


def address():
    return request.remote_addr or "unknown"


# --- page rendering --------------------------------------------------------------------------------
def page(template, status=200, *, cookie=None, viewer=None, **ctx):
    """Render ``template``; ``cookie`` = (kind, value) to set (else the request's own is kept)."""
    kind, value = cookie if cookie else h.read_cookie()
    if kind is None:  # no cookie yet: a fresh anonymous one, so the page's forms have a token
        kind, value = "a", h.anonymous_value()
        cookie = (kind, value)
    ctx.setdefault("errors", {})
    body = render_template(
        f"portal/{template}.html", csrf_token=h.csrf_for(kind, value), viewer=viewer, **ctx
    )
    resp = make_response(body, status)
    if cookie:
        h.set_cookie(resp, *cookie)
    return resp


def to_login(reason=None, status=303):
    """Back to the login page, the cookie replaced by a fresh anonymous one."""
    resp = redirect(url_for("portal.login", ended=reason) if reason else url_for("portal.login"), status)
    return h.set_cookie(resp, "a", h.anonymous_value())


@bp.after_request
def _headers(response):
    return h.secure_headers(response)


@bp.before_request
def _csrf():
    if request.method == "POST":
        kind, value = h.read_cookie()
        if not h.csrf_ok(kind, value):
            return page(
                "error",
                400,
                heading="This form has expired",
                reason="The form was sent without a valid security token: it was replayed, opened in "
                "another window or sent from another site. Nothing was changed.",
                link_url=url_for("portal.home"),
                link_text="Start again",
            ), 400
    return None


def _domain_error(e, viewer=None):
    """One place mapping domain errors that are not a form's own to pages."""
    if isinstance(e, E.SessionInvalid):
        return to_login("session")
    if isinstance(e, E.Throttled):
        resp = page(
            "error",
            429,
            viewer=viewer,
            heading="Too many attempts",
            reason=f"Too many attempts from your address. Try again in {e.retry_after} seconds.",
            link_url=url_for("portal.home" if viewer else "portal.login"),
            link_text="Back",
        )
        resp.headers["Retry-After"] = str(e.retry_after)
        return resp
    if isinstance(e, E.AccessDenied):
        return restricted(viewer, e.reason)
    raise e


@bp.errorhandler(PicodscError)
def _unexpected_domain_error(e):
    """A refusal no page handles itself: a clear page, never a 500 (its message carries no secret)."""
    if isinstance(e, (E.SessionInvalid, E.Throttled, E.AccessDenied)):
        return _domain_error(e)
    status = 404 if isinstance(e, E.NotFound) else 409 if isinstance(e, E.Conflict) else 400
    return page(
        "error",
        status,
        heading="Not done",
        reason=f"{str(e).rstrip('.')}. Nothing was changed.",
        link_url=url_for("portal.home"),
        link_text="Back to home",
    )


def restricted(viewer, reason=None):
    portal_only = viewer is not None and viewer.access == "portal-only"
    return page(
        "restricted",
        403,
        viewer=viewer,
        heading="Portal-only access" if portal_only else "Not available",
        reason=PORTAL_ONLY_REASON if portal_only else (reason or "This page is not available to you."),
        todo=PORTAL_ONLY_TODO if portal_only else None,
        link_url=url_for("portal.card" if portal_only else "portal.home"),
        link_text="Go to your security code card" if portal_only else "Back to home",
    )


def current_session():
    """(token, SessionView) of the logged-in user, or raises SessionInvalid."""
    kind, value = h.read_cookie()
    if kind != "s":
        raise E.SessionInvalid("not logged in")
    return value, service().session(value)


def authenticated(full=True):
    """Decorator: a valid session (``full``: and full access) or the login page / the restriction."""

    def wrap(fn):
        def view(*args, **kwargs):
            viewer = None
            try:
                token, viewer = current_session()
                if full and viewer.access != "full":
                    return restricted(viewer)
                return fn(token, viewer, *args, **kwargs)
            except (E.SessionInvalid, E.Throttled, E.AccessDenied) as e:
                return _domain_error(e, viewer)

        view.__name__ = fn.__name__
        return view

    return wrap


# --- login ----------------------------------------------------------------------------------------
ENDED = {
    "session": "Your session has ended. Please log in again.",
    "logout": "You have logged out.",
    "reactivated": "Your security device is active again: the temporary passcode and the online card no "
    "longer work, and the sessions opened with them have ended. Log in with your device.",
}


@bp.get("/login")
def login():
    kind, value = h.read_cookie()
    if kind == "s":
        try:
            service().session(value)
            return redirect(url_for("portal.home"), 303)
        except E.SessionInvalid:
            pass
    ended = ENDED.get(request.args.get("ended", ""))
    ok = request.args.get("ended") in ("logout", "reactivated")
    # keep an anonymous cookie (a login form open in another tab stays valid); replace anything else
    cookie = None if kind == "a" else ("a", h.anonymous_value())
    return page(
        "login",
        cookie=cookie,
        username="",
        message=ended,
        kind="ok" if ok else "error",
        hints=(),
    )


@bp.post("/login")
def login_post():
    username, u_err = h.text_field("username", h.MAX_USERNAME, "user name")
    password, p_err = h.text_field("password", h.MAX_PASSWORD, "password")
    errors = {k: v for k, v in (("username", u_err), ("password", p_err)) if v}
    if errors:
        return page("login", 400, username=username, errors=errors, hints=())
    try:
        step = service().login_password(username, password, address=address())
    except E.BadCharacter:
        return page(
            "login",
            400,
            username=username,
            hints=(),
            errors={"username": "BAD CHARACTER: letters and digits only, no spaces or symbols."},
        )
    except E.InvalidCredentials as e:
        return page("login", 401, username=username, message=str(e), hints=STEP1_HINTS)
    except E.Throttled as e:
        return _domain_error(e)
    if step.session is not None:  # opted out of SLS, or no device yet: the password was the login
        return _logged_in(step.session)
    prompt = {"method": step.method, "challenge": step.challenge, "positions": step.positions}
    # the prompt rides in the cookie beside the transaction: it is what the page shows, not a secret
    return _answer_page(prompt, cookie=("t", _pack(step.transaction, prompt)))


def _pack(transaction, prompt):
    shown = prompt["challenge"] or "-".join(prompt["positions"] or ()) or ""
    return f"{transaction}.{prompt['method']}.{shown}"


def _unpack(value):
    transaction, _, rest = value.rpartition(".")
    transaction, _, method = transaction.rpartition(".")
    prompt = {"method": method, "challenge": None, "positions": None}
    if method == "token":
        prompt["challenge"] = rest
    elif method == "card":
        prompt["positions"] = tuple(rest.split("-", 1))
    return transaction, prompt


def _answer_page(prompt, status=200, cookie=None, **ctx):
    return page("login_answer", status, cookie=cookie, prompt=prompt, **ctx)


@bp.get("/login/answer")
def login_answer_get():
    kind, value = h.read_cookie()
    if kind != "t":
        return redirect(url_for("portal.login"), 303)
    return _answer_page(_unpack(value)[1])


@bp.post("/login/answer")
def login_answer():
    kind, value = h.read_cookie()
    if kind != "t":
        return to_login()
    transaction, prompt = _unpack(value)
    answer, err = h.answer_field(prompt["method"])
    if err:
        return _answer_page(prompt, 400, errors={"answer": err})
    try:
        grant = service().login_answer(transaction, answer, address=address())
    except E.LoginFailed as e:
        return page(
            "login", 401, cookie=("a", h.anonymous_value()), username="", message=str(e), hints=STEP2_HINTS
        )
    except E.Throttled as e:
        return _domain_error(e)
    return _logged_in(grant)


def _logged_in(grant):
    resp = redirect(url_for("portal.home"), 303)
    return h.set_cookie(resp, "s", grant.token)


@bp.post("/logout")
def logout():
    kind, value = h.read_cookie()
    if kind == "s":
        try:
            service().logout(value)
        except E.SessionInvalid:
            pass
    return to_login("logout")


# --- home -------------------------------------------------------------------------------------------
CREDENTIAL_NAMES = {
    "token-dsc+": "Digital Security Card+ (token with PIN)",
    "token-dsc": "Digital Security Card (token)",
    "card": "Online security code card",
    "passcode": "Temporary passcode",
    "none": "None (password only)",
}


@bp.get("/")
@authenticated(full=False)
def home(token, viewer):
    me = service().me(token)
    return page("home", viewer=viewer, home=home_model(me), message=None)


def home_model(me):
    """Plain values for home.html from the domain's MeView."""
    expiry = []
    if me.full_until:
        expiry.append(("Full access until", h.when(me.full_until)))
    if me.portal_until:
        expiry.append(("Portal-only access until", h.when(me.portal_until)))
    lim = me.limits
    rows = [
        {
            "period": "Today",
            "limit": h.usd(lim.day_cents),
            "used": h.usd(lim.used_day_cents),
            "left": h.usd(lim.left_day_cents),
        },
        {
            "period": "5 business days",
            "limit": h.usd(lim.five_day_cents),
            "used": h.usd(lim.used_five_day_cents),
            "left": h.usd(lim.left_five_day_cents),
        },
    ]
    notices = [n.text for n in me.notices]
    if me.replacement is not None and me.replacement.status != "active" and me.replacement.auto_activate_at:
        notices.append(
            f"Your replacement device ({me.replacement.status}) activates itself on "
            f"{h.when(me.replacement.auto_activate_at)} unless you activate it earlier."
        )
    return {
        "credential": CREDENTIAL_NAMES.get(me.credential, me.credential),
        "expiry": expiry,
        "limits": rows,
        "limit_device": lim.level,
        "notices": notices,
    }


# --- online security code card -----------------------------------------------------------------------
def _card(token, viewer):
    view = service().card_view(token)
    return cards.Card(
        holder=viewer.username,
        rows=tuple(view.rows),
        cols=tuple(view.cols),
        cells=tuple(tuple(r) for r in view.grid),
    ), view


@bp.get("/card")
@authenticated(full=False)
def card(token, viewer):
    return _card_page(token, viewer)


def _card_page(token, viewer, message=None, kind="ok", errors=None, status=200):
    drawn, view = _card(token, viewer)
    active = view.status == "active"
    model = {
        "rows": drawn.rows,
        "cols": drawn.cols,
        "cells": drawn.cells,
        "active": active,
        "until": h.when(view.full_until) if view.full_until else None,
        "example": drawn.position(min(2, len(drawn.rows) - 1), min(1, len(drawn.cols) - 1)),
        "ask": tuple(view.activation_positions or ()),
    }
    return page("card", status, viewer=viewer, card=model, message=message, kind=kind, errors=errors or {})


def _download(data, mimetype, filename):
    resp = make_response(data)
    resp.mimetype = mimetype
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


@bp.get("/card.png")
@authenticated(full=False)
def card_png(token, viewer):
    return _download(cards.png(_card(token, viewer)[0]), "image/png", "security-code-card.png")


@bp.get("/card.pdf")
@authenticated(full=False)
def card_pdf(token, viewer):
    return _download(cards.pdf(_card(token, viewer)[0]), "application/pdf", "security-code-card.pdf")


@bp.post("/card/activate")
@authenticated(full=False)
def card_activate(token, viewer):
    positions = tuple(service().card_view(token).activation_positions or ())  # what the domain asks
    if len(positions) != 2:
        return _card_page(token, viewer, message="This card needs no activation.", kind="error", status=409)
    errors, answers = {}, {}
    for name, position in zip(("first", "second"), positions, strict=True):
        value, err = h.text_field(name, 16, f"code at {position}")
        if not err and (not value.isascii() or not value.isalnum()):
            err = "Only the letters A-Z and digits 0-9, no spaces."
        if err:
            errors[name] = err
        answers[position] = value
    if errors:
        return _card_page(token, viewer, errors=errors, status=400)
    try:
        service().card_activate(token, answers)
    except E.LoginFailed:
        return _card_page(
            token,
            viewer,
            message="These codes do not match the card: nothing was changed.",
            kind="error",
            status=400,
        )
    except (E.InvalidInput, E.Conflict) as e:
        return _card_page(token, viewer, message=f"{e}. Nothing was changed.", kind="error", status=400)
    return _card_page(token, viewer, message="Your online security code card is active.")


# --- withdrawal with step-up ------------------------------------------------------------------------
def _left(token):
    lim = service().me(token).limits
    return {"day": h.usd(lim.left_day_cents), "week": h.usd(lim.left_five_day_cents)}


def _prompt(p):
    return {
        "transaction": p.transaction,
        "method": p.method,
        "challenge": p.challenge,
        "positions": p.positions,
    }


def _limit_message(e):
    return (
        f"Refused: the {e.limit_name} limit allows {h.usd(e.limit_cents)} per {e.period}; "
        f"{h.usd(e.left_cents)} is left. Nothing was withdrawn."
    )


@bp.route("/withdraw", methods=["GET", "POST"])
@authenticated(full=True)
def withdraw(token, viewer):
    if request.method == "GET":
        return _amount_step(token, viewer)
    cents, text, err = h.amount_field()
    if err:
        return _amount_step(token, viewer, 400, amount=text, errors={"amount": err})
    prompt = service().step_up_start(token)
    return page(
        "withdraw",
        viewer=viewer,
        step="confirm",
        prompt=_prompt(prompt),
        amount_cents=cents,
        amount_text=h.usd(cents),
    )


@bp.post("/withdraw/confirm")
@authenticated(full=True)
def withdraw_confirm(token, viewer):
    cents_text = request.form.get("amount_cents", "")
    transaction = request.form.get("transaction", "")
    if (
        not (cents_text.isascii() and cents_text.isdigit() and 0 < len(cents_text) <= 15)
        or not transaction
        or len(transaction) > 200
    ):
        return _amount_step(
            token,
            viewer,
            400,
            message="The form was incomplete: start the withdrawal again. Nothing was withdrawn.",
        )
    cents = int(cents_text)
    method = request.form.get("method")
    method = method if method in ("token", "card", "passcode") else _session_method(viewer)
    answer, err = h.answer_field(method)
    if err:
        # the transaction is still unused: show a fresh prompt (a new challenge), the error next to the field
        prompt = service().step_up_start(token)
        return page(
            "withdraw",
            400,
            viewer=viewer,
            step="confirm",
            prompt=_prompt(prompt),
            amount_cents=cents,
            amount_text=h.usd(cents),
            errors={"answer": err},
        )
    try:
        service().step_up_finish(token, transaction, answer)
    except E.LoginFailed:
        return _amount_step(
            token, viewer, 401, message="The device answer was not accepted. Nothing was withdrawn."
        )
    new_token = service().rotate_session(token)  # a new session id after the step-up
    try:
        service().withdraw(new_token, cents, require_fresh=True)
    except E.LimitExceeded as e:
        return _amount_step(new_token, viewer, 403, message=_limit_message(e), cookie=("s", new_token))
    except (E.AccessDenied, E.Conflict, E.InvalidInput) as e:  # the new cookie must reach the browser
        message = f"Refused: {str(e).rstrip('.')}. Nothing was withdrawn."
        return _amount_step(new_token, viewer, 403, message=message, cookie=("s", new_token))
    return page(
        "withdraw", 201, cookie=("s", new_token), viewer=viewer, step="done", amount_text=h.usd(cents)
    )


def _amount_step(token, viewer, status=200, *, amount="", message=None, errors=None, cookie=None):
    """The withdrawal's first page (amount), with what is left today and over 5 business days."""
    return page(
        "withdraw",
        status,
        cookie=cookie,
        viewer=viewer,
        step="amount",
        amount=amount,
        left=_left(token),
        message=message,
        kind="error",
        errors=errors or {},
    )


def _session_method(viewer):
    cred = getattr(viewer, "credential", "")
    return "token" if cred.startswith("token") else ("card" if cred == "card" else "passcode")


# --- Secure Login System settings -------------------------------------------------------------------
@bp.get("/security")
@authenticated(full=True)
def security(token, viewer):
    return page("security", viewer=viewer, message=None)


@bp.route("/security/reactivate", methods=["GET", "POST"])
@authenticated(full=False)
def reactivate(token, viewer):
    if request.method == "GET":
        try:
            prompt = service().reactivate_start(token)
        except (E.Conflict, E.NotFound) as e:
            return page("reactivate", 409, viewer=viewer, message=str(e), kind="error")
        return page("reactivate", viewer=viewer, prompt=_prompt(prompt))
    transaction = request.form.get("transaction", "")[:200]
    answer, err = h.answer_field("token")
    if err or not transaction:
        prompt = service().reactivate_start(token)
        return page(
            "reactivate",
            400,
            viewer=viewer,
            prompt=_prompt(prompt),
            errors={"answer": err or "The form was incomplete: answer this challenge."},
        )
    try:
        service().reactivate_finish(token, transaction, answer)
    except E.LoginFailed:
        prompt = service().reactivate_start(token)
        return page(
            "reactivate",
            401,
            viewer=viewer,
            prompt=_prompt(prompt),
            message="The device answer was not accepted: nothing was changed. Try this new challenge.",
            kind="error",
        )
    try:
        service().session(token)
    except E.SessionInvalid:  # this session was opened with the temporary credential: it ended with it
        return to_login("reactivated")
    return page(
        "reactivate",
        viewer=viewer,
        prompt=None,
        kind="ok",
        message="Your security device is active again. The temporary passcode and the online card no "
        "longer work.",
    )


@bp.route("/security/replacement", methods=["GET", "POST"])
@authenticated(full=True)
def replacement(token, viewer):
    if request.method == "GET":
        return page("replacement", viewer=viewer)
    pin, err = h.text_field("pin", 4, "PIN")
    confirm, err2 = h.text_field("pin_confirm", 4, "PIN again")
    errors = {}
    if err or not (pin.isascii() and pin.isdigit() and len(pin) == 4):
        errors["pin"] = err or "The PIN is exactly 4 digits (0-9)."
    elif err2 or confirm != pin:
        errors["pin_confirm"] = "The two PINs differ: type the same 4 digits twice."
    if errors:
        return page("replacement", 400, viewer=viewer, errors=errors)
    try:
        info = service().request_replacement(token, pin)
    except E.InvalidInput as e:
        return page("replacement", 400, viewer=viewer, errors={"pin": e.why})
    except E.Conflict as e:
        return page("replacement", 409, viewer=viewer, message=str(e), kind="error")
    done = {
        "status": info.status,
        "auto_activation": h.when(info.auto_activate_at)
        if info.auto_activate_at
        else "21 days after shipment (we tell you the date when the device ships)",
    }
    return page("replacement", viewer=viewer, done=done, kind="ok", message="Replacement requested.")


@bp.route("/security/sharing", methods=["GET", "POST"])
@authenticated(full=True)
def sharing(token, viewer):
    if request.method == "GET":
        return page("sharing", viewer=viewer, owner="")
    owner, err = h.text_field("owner", h.MAX_USERNAME, "device owner's user name")
    if err:
        return page("sharing", 400, viewer=viewer, owner=owner, errors={"owner": err})
    try:
        user_name_rule(owner)  # the seed's user-name rule (the domain's), so a bad name is BAD CHARACTER
        req = service().request_sharing(token, owner)
    except E.InvalidCredentials:  # well-formed but not a user name (upper case): simply no such user
        return page("sharing", 404, viewer=viewer, owner=owner, errors={"owner": f"user {owner} not found"})
    except E.LessSecureDevice as e:
        return page(
            "sharing",
            409,
            viewer=viewer,
            owner=owner,
            errors={"owner": f"{e}: pick the user holding the most secure device."},
        )
    except E.BadCharacter as e:
        return page(
            "sharing", 400, viewer=viewer, owner=owner, errors={"owner": f"{e}: letters and digits only."}
        )
    except E.NotFound as e:
        return page("sharing", 404, viewer=viewer, owner=owner, errors={"owner": str(e)})
    except (E.AccessDenied, E.Conflict, E.InvalidInput) as e:
        return page("sharing", 409, viewer=viewer, owner=owner, errors={"owner": str(e)})
    message = (
        "Approved: this user now logs in with the device of " + owner + "."
        if req.status == "approved"
        else "Pending: the request waits for approval by Client Services (the users are in different "
        "accounts)."
    )
    return page("sharing", viewer=viewer, owner="", message=message, kind="ok")


@bp.route("/security/sls", methods=["GET", "POST"])
@authenticated(full=True)
def sls(token, viewer):
    me = service().me(token)
    participating = me.participating
    if request.method == "GET":
        return page("sls", viewer=viewer, participating=participating, primary=me.primary)
    choice = request.form.get("participate")
    if choice not in ("yes", "no"):
        return page(
            "sls",
            400,
            viewer=viewer,
            participating=participating,
            primary=me.primary,
            kind="error",
            message="The form was incomplete: nothing was changed.",
        )
    try:
        service().set_sls_participation(token, choice == "yes")
    except E.NotPrimaryUser as e:
        return page(
            "sls",
            403,
            viewer=viewer,
            participating=participating,
            primary=False,
            kind="error",
            message=str(e)[:1].upper() + str(e)[1:] + ".",
        )
    return page(
        "sls",
        viewer=viewer,
        participating=choice == "yes",
        primary=True,
        kind="ok",
        message="Opted back into the Secure Login System."
        if choice == "yes"
        else "Opted out of the Secure Login System.",
    )
