"""`duwang serve` on a read-only database (issue 14, part 7): it starts, says it is read-only
on stderr and on every page, hides every button that would change something and refuses the
posts; logins still work and still hold. The database sits on a read-only mount, which is
read-only for root too."""

from __future__ import annotations

import gc
import hashlib
import http.client
import os
import re
import subprocess
import sys

import pytest

from crawler.review.accounts import add_user
from crawler.review.app import create_app
from crawler.review.server import READ_ONLY_BANNER
from crawler.store import open_db
from tests.conftest import REPO
from tests.review.builders import DEAD, HOME, A, crawl, finding_id, hit

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct horse"


@pytest.fixture
def read_only_db(tmp_path, db_path):
    """A crawled database (with the account zhang) on a tmpfs remounted read-only."""
    db = open_db(db_path)
    crawl(db, {HOME: [A, DEAD], A: []}, dead={DEAD}, hits={A: [hit()]})
    add_user(db, "zhang", PASSWORD)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    folder = tmp_path / "ro"
    folder.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(folder)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        target = folder / "duwang.db"
        target.write_bytes(db_path.read_bytes())
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        yield target
    finally:
        gc.collect()  # an app a test made holds the file open (its cache's watcher) until freed
        subprocess.run(["umount", str(folder)], check=True)


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def get(port: int, path: str, method: str = "GET", body: str | None = None, **headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    r.body = r.read().decode("utf-8", "replace")
    r.cookie = (r.getheader("Set-Cookie") or "").split(";")[0]
    conn.close()
    return r


def test_serve_a_read_only_database(read_only_db):
    before = _digest(read_only_db)
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "serve", "--no-login", "--port", "0",
         "--db", str(read_only_db)],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        announced = proc.stdout.readline()
        assert announced, proc.stderr.read()
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", announced).group(1))
        for path in ("/", "/list?kind=dead_link", "/list?kind=wording", "/whitelist"):
            r = get(port, path)
            assert r.status == 200 and 'id="read-only-banner"' in r.body and "只读模式" in r.body, path
        listing = get(port, "/list?kind=dead_link")
        assert "gone.pdf" in listing.body
        for button in ('id="bulk-mark"', 'id="bulk-recheck"', 'class="quick-fix"', 'class="quick-recheck"'):
            assert button not in listing.body
        tok = _TOKEN.search(listing.body).group(1)
        fid = re.search(r'data-id="(\d+)"', listing.body).group(1)
        detail = get(port, f"/finding/{fid}")
        assert 'id="mark-one"' not in detail.body and 'id="recheck-one"' not in detail.body
        assert 'id="read-only-actions"' in detail.body
        for action in ("/mark", "/recheck", "/confirm", "/feedback"):
            r = get(port, action, "POST", f"ids={fid}&status=ignored&csrf_token={tok}",
                    Cookie=listing.cookie, **{"Content-Type": "application/x-www-form-urlencoded"})
            assert r.status == 403 and "数据库是只读的" in r.body, action
        assert get(port, "/export.csv?kind=all").status == 200  # reading is all it does
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert READ_ONLY_BANNER in err and "Traceback" not in err
    assert _digest(read_only_db) == before


def test_a_login_holds_on_a_read_only_database(read_only_db):
    app = create_app(read_only_db, login_required=True)
    one, two = app.test_client(), app.test_client()

    def sign_in(c, password=PASSWORD):
        tok = _TOKEN.search(c.get("/login").get_data(as_text=True)).group(1)
        return c.post("/login", data={"name": "zhang", "password": password, "csrf_token": tok})

    assert sign_in(one).status_code == 302 and sign_in(two).status_code == 302
    page = one.get("/list?kind=dead_link").get_data(as_text=True)
    assert "只读模式" in page and 'id="bulk-mark"' not in page
    tok = _TOKEN.search(page).group(1)
    db = open_db(read_only_db, read_only_ok=True)
    fid = finding_id(db, kind="dead_link")
    db.close()
    r = one.post("/mark", data={"ids": fid, "status": "ignored", "csrf_token": tok})
    assert r.status_code == 403 and "数据库是只读的" in r.get_data(as_text=True)
    # Logout still ends every session of the account (kept in memory: the file cannot change).
    assert one.post("/logout", data={"csrf_token": tok}).status_code == 302
    assert two.get("/").status_code == 302
    # And wrong passwords are still throttled.
    codes = [sign_in(one, "wrong password").status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    assert sign_in(one).status_code == 429
