"""Hostile host input: a catalogue of malformed arguments, PINs and registry/key files, run through
`picodsc.cli.main` (click's CliRunner isolation: in-process, fast) and, for the rows marked
``real``, through the installed `picodsc` command too (same exit code and output).

Every row must give its documented exit code (README: 1 refused, 2 bad arguments), at most one line
on stderr starting with ``error: `` (no traceback, short, no secret: key, PIN or PIN hash), and leave
the registry exactly as it was: its logical contents (schema, tokens with their sealed blobs, counters,
failure history, lock, pending challenges) and the bytes of the registry and key files.
"""

import hashlib
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from picodsc.registry import Registry
from support.commands import picodsc, run_cli
from support.token import KEY, PIN, SERIAL, SUITE, T0, pin_digest, response

PIN_HASH = pin_digest(SUITE, PIN)
PENDING = "314159"  # a challenge issued at T0, still pending
HUGE = 100_000  # characters: under Linux's 128 KiB limit for one argv string
SECRETS = [KEY.hex(), KEY.hex().upper(), PIN_HASH.hex(), PIN_HASH.hex().upper()]


@dataclass
class Row:
    name: str
    argv: list
    code: int  # 1 refused, 2 bad arguments
    message: str  # fragment of the error line (stderr), or of the FAIL line (stdout) for code 1 + fail
    stdin: str = ""
    setup: object = None  # f(dir, env) -> None: damage the registry or key file, set env
    real: bool = False  # also run the installed `picodsc` command
    fail: bool = False  # a FAIL: <reason> verdict on stdout (verify/pin-change) instead of an error
    secrets: list = field(default_factory=list)  # more strings that must not appear (e.g. a typed PIN)


def verify(challenge=PENDING, response="12345678", serial=SERIAL):
    return ["verify", "--serial", serial, "--challenge", challenge, "--response", response]


def challenge(serial=SERIAL):
    return ["challenge", "--serial", serial]


def pin_change(response="12345678"):
    return ["pin-change", "--serial", SERIAL, "--challenge", PENDING, "--response", response, "--pin-stdin"]


def ocra(suite=SUITE, key=None, question="123456", *more):
    key = KEY.hex() if key is None else key
    return ["ocra", "--suite", suite, "--key", key, "--question", question, *more]


# -- registry and key file damage ------------------------------------------------------------------

def truncate(n_or_half):
    def setup(d, env):
        p = d / "r.sqlite3"
        data = p.read_bytes()
        p.write_bytes(data[: len(data) // 2] if n_or_half == "half" else data[:n_or_half])
    return setup


def replace_registry(data):
    def setup(d, env):
        (d / "r.sqlite3").write_bytes(data)
    return setup


def foreign_sqlite(user_version):
    def setup(d, env):
        (d / "r.sqlite3").unlink()
        db = sqlite3.connect(d / "r.sqlite3")
        db.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT)")
        db.execute("INSERT INTO accounts (name) VALUES ('alice')")
        db.execute(f"PRAGMA user_version={user_version}")
        db.commit()
        db.close()
    return setup


def schema_version(v):
    def setup(d, env):
        db = sqlite3.connect(d / "r.sqlite3")
        db.execute(f"PRAGMA user_version={v}")
        db.commit()
        db.close()
    return setup


def registry_is_dir(d, env):
    env["PICODSC_REGISTRY"] = str(d / "adir")
    (d / "adir").mkdir()
    env["PICODSC_KEY_FILE"] = str(d / "picodsc.key")


def registry_missing(d, env):
    env["PICODSC_REGISTRY"] = str(d / "typo.sqlite3")
    env["PICODSC_KEY_FILE"] = str(d / "picodsc.key")


def key_bytes(data, mode=0o600):
    def setup(d, env):
        k = d / "picodsc.key"
        k.write_bytes(data)
        os.chmod(k, mode)
    return setup


def key_mode(mode):
    def setup(d, env):
        os.chmod(d / "picodsc.key", mode)
    return setup


def key_missing(d, env):
    (d / "picodsc.key").unlink()


def key_elsewhere(d, env):
    env["PICODSC_KEY_FILE"] = str(d / "typo.key")


def key_is_dir(d, env):
    (d / "picodsc.key").unlink()
    (d / "picodsc.key").mkdir(mode=0o700)


def key_symlink(d, env):
    (d / "link.key").symlink_to(d / "picodsc.key")
    env["PICODSC_KEY_FILE"] = str(d / "link.key")


def tamper_secret(d, env):
    db = sqlite3.connect(d / "r.sqlite3")
    blob = bytearray(db.execute("SELECT secret FROM tokens").fetchone()[0])
    blob[-1] ^= 1
    db.execute("UPDATE tokens SET secret=?", (bytes(blob),))
    db.commit()
    db.close()


def env_now(value):
    def setup(d, env):
        env["PICODSC_NOW"] = value
    return setup


BAD_CHALLENGE = "challenge must be 4..6 digits"
BAD_RESPONSE = "response must be 8 digits"
BAD_SERIAL = "bad serial"
BAD_PIN = "PIN must be 4 digits"
WEAK_PIN = "PIN too weak"

ROWS = [
    # suites (the reference calculator and provisioning)
    Row("ocra-suite-garbage", ocra("garbage"), 2, "suite", real=True),
    Row("ocra-suite-empty", ocra(""), 2, "suite"),
    Row("ocra-suite-huge", ocra("OCRA-1:" + "X" * HUGE), 2, "suite"),
    Row("ocra-suite-unicode", ocra("OCRA-1:HOTP-SHA256-8:QN06-PSHA２５６"), 2, "suite"),
    Row("ocra-suite-newline", ocra("OCRA-1:HOTP-SHA256-8:QN06\nerror: forged line"), 2, "suite"),
    Row("ocra-suite-md5", ocra("OCRA-1:HOTP-MD5-8:QN06"), 2, "suite"),
    Row("ocra-suite-digits-11", ocra("OCRA-1:HOTP-SHA1-11:QN06"), 2, "HOTP"),
    Row("ocra-key-not-hex", ocra(SUITE, KEY.hex()[:-2] + "zz", "123456", "--pin", PIN), 2,
        "--key must be hex", real=True),
    Row("ocra-key-odd-length", ocra(SUITE, KEY.hex()[:-1], "123456", "--pin", PIN), 2, "--key must be hex"),
    Row("ocra-key-empty", ocra(SUITE, "", "123456", "--pin", PIN), 2, "--key is empty"),
    Row("ocra-question-letters", ocra(SUITE, KEY.hex(), "12a456", "--pin", PIN), 2, "question"),
    Row("ocra-counter-not-int", ocra(SUITE, KEY.hex(), "123456", "--counter", "x" * HUGE), 2, "--counter"),
    Row("provision-suite-alphanumeric", ["provision", "--port", "/dev/null", "--suite",
        "OCRA-1:HOTP-SHA256-8:QA06-PSHA256", "--pin", "4820"], 2, "numeric challenges"),
    Row("provision-suite-session", ["provision", "--port", "/dev/null", "--suite",
        "OCRA-1:HOTP-SHA256-8:QN06-S064", "--pin", "4820"], 2, "no T/S"),
    Row("provision-suite-no-truncation", ["provision", "--port", "/dev/null", "--suite",
        "OCRA-1:HOTP-SHA256-0:QN06", "--pin", "4820"], 2, "4..10 digits"),
    # challenges
    Row("challenge-too-short", verify("123"), 2, BAD_CHALLENGE, real=True),
    Row("challenge-too-long", verify("1234567"), 2, BAD_CHALLENGE),
    Row("challenge-letters", verify("12a456"), 2, BAD_CHALLENGE),
    Row("challenge-inner-space", verify("314 159"), 2, BAD_CHALLENGE),
    Row("challenge-arabic-digits", verify("٣١٤١٥٩"), 2, BAD_CHALLENGE),
    Row("challenge-fullwidth-digits", verify("３１４１５９"), 2, BAD_CHALLENGE),
    Row("challenge-superscript", verify("31415⁹"), 2, BAD_CHALLENGE),
    Row("challenge-signed", verify("-31415"), 2, BAD_CHALLENGE),
    Row("challenge-empty", verify(""), 2, BAD_CHALLENGE),
    Row("challenge-huge", verify("1" * HUGE), 2, BAD_CHALLENGE),
    Row("challenge-unknown", verify("271828"), 1, "FAIL: unknown or expired challenge", fail=True, real=True),
    # responses
    Row("response-short", verify(response="1234567"), 2, BAD_RESPONSE, real=True),
    Row("response-long", verify(response="123456789"), 2, BAD_RESPONSE),
    Row("response-letters", verify(response="1234567a"), 2, BAD_RESPONSE),
    Row("response-grouped", verify(response="1234 5678"), 2, BAD_RESPONSE),
    Row("response-arabic-digits", verify(response="١٢٣٤٥٦٧٨"), 2, BAD_RESPONSE),
    Row("response-empty", verify(response=""), 2, BAD_RESPONSE),
    Row("response-huge", verify(response="1" * HUGE), 2, BAD_RESPONSE),
    Row("response-newline", verify(response="1234\n5678"), 2, BAD_RESPONSE),
    # serials
    Row("serial-short", challenge("ABC"), 2, BAD_SERIAL, real=True),
    Row("serial-not-hex", verify(serial="XYZXYZXYZXYZXYZX"), 2, BAD_SERIAL),
    Row("serial-sql", challenge("X'; DROP TABLE tokens; --"), 2, BAD_SERIAL),
    Row("serial-path", ["export", "--serial", "../../etc/passwd"], 2, BAD_SERIAL),
    Row("serial-unicode", challenge("E6614103E72B8F2Ā"), 2, BAD_SERIAL),
    Row("serial-empty", challenge(""), 2, BAD_SERIAL),
    Row("serial-huge", challenge("A" * HUGE), 2, BAD_SERIAL),
    Row("serial-newline", challenge("E6614103\nerror: forged"), 2, BAD_SERIAL),
    Row("serial-unknown", challenge("0123456789ABCDEF"), 1, "unknown token 0123456789ABCDEF", real=True),
    Row("serial-unknown-export", ["export", "--serial", "0123456789ABCDEF"], 1, "unknown token"),
    # PINs (pin-change reads the new PIN from stdin; provision checks --pin before touching the port)
    Row("pin-empty", pin_change(), 2, BAD_PIN, stdin="\n", real=True),
    Row("pin-short", pin_change(), 2, BAD_PIN, stdin="482\n", secrets=["482"]),
    Row("pin-long", pin_change(), 2, BAD_PIN, stdin="48203\n", secrets=["48203"]),
    Row("pin-letters", pin_change(), 2, BAD_PIN, stdin="48a0\n", secrets=["48a0"]),
    Row("pin-arabic-digits", pin_change(), 2, BAD_PIN, stdin="٤٨٢٠\n", secrets=["٤٨٢٠"]),
    Row("pin-inner-space", pin_change(), 2, BAD_PIN, stdin="48 20\n", secrets=["48 20"]),
    Row("pin-weak-common", pin_change(), 2, WEAK_PIN, stdin="2580\n", secrets=["2580"]),
    Row("pin-weak-same", pin_change(), 2, WEAK_PIN, stdin="7777\n", secrets=["7777"]),
    Row("pin-weak-sequence", pin_change(), 2, WEAK_PIN, stdin="6789\n", secrets=["6789"]),
    Row("pin-weak-alternating", pin_change(), 2, WEAK_PIN, stdin="3838\n", secrets=["3838"]),
    Row("pin-no-stdin", pin_change(), 2, BAD_PIN, stdin=""),
    Row("pin-huge", pin_change(), 2, BAD_PIN, stdin="4" * HUGE + "\n"),
    Row("pin-change-bad-response", pin_change("1234567"), 2, BAD_RESPONSE, stdin="4820\n", secrets=["4820"]),
    Row("provision-pin-short", ["provision", "--port", "/dev/null", "--pin", "12"], 2, BAD_PIN),
    Row("provision-pin-letters", ["provision", "--port", "/dev/null", "--pin", "abcd"], 2, BAD_PIN),
    Row("provision-pin-weak", ["provision", "--port", "/dev/null", "--pin", "0000"], 2, WEAK_PIN),
    Row("provision-pin-stdin-short", ["provision", "--port", "/dev/null", "--pin-stdin"], 2, BAD_PIN,
        stdin="482\n", secrets=["482"]),
    Row("provision-pin-stdin-weak", ["provision", "--port", "/dev/null", "--pin-stdin"], 2, WEAK_PIN,
        stdin="1357\n", secrets=["1357"]),
    Row("provision-pin-twice", ["provision", "--port", "/dev/null", "--pin", "4820", "--pin-stdin"], 2,
        "not both", stdin="4820\n"),
    Row("provision-pin-stdin-no-port", ["provision", "--port", "/dev/null", "--pin-stdin"], 1,
        "/dev/null", stdin="4820\n", secrets=["4820"], real=True),  # the PIN passed; the port did not
    # registry files
    Row("registry-truncated-half", challenge(), 1, "registry", setup=truncate("half"), real=True),
    Row("registry-truncated-header", challenge(), 1, "registry", setup=truncate(100)),
    Row("registry-truncated-empty", challenge(), 1, "registry", setup=truncate(0)),
    Row("registry-not-sqlite", challenge(), 1, "not a database",
        setup=replace_registry(b"hello, world\n" * 400)),
    Row("registry-other-schema", challenge(), 1, "not a picodsc registry", setup=foreign_sqlite(0),
        real=True),
    Row("registry-other-schema-v1", verify(), 1, "not a picodsc registry", setup=foreign_sqlite(1)),
    Row("registry-newer-schema", challenge(), 1, "newer picodsc", setup=schema_version(99)),
    Row("registry-is-directory", challenge(), 2, "is a directory", setup=registry_is_dir),
    Row("registry-missing", verify(), 1, "no registry", setup=registry_missing),
    Row("registry-missing-export", ["export", "--serial", SERIAL], 1, "no registry", setup=registry_missing),
    Row("registry-tampered-secret", challenge(), 1, "cannot decrypt", setup=tamper_secret),
    # key files
    Row("key-wrong", challenge(), 1, "wrong key file", setup=key_bytes(bytes(32)), real=True),
    Row("key-missing", challenge(), 1, "missing", setup=key_missing),
    Row("key-elsewhere", verify(), 1, "missing", setup=key_elsewhere),
    Row("key-short", challenge(), 1, "not a 32-byte AES key", setup=key_bytes(bytes(16))),
    Row("key-empty", challenge(), 1, "not a 32-byte AES key", setup=key_bytes(b"")),
    Row("key-is-directory", challenge(), 1, "key file", setup=key_is_dir),
    Row("key-symlink", challenge(), 1, "symbolic link", setup=key_symlink),
    Row("key-mode-0644", challenge(), 1, "loose permissions", setup=key_mode(0o644), real=True),
    Row("key-mode-0640", verify(), 1, "loose permissions", setup=key_mode(0o640)),
    Row("key-mode-0604", ["export", "--serial", SERIAL], 1, "loose permissions", setup=key_mode(0o604)),
    Row("key-mode-0620", challenge(), 1, "loose permissions", setup=key_mode(0o620)),
    Row("key-mode-0602", challenge(), 1, "loose permissions", setup=key_mode(0o602)),
    # environment
    Row("now-not-a-number", challenge(), 2, "PICODSC_NOW", setup=env_now("yesterday")),
    Row("now-nan", verify(), 2, "PICODSC_NOW", setup=env_now("nan")),  # nan < locked_until is False
    Row("now-infinite", challenge(), 2, "PICODSC_NOW", setup=env_now("inf")),
    # click's own usage errors, one line too
    Row("usage-missing-option", ["verify", "--serial", SERIAL, "--challenge", PENDING], 2, "--response",
        real=True),
    Row("usage-unknown-option", ["verify", "--secret", KEY.hex()], 2, "No such option"),
    Row("usage-unknown-command", ["steal-keys"], 2, "No such command"),
    Row("usage-bad-choice", ["export", "--serial", SERIAL, "--format", "csv"], 2, "csv"),
]


# -- running and observing -------------------------------------------------------------------------

@pytest.fixture
def home(registry, cli_env):
    """The test registry with a failure on record and a pending challenge; (its directory, the env)."""
    with Registry(registry.path, clock=lambda: T0) as reg, reg.transaction() as db:
        tok = reg.load(SERIAL, db)
        tok.failures = [T0 - 60.0]
        reg.save_state(db, tok)
        reg.add_challenge(db, SERIAL, PENDING, T0, purge_before=0)
    return registry.path.parent, cli_env


def snapshot(d, env):
    """(logical dump or None, {file name: (bytes digest, mode)}) of the registry directory."""
    files = {}
    for p in sorted(d.rglob("*")):
        if p.name.endswith(("-wal", "-shm", "-journal")):
            continue  # SQLite's own side files come and go with connections
        st = p.lstat()
        digest = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() and not p.is_symlink() else None
        files[str(p.relative_to(d))] = (digest, st.st_mode)
    return dump(Path(env["PICODSC_REGISTRY"])), files


def dump(path):
    """Logical contents: schema, every token row (sealed blobs, counter, failures, lock), challenges."""
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return (db.execute("PRAGMA user_version").fetchone(),
                    db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall(),
                    *(db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
                      for t in ("tokens", "challenges") if _has_table(db, t)))
        finally:
            db.close()
    except sqlite3.DatabaseError as e:
        return f"unreadable: {e}"


def _has_table(db, name):
    return db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone()


def run_in_process(argv, env, stdin):
    return run_cli(argv, stdin, env)


def run_real(argv, env, stdin):
    return picodsc(*argv, env=env, input=stdin, timeout=60)


def check(row, code, out, err):
    assert code == row.code, (code, out, err[:300])
    assert "Traceback" not in err and "Traceback" not in out
    for secret in SECRETS + row.secrets:
        assert secret not in out and secret not in err, secret
    if row.fail:
        assert (out, err) == (row.message + "\n", "")
        return
    assert out == ""
    assert err.startswith("error: ") and err.endswith("\n") and err.count("\n") == 1, err[:300]
    assert row.message in err, err
    assert len(err) <= 300, f"{len(err)} characters"


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_rejected_cleanly_and_registry_unchanged(home, row):
    d, env = home
    env = dict(env)
    if row.setup:
        row.setup(d, env)
    before = snapshot(d, env)
    check(row, *run_in_process(row.argv, env, row.stdin))
    assert snapshot(d, env) == before
    if row.real:
        check(row, *run_real(row.argv, env, row.stdin))
        assert snapshot(d, env) == before


def test_catalogue_names_are_unique():
    assert len({r.name for r in ROWS}) == len(ROWS)


def test_the_same_registry_still_works_after_the_catalogue(home):
    """Control: a well-formed call on the untouched fixture changes the registry (the snapshot sees it)."""
    d, env = home
    before = snapshot(d, env)
    code, out, err = run_in_process(challenge(), env, "")
    assert code == 0 and err == "" and len(out.strip()) == 6
    assert snapshot(d, env) != before


def test_pin_change_proves_the_token_not_the_old_pin(home):
    """Whoever holds the token can set a new PIN: the proof is a response typed with the NEW PIN, the old
    one is never asked. So pin-change must only be offered after the user authenticated with the old PIN
    (SECURITY.md); the CLI is the server's tool for that step, not a self-service endpoint."""
    d, env = home
    new_pin = "8362"
    c = run_in_process(challenge(), env, "")[1].strip()
    thief = response(c, new_pin)  # the token, any PIN typed
    argv = ["pin-change", "--serial", SERIAL, "--challenge", c, "--response", thief, "--pin-stdin"]
    assert run_in_process(argv, env, new_pin + "\n") == (0, "OK\n", "")
    c = run_in_process(challenge(), env, "")[1].strip()
    owner = response(c)
    assert run_in_process(verify(c, owner), env, "") == (1, "FAIL: wrong response\n", "")


def test_failed_pin_changes_count_towards_the_lockout(home):
    """PIN change is no side door for guessing: 10 wrong proofs lock the token like 10 wrong logins."""
    d, env = home
    for _ in range(9):  # + the fixture's failure 60 s ago: 10 within 24 h
        c = run_in_process(challenge(), env, "")[1].strip()
        argv = ["pin-change", "--serial", SERIAL, "--challenge", c, "--response", "00000000", "--pin-stdin"]
        assert run_in_process(argv, env, "8362\n") == (1, "FAIL: wrong response\n", "")
    c = run_in_process(challenge(), env, "")[1].strip()
    code, out, err = run_in_process(verify(c, response(c)), env, "")
    assert (code, err) == (1, "") and out.startswith("FAIL: token locked until ")


def test_sqlite_internal_tables_are_not_foreign(home):
    """An operator's `ANALYZE` adds sqlite_stat1: still our registry."""
    d, env = home
    db = sqlite3.connect(d / "r.sqlite3")
    db.execute("ANALYZE")
    db.commit()
    db.close()
    code, out, err = run_in_process(challenge(), env, "")
    assert (code, err) == (0, "") and len(out.strip()) == 6
