"""The Client Services side of the Secure Login System: a thin click layer over picodsc.sls.Service.

Every command takes ``--database URL`` (env ``PICODSC_DATABASE_URL``; default: the SQLite file in the
user data directory) and its time from the service clock: the system clock, or ``PICODSC_NOW`` (epoch
seconds) when ``PICODSC_TESTING=1``. Secrets (password, PIN, identity data) are read from stdin only;
a temporary passcode is printed once, alone on the last line of stdout. Domain errors are printed by
``cli.main`` (one line, the error's exit code).
"""

import contextlib
import datetime
import json
import sys

import click

from . import cli
from .errors import EXIT_REFUSED, EXIT_USAGE, CliFail

_DATABASE_HELP = ("SQLAlchemy database URL (env PICODSC_DATABASE_URL; default: sls.sqlite3 in the user data "
                  "directory), e.g. postgresql+psycopg://user@host/picodsc")
_IDENTITY_FIELDS = ("date_of_birth", "citizenship", "residence", "id_type", "id_number", "ssn")


def database_option(f):
    return click.option("--database", "database", default=None, envvar="PICODSC_DATABASE_URL",
                        metavar="URL", help=_DATABASE_HELP)(f)


def open_service(database, *, clock=None, create=True, **settings):
    from ..sls import Service, clock_from_env

    return Service.open(database, clock=clock if clock is not None else clock_from_env(), create=create,
                        **settings)


@contextlib.contextmanager
def _service(database):
    service = open_service(database)
    try:
        yield service
    finally:
        service.close()


def _when(t):
    if t is None:
        return "-"
    try:
        return datetime.datetime.fromtimestamp(t, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return f"{t!r} (out of range)"


def _stdin_line(what):
    line = sys.stdin.readline()
    if not line:
        raise CliFail(f"expected the {what} on stdin (one line)", EXIT_USAGE)
    line = line.rstrip("\r\n")
    if not line:
        raise CliFail(f"the {what} on stdin is empty", EXIT_USAGE)
    return line


def _identity_from_stdin():
    from ..sls import Identity

    try:
        data = json.loads(_stdin_line("identity (a JSON object)"))
    except json.JSONDecodeError:
        raise CliFail("identity on stdin: not JSON", EXIT_USAGE) from None
    if not isinstance(data, dict) or set(data) - set(_IDENTITY_FIELDS) or not all(
            isinstance(v, str) for v in data.values()):
        keys = ", ".join(_IDENTITY_FIELDS)
        raise CliFail(f"identity on stdin: a JSON object of strings with keys {keys}", EXIT_USAGE)
    missing = [k for k in _IDENTITY_FIELDS[:3] if not data.get(k)]
    if missing:
        raise CliFail(f"identity on stdin: missing {', '.join(missing)}", EXIT_USAGE)
    return Identity(**data)


# ---- users ---------------------------------------------------------------------------------------
@cli.group("user")
def user_group():
    """Users: add, show, unlock."""


@user_group.command("add")
@click.argument("username")
@click.option("--account", required=True, help="the account (entity) the user belongs to")
@click.option("--primary", is_flag=True, help="the account's primary user (changes security settings)")
@click.option("--password-stdin", is_flag=True, required=True,
              help="read the password from the first line of stdin (required: never in argv)")
@click.option("--identity-stdin", is_flag=True,
              help="read identification data from the next stdin line, a JSON object: "
                   + ", ".join(_IDENTITY_FIELDS) + " (personal data, sealed at rest)")
@database_option
def user_add(username, account, primary, password_stdin, identity_stdin, database):
    """Add a user (password on stdin).

    \b
    Example:
      picodsc user add alice --account U1234567 --primary --password-stdin < password.txt
    """
    password = _stdin_line("password")
    identity = _identity_from_stdin() if identity_stdin else None
    with _service(database) as service:
        service.add_user(username, account=account, password=password, primary=primary, identity=identity)
    click.echo(f"user {username} added to account {account}" + (" (primary)" if primary else ""))


@user_group.command("show")
@click.argument("username")
@database_option
def user_show(username, database):
    """A user's account, role, SLS status, credential, devices and lock.

    \b
    Example:
      picodsc user show alice
    """
    with _service(database) as service:
        info = service.user_info(username)
    rows = [
        ("user", info.username), ("account", info.account), ("primary", "yes" if info.primary else "no"),
        ("sls", "participating" if info.participating else "opted out"), ("credential", info.credential),
        ("locked", f"until {_when(info.locked_until)}" if info.locked else "no"),
        ("failures", str(info.failures)),
        ("identity", "on file" if info.has_identity else "none"),
    ]
    for d in info.devices:
        shared = f" (shared from {d.shared_from})" if d.shared_from else ""
        rows.append(("device", f"{d.serial} {d.kind} {d.status}{shared}"))
    if info.temp_passcode_issued_at is not None:
        rows.append(("temp passcode", f"issued {_when(info.temp_passcode_issued_at)}"))
    if info.card_status:
        rows.append(("card", info.card_status))
    if info.replacement is not None:
        r = info.replacement
        rows.append(("replacement",
                     f"{r.status} {r.serial or '-'} auto-activates {_when(r.auto_activate_at)}"))
    for key, value in rows:
        click.echo(f"{key + ':':15}{value}")


@user_group.command("unlock")
@click.argument("username")
@database_option
def user_unlock(username, database):
    """End a user's lockout (after verifying the holder's identity by phone).

    \b
    Example:
      picodsc user unlock alice
    """
    with _service(database) as service:
        service.unlock(username)
    click.echo(f"user {username} unlocked")


# ---- devices -------------------------------------------------------------------------------------
@cli.command("import")
@click.argument("pskc_file", type=click.File("rb"))
@click.option("--pin-stdin", is_flag=True, help="the tokens' PIN from one line of stdin (suites with P)")
@database_option
def import_command(pskc_file, pin_stdin, database):
    """Import tokens from a vendor's PSKC seed file (RFC 6030); prints each imported serial.

    \b
    Example:
      picodsc import tokens.pskc --pin-stdin < pin.txt
    """
    data = pskc_file.read()
    pin = _stdin_line("PIN") if pin_stdin else None
    with _service(database) as service:
        serials = service.import_pskc(data, pin=pin)
    for serial in serials:
        click.echo(serial)


@cli.group("device")
def device_group():
    """Security devices: assign a token to a user."""


@device_group.command("assign")
@click.option("--user", "username", required=True)
@click.option("--serial", required=True)
@database_option
def device_assign(username, serial, database):
    """Bind a provisioned or imported token to a user.

    \b
    Example:
      picodsc device assign --user alice --serial E6614103E72B8F2A
    """
    with _service(database) as service:
        service.assign_device(username, serial)
    click.echo(f"token {serial} assigned to {username}")


@cli.group("temp-passcode")
def temp_passcode_group():
    """Temporary passcodes (after identity verification by phone)."""


@temp_passcode_group.command("issue")
@click.option("--user", "username", required=True)
@database_option
def temp_passcode_issue(username, database):
    """Issue a temporary passcode: printed once, alone on the last line of stdout.

    \b
    Example:
      picodsc temp-passcode issue --user alice | tail -n 1
    """
    with _service(database) as service:
        passcode = service.issue_temp_passcode(username)
    click.echo(f"temporary passcode for {username} (full access 2 days, then portal only 10 days):")
    click.echo(passcode)


@cli.group("replacement")
def replacement_group():
    """Replacement tokens."""


@replacement_group.command("ship")
@click.option("--user", "username", required=True)
@click.option("--serial", required=True, help="the provisioned replacement token")
@database_option
def replacement_ship(username, serial, database):
    """Record a replacement token as shipped (auto-activates 21 days later).

    \b
    Example:
      picodsc replacement ship --user alice --serial 0011223344556677
    """
    with _service(database) as service:
        info = service.ship_replacement(username, serial)
    click.echo(f"replacement {info.serial} shipped to {username}; "
               f"auto-activates {_when(info.auto_activate_at)}")


@cli.group("sharing")
def sharing_group():
    """Device sharing between accounts."""


@sharing_group.command("list")
@database_option
def sharing_list(database):
    """Sharing requests waiting for Client Services.

    \b
    Example:
      picodsc sharing list
    """
    with _service(database) as service:
        pending = service.pending_sharing()
    for r in pending:
        click.echo(f"{r.id}  {r.requester} -> {r.owner}'s {r.serial}  requested {_when(r.created_at)}")
    if not pending:
        click.echo("no pending sharing requests")


@sharing_group.command("approve")
@click.argument("request_ids", type=int, nargs=-1, required=True)
@database_option
def sharing_approve(request_ids, database):
    """Approve pending sharing requests by id (see `picodsc sharing list`).

    \b
    Example:
      picodsc sharing approve 7
    """
    with _service(database) as service:
        for request_id in request_ids:
            service.approve_sharing(request_id)
            click.echo(f"sharing request {request_id} approved")


# ---- operations ----------------------------------------------------------------------------------
@cli.command("maintenance")
@database_option
def maintenance_command(database):
    """Run due events: auto-activations, notices, purges (idempotent; safe every minute from cron).

    \b
    Example:
      picodsc maintenance --database postgresql+psycopg://picodsc@db/picodsc
    """
    with _service(database) as service:
        report = service.maintenance()
    for username in report.activated:
        click.echo(f"activated replacement of {username}")
    for notice in report.notices:
        click.echo(f"notice {notice}")
    click.echo(f"maintenance: {len(report.activated)} activated, {len(report.notices)} notices, "
               f"{report.purged} purged")


@cli.group("audit")
def audit_group():
    """The audit log."""


@audit_group.command("verify")
@database_option
def audit_verify(database):
    """Check the audit log's HMAC chain; names the first row changed or removed (exit 1).

    \b
    Example:
      picodsc audit verify
    """
    with _service(database) as service:
        report = service.verify_audit()
    if report.ok:
        click.echo(f"audit log intact: {report.rows} rows")
        return
    click.echo(f"audit log broken at row {report.first_bad_row}: {report.reason} "
               f"({report.rows} rows before it intact)")
    sys.exit(EXIT_REFUSED)
