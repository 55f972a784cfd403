"""`duwang mark | recheck | user | serve` from the command line: results and one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from crawler.demo.server import Reply
from crawler.store import open_db
from crawler.store.sites import SiteInfo, save_site
from crawler.urls import netloc_key
from tests.conftest import REPO, run_cli
from tests.portal_site import page
from tests.review.builders import DEAD, HOME, A, crawl, finding_id


@pytest.fixture
def made(fresh_db, db_path):
    crawl(fresh_db, {HOME: [A, DEAD], A: []}, dead={DEAD})
    return db_path, finding_id(fresh_db, kind="dead_link")


def _one_line_error(proc, text: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.count("\n") == 1 and text in proc.stderr and "Traceback" not in proc.stderr


def test_mark_and_its_event(made):
    path, fid = made
    proc = run_cli("mark", str(fid), "--status", "rectified", "--note", "已删除附件", "--by", "zhang",
                   "--db", str(path), check_exit=0)
    assert f"{fid}: 待整改 → 已整改" in proc.stdout
    db = open_db(path)
    assert db.execute("SELECT actor, from_status, to_status, note FROM events").fetchall() == [
        ("zhang", "open", "rectified", "已删除附件")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["999", "--status", "rectified"], "no finding with id 999"),
        (["{fid}", "--status", "open"], "cannot become open"),
        (["{fid}", "--status", "rectified", "--whitelist", "page"], "only with the status false_positive"),
        (["{fid}", "--status", "rectified", "--by", "machine"], "other than 'machine'"),
    ],
)
def test_mark_errors(made, args, message):
    path, fid = made
    proc = run_cli("mark", *[a.format(fid=fid) for a in args], "--db", str(path))
    _one_line_error(proc, f"duwang mark: error: {message}" if "999" in args else message)


def test_mark_needs_an_existing_db(tmp_path):
    _one_line_error(run_cli("mark", "1", "--status", "rectified", "--db", str(tmp_path / "none.db")),
                    "duwang crawl")


def test_recheck_cli(serve, fresh_db, db_path):
    portal = serve({"/": Reply(body=page("首页", '<a href="/gone.html">旧链接</a>'))})
    home, gone = portal.url, portal.url + "gone.html"
    save_site(fresh_db, SiteInfo(netloc_key(home), [home]))
    crawl(fresh_db, {home: [gone]}, dead={gone}, site=netloc_key(home), home=home)
    fid = finding_id(fresh_db, kind="dead_link")
    proc = run_cli("recheck", str(fid), "--db", str(db_path), "--by", "li", check_exit=0)
    assert f"{fid}: 疑似未整改" in proc.stdout and "页面不存在（404）" in proc.stdout
    # Without ids: the findings staff marked rectified.
    run_cli("mark", str(fid), "--status", "rectified", "--db", str(db_path), check_exit=0)
    portal.add_route("/gone.html", Reply(body=page("恢复", "")))
    proc = run_cli("recheck", "--db", str(db_path), check_exit=0)
    assert f"{fid}: 已整改" in proc.stdout
    assert [r["result"] for r in fresh_db["rechecks"].rows] == ["still_there", "gone"]
    _one_line_error(run_cli("recheck", "4242", "--db", str(db_path)), "no finding with id 4242")


def _duwang(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], input=stdin, capture_output=True,
                          text=True, timeout=60, env=env, cwd=REPO)


def test_user_add_and_serve_refusal(made):
    path, _ = made
    _one_line_error(run_cli("serve", "--host", "0.0.0.0", "--port", "0", "--db", str(path)),
                    "duwang user add")
    proc = _duwang("user", "add", "zhang", "--password-stdin", "--db", str(path), stdin="s3cret-pass\n")
    assert proc.returncode == 0, proc.stderr
    assert _duwang("user", "list", "--db", str(path)).stdout.split() == ["zhang", "管理员"]
    again = _duwang("user", "add", "zhang", "--password-stdin", "--db", str(path), stdin="another-pw\n")
    _one_line_error(again, "exists")
    _one_line_error(_duwang("user", "add", "wang", "--password-stdin", "--db", str(path), stdin="short\n"),
                    "at least 8")
    assert _duwang("user", "add", "zhang", "--replace", "--password-stdin", "--db", str(path),
                   stdin="another-pw\n").returncode == 0
    db = open_db(path)
    row = db["users"].get("zhang")
    assert "s3cret" not in row["password_hash"] and "another" not in row["password_hash"]
    # No terminal and no --password-stdin: a clear error rather than a hang.
    _one_line_error(_duwang("user", "add", "li", "--db", str(path)), "--password-stdin")


@pytest.mark.parametrize("command", ["serve", "mark", "recheck", "user"])
def test_help(command):
    assert run_cli(command, "--help", check_exit=0).stdout.startswith("usage: duwang " + command)
