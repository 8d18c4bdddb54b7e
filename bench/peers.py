"""`make bench-peers`: picodsc's step 2 beside privacyIDEA 3.14's /validate/check, in the same run.

Both run under gunicorn with the same number of sync workers on loopback, on SQLite, at concurrency 8
(one user/token per client thread, every answer correct): privacyIDEA checks the next HOTP value of
its tokens (RFC 4226), picodsc the OCRA response to the challenge of a login whose step 1 (the
password) was done beforehand. Goals: at least 20x privacyIDEA's requests/s, p99 under 50 ms.
"""

import argparse
import tempfile
from pathlib import Path

from .httpload import Client, run
from .privacyidea_peer import PrivacyIdea, hotp
from .sls_load import answers, make_users, start_server

WORKERS = 2
CONCURRENCY = 8
PEER_PER_THREAD = 6  # privacyIDEA answers in ~0.1 s per worker: keep its part short
OURS_PER_THREAD = 40
GOAL_RATIO = 20
GOAL_P99 = 0.050


def peer_run(venv, tmp, port_factory):
    pi = PrivacyIdea(venv, tmp, port_factory())
    pi.setup()
    pi.start(WORKERS)
    try:
        client = Client(pi.port)
        keys = [(f"PEER{i:04d}", bytes([i + 1]) * 20) for i in range(CONCURRENCY)]
        pi.enrol_hotp(client, keys)

        def op(t, i):
            serial, key = keys[t]
            status, body = client.request("POST", "/validate/check", {"serial": serial, "pass": hotp(key, i)},
                                          form=True)
            return status == 200 and body["result"]["value"] is True

        return run(CONCURRENCY, PEER_PER_THREAD, op)
    finally:
        pi.stop()


def ours_run(tmp):
    url, key = f"sqlite:///{tmp / 'sls.sqlite3'}", tmp / "sls.key"
    tokens = make_users(url, key, CONCURRENCY)
    server = start_server(url, key, WORKERS, tmp / "serve.log")
    try:
        return answers(server.port, tokens, OURS_PER_THREAD)
    finally:
        server.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-venv", default=".venv-peers", help="virtual environment with privacyidea")
    args = parser.parse_args(argv)
    from api_server import free_port  # tests/api, on sys.path through sls_load

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        (tmp / "peer").mkdir()
        (tmp / "ours").mkdir()
        print(f"== peers: {WORKERS} gunicorn sync workers each, concurrency {CONCURRENCY}, loopback, "
              "SQLite ==",
              flush=True)
        ours = ours_run(tmp / "ours")
        print(ours.line("picodsc POST /api/v1/login/answer"), flush=True)
        theirs = peer_run(Path(args.peer_venv).resolve(), tmp / "peer", free_port)
        print(theirs.line("privacyIDEA 3.14 POST /validate/check"), flush=True)
    ratio = ours.per_second / theirs.per_second if theirs.per_second else float("inf")
    p99 = ours.percentile(99)
    print(f"  picodsc / privacyIDEA: {ratio:.1f}x requests/s (goal >= {GOAL_RATIO}x: "
          f"{'met' if ratio >= GOAL_RATIO else 'MISSED'}); picodsc p99 {p99 * 1e3:.1f} ms "
          f"(goal < {GOAL_P99 * 1e3:.0f} ms: {'met' if p99 < GOAL_P99 else 'MISSED'})")


if __name__ == "__main__":
    main()
