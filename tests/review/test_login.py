"""A login that holds (issue 14, part 3): who needs one, `next`, sessions that end, and the
throttle on failed logins. On a real `duwang serve` (build_server, the CLI) and Flask's client."""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest

from crawler.review import login
from crawler.review.accounts import add_user
from crawler.review.app import create_app
from crawler.review.server import NO_LOGIN_BANNER, ServeError, build_server
from tests.conftest import REPO, run_cli
from tests.review.builders import DEAD, HOME, A, crawl, finding_id, hit, status_of

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct horse"


@pytest.fixture
def db(fresh_db):
    crawl(fresh_db, {HOME: [A, DEAD], A: []}, dead={DEAD}, hits={A: [hit()]})
    return fresh_db


@pytest.fixture
def app(db, db_path):
    add_user(db, "zhang", PASSWORD)
    app = create_app(db_path, login_required=True)
    app.testing = True
    return app


def token(c, path: str = "/login") -> str:
    return _TOKEN.search(c.get(path).get_data(as_text=True)).group(1)


def sign_in(c, name: str = "zhang", password: str = PASSWORD, next_: str | None = None, **headers):
    query = f"?next={quote(next_, safe='')}" if next_ is not None else ""
    return c.post(f"/login{query}", data={"name": name, "password": password, "csrf_token": token(c)},
                  headers=headers)


@pytest.fixture
def running():
    """Start build_server's servers on a thread; all are stopped at the end of the test."""
    servers = []

    def start(db_path, host: str = "127.0.0.1", **kwargs):
        server = build_server(db_path, host, 0, **kwargs)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_port

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def get(port: int, path: str, **headers) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.body = response.read().decode("utf-8", "replace")
    conn.close()
    return response


# --- who needs a login ---------------------------------------------------------------------------


def test_serve_on_loopback_needs_an_account(db, db_path):
    with pytest.raises(ServeError, match="duwang user add.*--no-login"):
        build_server(db_path, "127.0.0.1", 0)


@pytest.mark.parametrize("headers", [
    {},  # a reverse proxy need not say it is one (nginx adds nothing unless told to)
    {"X-Forwarded-For": "203.0.113.9"},
    {"Forwarded": "for=203.0.113.9;proto=https"},
    {"X-Real-IP": "203.0.113.9"},
])
def test_serve_on_loopback_asks_every_request_to_log_in(db, db_path, running, headers):
    add_user(db, "zhang", PASSWORD)
    port = running(db_path, "127.0.0.1")
    for path in ("/", "/list?kind=dead_link", "/export.csv?kind=all"):
        r = get(port, path, **headers)
        assert r.status == 302 and r.getheader("Location").startswith("/login"), path
        assert "gone.pdf" not in r.body
    assert get(port, "/login", **headers).status == 200


def test_no_login_serves_this_machine_and_says_so(db, db_path, running):
    port = running(db_path, "127.0.0.1", no_login=True)
    r = get(port, "/list?kind=dead_link")
    assert r.status == 200 and "gone.pdf" in r.body
    assert 'id="no-login-banner"' in r.body and "无需登录模式" in r.body


@pytest.mark.parametrize("header", [
    ("X-Forwarded-For", "203.0.113.9"), ("Forwarded", "for=203.0.113.9"), ("X-Real-IP", "203.0.113.9"),
    ("X-Forwarded-Host", "review.example.gov.cn"), ("Via", "1.1 nginx"),
])
def test_no_login_refuses_a_request_through_a_proxy(db, db_path, running, header):
    port = running(db_path, "127.0.0.1", no_login=True)
    for path in ("/", "/list?kind=dead_link", "/export.csv?kind=all"):
        r = get(port, path, **{header[0]: header[1]})
        assert r.status == 403, path
        assert "gone.pdf" not in r.body and "需要登录" in r.body


def test_no_login_is_refused_off_loopback(db, db_path):
    add_user(db, "zhang", PASSWORD)  # even with an account: --no-login means nobody logs in
    with pytest.raises(ServeError, match="--no-login is for use on this machine only"):
        build_server(db_path, "0.0.0.0", 0, no_login=True)
    proc = run_cli("serve", "--no-login", "--host", "0.0.0.0", "--port", "0", "--db", str(db_path))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "--no-login" in proc.stderr and "127.0.0.1" in proc.stderr


def test_serve_no_login_banner_on_stderr(db, db_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "serve", "--no-login", "--port", "0", "--db", str(db_path)],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        announced = proc.stdout.readline()
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", announced).group(1))
        assert "无需登录" in announced
        assert get(port, "/").status == 200 and get(port, "/", **{"X-Forwarded-For": "1.2.3.4"}).status == 403
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert NO_LOGIN_BANNER in err


# --- next: a path on this site, or the home page ----------------------------------------------------


@pytest.mark.parametrize("target", [
    "//evil.example/",
    "/\\evil.example/",
    "/%09/evil.example",  # decoded from the query: a tab, which browsers drop: //evil.example
    "/\t/evil.example",
    "/%0a/evil.example",
    "/\n/evil.example",
    "/x\r\nSet-Cookie: stolen=1",
    "/%2F/evil.example",  # encoded twice
    "/%5Cevil.example",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    " /list",
    "list",
    "",
])
def test_next_goes_nowhere_but_here(app, target):
    c = app.test_client()
    r = sign_in(c, next_=target)
    assert r.status_code == 302 and r.headers["Location"] == "/", target


def test_next_keeps_a_local_path(app):
    r = sign_in(app.test_client(), next_="/list?kind=dead_link&department=%E5%8F%B8%E6%B3%95%E5%B1%80")
    assert r.headers["Location"] == "/list?kind=dead_link&department=%E5%8F%B8%E6%B3%95%E5%B1%80"


def test_next_of_a_form_is_checked_too(app, db):
    c = app.test_client()
    sign_in(c)
    fid = finding_id(db, kind="dead_link")
    for target in ("/\t/evil.example", "/\r\n/evil.example", "//evil.example"):
        r = c.post("/mark", data={"ids": fid, "status": "ignored", "csrf_token": token(c, "/list"),
                                  "next": target})
        assert r.status_code == 303 and r.headers["Location"] == "/", target
        c.post("/mark", data={"ids": fid, "status": "open", "csrf_token": token(c, "/list")})


# --- sessions end with a logout or a new password ---------------------------------------------------


def test_logout_ends_every_session_of_the_account(app):
    one, two = app.test_client(), app.test_client()
    sign_in(one)
    sign_in(two)
    kept = one.get_cookie("duwang_review").value  # a copy of the cookie, as a thief would keep
    assert one.get("/").status_code == 200 and two.get("/").status_code == 200
    assert one.post("/logout", data={"csrf_token": token(one, "/list")}).status_code == 302
    assert two.get("/").status_code == 302  # the other browser is signed out too
    thief = app.test_client()
    thief.set_cookie("duwang_review", kept)
    assert thief.get("/").status_code == 302
    sign_in(one)
    assert one.get("/").status_code == 200  # a new login works again


def test_a_new_password_ends_every_session(app, tmp_path):
    c = app.test_client()
    sign_in(c)
    assert c.get("/").status_code == 200
    (tmp_path / "pw").write_text("another horse\n")
    run_cli("user", "add", "zhang", "--replace", "--password-stdin", "--db", app.config["REVIEW_DB"],
            stdin_file=tmp_path / "pw", check_exit=0)
    assert c.get("/").status_code == 302
    assert sign_in(app.test_client()).status_code == 401  # the old password is gone
    assert sign_in(app.test_client(), password="another horse").status_code == 302


def test_a_removed_account_is_signed_out(app, db):
    c = app.test_client()
    sign_in(c)
    db.execute("DELETE FROM users WHERE name = 'zhang'")
    assert c.get("/").status_code == 302


# --- the throttle -------------------------------------------------------------------------------------


def test_wrong_passwords_lock_the_account_and_the_right_one_waits(app, db):
    c = app.test_client()
    for _ in range(login.ACCOUNT_FREE):
        assert sign_in(c, password="wrong password").status_code == 401
    for password in ("wrong password", PASSWORD):
        r = sign_in(c, password=password)
        assert r.status_code == 429 and "登录失败次数过多" in r.get_data(as_text=True)
        assert 0 < int(r.headers["Retry-After"]) <= login.FIRST_LOCK
    # From another address too: the account is locked, whoever asks.
    assert sign_in(app.test_client(), **{"X-Forwarded-For": "198.51.100.7"}).status_code == 429
    # Another restart of serve on the same database still knows.
    again = create_app(app.config["REVIEW_DB"], login_required=True)
    assert sign_in(again.test_client()).status_code == 429
    # When the lock has passed, the right password is accepted and the count starts again.
    db.execute("UPDATE login_failures SET locked_until = 0")
    assert sign_in(c).status_code == 302
    assert db.execute("SELECT count(*) FROM login_failures").fetchone()[0] == 0


def test_one_address_trying_many_accounts_is_locked(app, db):
    add_user(db, "li", PASSWORD)
    attacker = {"X-Forwarded-For": "203.0.113.9"}
    c = app.test_client()
    for i in range(login.ADDRESS_FREE):
        assert sign_in(c, name=f"user{i}", password="guess-123", **attacker).status_code == 401
    assert sign_in(c, name="li", **attacker).status_code == 429  # the address is locked
    assert sign_in(app.test_client(), name="li").status_code == 302  # not li from elsewhere


def test_parallel_guesses_are_counted_before_they_are_checked(db, db_path, running):
    add_user(db, "zhang", PASSWORD)
    port = running(db_path, "127.0.0.1")

    def guess(_):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", "/login")
        page = conn.getresponse()
        cookie = page.getheader("Set-Cookie").split(";")[0]
        tok = _TOKEN.search(page.read().decode()).group(1)
        conn.request("POST", "/login", body=f"name=zhang&password=wrong+guess&csrf_token={tok}",
                     headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        status = conn.getresponse().status
        conn.close()
        return status

    with ThreadPoolExecutor(12) as pool:
        answers = sorted(pool.map(guess, range(24)))
    assert answers.count(401) == login.ACCOUNT_FREE and answers.count(429) == 24 - login.ACCOUNT_FREE


@pytest.mark.parametrize(("failures", "free", "seconds"), [
    (5, 5, 30), (6, 5, 60), (7, 5, 120), (9, 5, 480), (10, 5, 900), (60, 5, 900), (20, 20, 30),
])
def test_lock_doubles_up_to_fifteen_minutes(failures, free, seconds):
    assert login.lock_seconds(failures, free) == seconds


def test_a_quiet_hour_forgets_the_failures(db):
    limits = {"user:zhang": 5}
    memory = login.Memory()
    for i in range(4):
        assert login.attempt(db, limits, memory, now=1000.0 + i) == 0
    assert login.attempt(db, limits, memory, now=1004.0) == 0  # the 5th: checked, then locked
    assert login.attempt(db, limits, memory, now=1005.0) == pytest.approx(29.0)
    assert login.attempt(db, limits, memory, now=1004.0 + login.FORGET_AFTER + 31) == 0
    assert db.execute("SELECT failures FROM login_failures").fetchone()[0] == 1


def test_marking_still_works_after_a_login(app, db):
    c = app.test_client()
    sign_in(c)
    fid = finding_id(db, kind="dead_link")
    r = c.post("/mark", data={"ids": fid, "status": "ignored", "csrf_token": token(c, "/list")})
    assert r.status_code == 303 and status_of(db, fid) == "ignored"
