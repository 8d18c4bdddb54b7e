"""``picodsc serve``: the app under gunicorn, several worker processes sharing one database.

The master process migrates the database once (``Service.open(create=True)``), then forks the
workers; each worker opens its own :class:`~picodsc.sls.Service` (its own connection pool) after the
fork and runs the due events (:meth:`~picodsc.sls.Service.maintenance`, idempotent) every
``maintenance_every`` seconds in a background thread, so a server without cron still
auto-activates replacements and sends notices.

The access log names method, path (never the query string), status, size and duration: secrets
travel in bodies and the Authorization header only, and neither is logged.
"""

import sys
import threading

from gunicorn.app.base import BaseApplication

ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
MAINTENANCE_EVERY = 60.0  # seconds between due-event runs in each worker
GRACEFUL_TIMEOUT = 5  # seconds a worker gets to finish on shutdown

FAKE_CLOCK_BANNER = """\
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!!  picodsc serve: FAKE CLOCK (PICODSC_TESTING=1)
!!  time is read from {path} at every request.
!!  Every expiry, lockout and limit follows that file. NEVER run this in production.
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
"""


class _Gunicorn(BaseApplication):
    def __init__(self, make_app, options):
        self._make_app = make_app
        self._options = options
        super().__init__()

    def load_config(self):
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        return self._make_app()


def serve(open_service, *, bind, workers, trusted_proxies=0, maintenance_every=MAINTENANCE_EVERY,
          announce=None):
    """Run until SIGTERM/SIGINT. ``open_service(create)`` opens a Service (called in the master with
    ``create=True``, then once in each worker). ``announce`` (a string) is printed to stderr first."""
    from . import create_app

    if announce:
        print(announce, file=sys.stderr, end="", flush=True)
    open_service(True).close()  # migrations once, before any worker starts

    def make_app():
        service = open_service(False)
        if maintenance_every > 0:
            _start_maintenance(service, maintenance_every)
        return create_app(service, trusted_proxies=trusted_proxies)

    options = {
        "bind": [bind],
        "workers": workers,
        "worker_class": "sync",
        "accesslog": "-",
        "errorlog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "graceful_timeout": GRACEFUL_TIMEOUT,
        "proc_name": "picodsc-serve",
    }
    _Gunicorn(make_app, options).run()


def _start_maintenance(service, every):
    import logging

    log = logging.getLogger("picodsc.web.maintenance")
    stop = threading.Event()

    def loop():
        while not stop.wait(every):
            try:
                service.maintenance()
            except Exception as e:  # noqa: BLE001 - keep the worker serving; the next run retries
                log.error("maintenance failed: %s", type(e).__name__)

    threading.Thread(target=loop, name="picodsc-maintenance", daemon=True).start()
