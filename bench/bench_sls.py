"""The login service: logins/s through the HTTP API, in-process verifications/s, the argon2 ceiling.

- logins/s: two steps (password, then the token's OCRA response) through `picodsc serve` (gunicorn,
  2 workers) at concurrency 8, on SQLite and on PostgreSQL (a throwaway cluster, when its binaries
  are here); p50/p99 per login.
- argon2id hashes/s: one core, and the ceiling for 2 workers on this machine's cores. Step 1 hashes
  the password once, so logins/s cannot exceed it.
- in-process verifications/s: the token check without HTTP: the registry verifier (`picodsc verify`,
  SQLite) and the service's step 2 (`Service.login_answer`: transaction, single-use challenge,
  session, audit row) on SQLite.
"""

import hashlib
import os
import tempfile
import time
from pathlib import Path

from .sls_load import PASSWORD, SUITE, logins, make_users, start_server

WORKERS = 2
CONCURRENCY = 8
LOGINS_PER_THREAD = 12
VERIFY_K = 400


def argon2_rate():
    from picodsc.sls.users import HASHER

    h = HASHER.hash(PASSWORD)
    n, t = 0, time.perf_counter()
    while n < 20:
        HASHER.verify(h, PASSWORD)
        n += 1
    return n / (time.perf_counter() - t)


def registry_verifications():
    from oath import _ocra
    from picodsc.registry import Registry
    from picodsc.verifier import Verifier

    key, pin = bytes(range(32)), "4711"
    ref = _ocra.str2ocrasuite(SUITE)
    with tempfile.TemporaryDirectory() as tmp:
        with Registry(Path(tmp) / "r.sqlite3", Path(tmp) / "r.key", clock=lambda: 1e9) as reg:
            reg.add_token("E6614103E72B8F2A", SUITE, key, hashlib.sha256(pin.encode()).digest())
            ver = Verifier(reg)
            chs = [ver.challenge("E6614103E72B8F2A") for _ in range(VERIFY_K)]
            rs = [ref(key, Q=c, P=pin) for c in chs]
            t = time.perf_counter()
            for c, r in zip(chs, rs, strict=True):
                assert ver.verify("E6614103E72B8F2A", c, r).ok
            return VERIFY_K / (time.perf_counter() - t)


def service_verifications(tmp):
    from picodsc.sls import FixedClock, Service

    url, key = f"sqlite:///{tmp / 'inproc.sqlite3'}", tmp / "inproc.key"
    tokens = make_users(url, key, 1)
    svc = Service.open(url, key_file=key, clock=FixedClock(1_767_225_600.0), login_attempts_per_hour=10**9,
                       challenges_per_hour=10**9)
    try:
        k = VERIFY_K // 2
        steps = [svc.login_password("bench0", PASSWORD, address="127.0.0.1") for _ in range(k)]
        t = time.perf_counter()
        for s in steps:
            svc.login_answer(s.transaction, tokens[0].response(s.challenge), address="127.0.0.1")
        return k / (time.perf_counter() - t)
    finally:
        svc.close()


def http_logins(url, key, tmp, label):
    tokens = make_users(url, key, CONCURRENCY)
    server = start_server(url, key, WORKERS, tmp / f"serve-{label}.log")
    try:
        stats = logins(server.port, tokens, LOGINS_PER_THREAD)
    finally:
        server.stop()
    print(stats.line(f"{label}, {WORKERS} workers, concurrency {CONCURRENCY}", "logins/s"), flush=True)
    return stats


def main():
    per_core = argon2_rate()
    cores = os.cpu_count() or 1
    print(f"argon2id (m=19 MiB, t=2, p=1): {per_core:.1f} hashes/s per core; ceiling for {WORKERS} workers "
          f"on {cores} cores: {per_core * min(WORKERS, cores):.1f} logins/s", flush=True)
    print(f"in-process verifications: registry verifier (SQLite) {registry_verifications():8.0f} verif/s",
          flush=True)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        rate = service_verifications(tmp)
        print(f"in-process verifications: Service.login_answer (SQLite) {rate:6.0f} verif/s", flush=True)
        print("logins/s, two steps with a DSC+ token, through the HTTP API:")
        http_logins(f"sqlite:///{tmp / 'sls.sqlite3'}", tmp / "sls.key", tmp, "SQLite")
        import pg

        reason = pg.skip_reason()
        if reason:
            print(f"  PostgreSQL: skipped ({reason})")
            return
        cluster = pg.PgCluster()
        try:
            http_logins(cluster.create_database(), tmp / "pg.key", tmp, "PostgreSQL")
        finally:
            cluster.stop()


if __name__ == "__main__":
    main()
