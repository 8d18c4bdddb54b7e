"""The Client Portal under `picodsc serve` (gunicorn, 2 workers), over loopback:

- login POST -> challenge page: the time from sending user name and password (with the page's CSRF
  token and cookie, as a browser does) to the whole challenge page received; p50/p99 of sequential
  logins (the argon2id password hash is most of it).
- login page: pages/s of `GET /login` (template, fresh cookie, CSRF token) at concurrency 8.
"""

import http.client
import re
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from .httpload import Stats, run
from .sls_load import PASSWORD, make_users, start_server

WORKERS = 2
CONCURRENCY = 8
PAGES_PER_THREAD = 60
LOGIN_POSTS = 30
COOKIE = "__Host-picodsc_portal"


def fetch(port, method, path, body=None, cookie=None):
    headers = {}
    if cookie:
        headers["Cookie"] = f"{COOKIE}={cookie}"
    data = None
    if body is not None:
        data = urlencode(body).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        text = r.read().decode()
        set_cookie = r.getheader("Set-Cookie") or ""
    finally:
        conn.close()
    m = re.match(rf"{COOKIE}=([^;]+)", set_cookie)
    return r.status, text, (m.group(1) if m else cookie)


def login_page(port):
    status, text, cookie = fetch(port, "GET", "/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', text)
    return status == 200 and csrf is not None, cookie, csrf and csrf.group(1)


def post_to_challenge(port, user):
    ok, cookie, csrf = login_page(port)
    form = {"csrf_token": csrf, "username": f"bench{user}", "password": PASSWORD}
    t = time.perf_counter()
    status, text, _ = fetch(port, "POST", "/login", form, cookie)
    elapsed = time.perf_counter() - t
    if not ok or status != 200 or not re.search(r'<output id="challenge">[0-9]{6}</output>', text):
        raise RuntimeError(f"login POST: {status}")
    return elapsed


def main():
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        url, key = f"sqlite:///{tmp / 'portal.sqlite3'}", tmp / "portal.key"
        make_users(url, key, 1)
        server = start_server(url, key, WORKERS, tmp / "serve-portal.log")
        try:
            post_to_challenge(server.port, 0)  # warm both workers' imports
            post_to_challenge(server.port, 0)
            times = [post_to_challenge(server.port, 0) for _ in range(LOGIN_POSTS)]
            seq = Stats(len(times), 0, sum(times), times)
            print(f"portal, {WORKERS} gunicorn workers, SQLite")
            print(seq.line("login POST -> challenge page (sequential)", unit="logins/s"))
            pages = run(CONCURRENCY, PAGES_PER_THREAD, lambda t, i: login_page(server.port)[0])
            print(pages.line(f"GET /login at concurrency {CONCURRENCY}", unit="pages/s"))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
