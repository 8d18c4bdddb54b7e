"""``picodsc serve``: the login service's JSON API (and the Client Portal) under gunicorn."""

import click

from ..sls.throttle import CHALLENGES_PER_HOUR, LOGIN_ATTEMPTS_PER_HOUR
from . import cli
from .errors import EXIT_USAGE, CliFail
from .sls import database_option, open_service

DEFAULT_BIND = "127.0.0.1:8080"
DEFAULT_WORKERS = 2


def check_bind(bind):
    """``HOST:PORT`` (IPv6 as ``[::1]:PORT``) or ``unix:PATH``; else CliFail (exit 2)."""
    if bind.startswith("unix:") and len(bind) > 5:
        return bind
    host, sep, port = bind.rpartition(":")
    if not (sep and host and port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        raise CliFail(f"--bind must be HOST:PORT (e.g. {DEFAULT_BIND}), got {bind!r}", EXIT_USAGE)
    return bind


@cli.command("serve")
@click.option("--bind", default=DEFAULT_BIND, show_default=True, help="HOST:PORT (or unix:PATH) to listen on")
@click.option("--workers", type=click.IntRange(1, 64), default=DEFAULT_WORKERS, show_default=True,
              help="worker processes (each with its own database connections)")
@click.option("--fake-clock", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="TESTS ONLY (needs PICODSC_TESTING=1): time (epoch s) from FILE per request")
@click.option("--trusted-proxies", type=click.IntRange(0, 8), default=0, show_default=True,
              help="reverse proxies in front (TLS terminators) whose X-Forwarded-For/-Proto to trust")
@click.option("--maintenance-every", type=click.FloatRange(0), default=60.0, show_default=True,
              help="seconds between due-event runs in each worker (0: only `picodsc maintenance`)")
@click.option("--login-attempts-per-hour", type=click.IntRange(LOGIN_ATTEMPTS_PER_HOUR),
              default=LOGIN_ATTEMPTS_PER_HOUR, show_default=True,
              help="login attempts per client address and per user (OWASP ASVS 2.2.1: at least 100)")
@click.option("--challenges-per-hour", type=click.IntRange(1), default=CHALLENGES_PER_HOUR, show_default=True,
              help="token challenges per serial and user")
@database_option
def serve_command(bind, workers, fake_clock, trusted_proxies, maintenance_every, login_attempts_per_hour,
                  challenges_per_hour, database):
    """Serve the JSON API (/api/v1, OpenAPI at /api/v1/openapi.json) with gunicorn.

    Plain HTTP: in production put it behind a TLS-terminating reverse proxy (see README).

    \b
    Example:
      picodsc serve --bind 127.0.0.1:8080 --workers 4 --trusted-proxies 1
    """
    from ..sls import FileClock, SystemClock
    from ..sls.clock import TESTING_ENV, testing_enabled
    from ..web.server import FAKE_CLOCK_BANNER, serve

    check_bind(bind)
    announce = None
    if fake_clock is not None:
        if not testing_enabled():
            raise CliFail(f"--fake-clock is refused unless {TESTING_ENV}=1 (tests only)", EXIT_USAGE)
        FileClock(fake_clock).now()  # unreadable or not a number: refused now, not per request
        announce = FAKE_CLOCK_BANNER.format(path=fake_clock)

    def open_for(create):
        clock = FileClock(fake_clock) if fake_clock is not None else SystemClock()
        return open_service(database, clock=clock, create=create, challenges_per_hour=challenges_per_hour,
                            login_attempts_per_hour=login_attempts_per_hour)

    serve(open_for, bind=bind, workers=workers, trusted_proxies=trusted_proxies,
          maintenance_every=maintenance_every, announce=announce)
