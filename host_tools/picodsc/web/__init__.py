"""The web side of the Secure Login System: one Flask app with the JSON API and the Client Portal.

``create_app(service)`` is the app factory; ``service`` is a :class:`picodsc.sls.Service` (the web
never touches the database). ``picodsc serve`` runs it under gunicorn (``web/server.py``); tests
use ``create_app(service, testing=True).test_client()``.

Blueprints: ``api`` (``web/api.py``, ``/api/v1``) always; ``portal`` (``web/portal.py``, the Client
Portal pages) is the hook for the portal: that module defines ``blueprint`` (a Blueprint named
``portal``) and, optionally, ``init_app(app)`` for app-wide set-up (secret key, template globals).
It is registered here when the module exists.
"""

import importlib
import logging
import traceback

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from .api import PREFIX
from .api import blueprint as api_blueprint
from .errors import http_error

MAX_BODY = 64 * 1024  # bytes of a request body (413 beyond)
PORTAL_MODULE = __name__ + ".portal"
SERVICE_KEY = "picodsc.service"

log = logging.getLogger("picodsc.web")


def create_app(service, *, testing=False, trusted_proxies=0):
    """The Flask app around ``service``.

    ``trusted_proxies``: how many reverse proxies (TLS terminators) in front of the app set
    ``X-Forwarded-For``/``-Proto``; 0 (the default) trusts none, so the client address used for
    throttling is the peer's.
    """
    app = Flask(__name__)
    app.config.update(TESTING=testing, MAX_CONTENT_LENGTH=MAX_BODY)
    app.json.sort_keys = False
    app.extensions[SERVICE_KEY] = service
    if trusted_proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted_proxies, x_proto=trusted_proxies)
    app.register_blueprint(api_blueprint)
    _register_portal(app)
    app.register_error_handler(Exception, _handle_error)
    app.after_request(_api_headers)
    return app


def _register_portal(app):
    try:
        portal = importlib.import_module(PORTAL_MODULE)
    except ModuleNotFoundError as e:
        if e.name != PORTAL_MODULE:
            raise
        return
    if hasattr(portal, "init_app"):
        portal.init_app(app)
    app.register_blueprint(portal.blueprint)


def _is_api():
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def _handle_error(exc):
    if not _is_api():  # the portal's pages: its own handlers, else Flask's default pages
        if isinstance(exc, HTTPException):
            return exc
        raise exc
    status, body, headers = http_error(exc)
    if status >= 500:
        # Type and frames only: an unexpected exception's message may quote data (SQL parameters).
        log.error("internal error on %s %s: %s\n%s", request.method, request.path, type(exc).__name__,
                  "".join(traceback.format_tb(exc.__traceback__)))
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers)
    return response


def _api_headers(response):
    if _is_api():
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
    return response
