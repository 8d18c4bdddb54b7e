"""The login service under load for the benches: users with tokens, `picodsc serve`, two-step logins.

Users and tokens are made in process through :class:`picodsc.sls.Service` (the admin CLI's library),
then a real `picodsc serve` (gunicorn) answers over loopback. Throttles are raised for the run (one
client address makes every request); everything else is the production path.
"""

import hashlib
import os
import sys
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "tests"), str(HERE.parent / "tests" / "api")]

from api_server import Server  # noqa: E402  (tests/api: free port, ready wait, stop)
from picodsc import pskc_export  # noqa: E402
from picodsc.ocra import Prepared, parse_suite  # noqa: E402

from .httpload import Client, run  # noqa: E402

SUITE = "OCRA-1:HOTP-SHA256-8:QN06-PSHA256"
PIN = "4739"
PASSWORD = "bench password 8"
UNTHROTTLED = ["--login-attempts-per-hour", str(10**9), "--challenges-per-hour", str(10**9)]


def make_users(url, key_file, n):
    """``n`` users ``bench0..`` each with its own DSC+ token; returns their OCRA (Prepared) per user."""
    from picodsc.sls import Service

    suite = parse_suite(SUITE)
    pin_hash = hashlib.sha256(PIN.encode()).digest()
    svc = Service.open(url, key_file=key_file)
    tokens = []
    try:
        for i in range(n):
            serial = f"BE{i:014X}"
            secret = hashlib.sha256(f"bench token {i}".encode()).digest()
            data = pskc_export.build(SimpleNamespace(serial=serial, suite=SUITE, secret=secret, counter=0))
            svc.add_user(f"bench{i}", account=f"B{i:07d}", password=PASSWORD, primary=True)
            svc.import_pskc(data, pin=PIN)
            svc.assign_device(f"bench{i}", serial)
            tokens.append(Prepared(suite, secret, pin_hash))
    finally:
        svc.close()
    return tokens


def start_server(url, key_file, workers, log):
    env = dict(os.environ, PICODSC_KEY_FILE=str(key_file))
    env.pop("PICODSC_TESTING", None)
    return Server(url, workers=workers, env=env, log=log, extra=UNTHROTTLED).start()


def step_one(client, user):
    status, body = client.request("POST", "/api/v1/login", {"username": f"bench{user}", "password": PASSWORD})
    if status != 200 or body.get("method") != "token":
        raise RuntimeError(f"step 1: {status} {body}")
    return body


def step_two(client, transaction, answer):
    body = {"transaction": transaction, "answer": answer}
    status, body = client.request("POST", "/api/v1/login/answer", body)
    return status == 200 and body.get("access") == "full"


def logins(port, tokens, per_thread):
    """Full two-step logins, one user per thread."""
    client = Client(port)

    def op(t, i):
        step = step_one(client, t)
        return step_two(client, step["transaction"], tokens[t].response(step["challenge"]))

    return run(len(tokens), per_thread, op)


def answers(port, tokens, per_thread):
    """Step 2 alone: step 1 for every login first (not timed), then the answers, one user per thread."""
    client = Client(port)
    prepared = [[step_one(client, t) for _ in range(per_thread)] for t in range(len(tokens))]

    def op(t, i):
        step = prepared[t][i]
        return step_two(client, step["transaction"], tokens[t].response(step["challenge"]))

    return run(len(tokens), per_thread, op)
