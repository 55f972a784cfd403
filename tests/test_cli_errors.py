"""Bad input through the real CLI: exit code 2, one line on stderr, no traceback, no data lost."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest

from crawler.demo.server import Reply
from crawler.items import LinkCheck, Page
from crawler.store import open_db
from crawler.store.finalize import finish_run
from crawler.store.writer import RunWriter
from tests.conftest import closed_port, run_cli

CRAWL_FAST = ["--timeout", "2", "-s", "DUWANG_BACKOFF_BASE=0", "-s", "RETRY_TIMES=0"]


def make_db(path: Path) -> Path:
    """A database with one finished run and one open finding."""
    db = open_db(path)
    writer = RunWriter(db, "www.x.gov.cn", ["http://www.x.gov.cn/"])
    dead = "http://www.x.gov.cn/gone.html"
    writer.add_page(Page("http://www.x.gov.cn/", "http://www.x.gov.cn/", 200, "首页", "text/html",
                         "utf-8", 0, True, outlinks=[(dead, dead, "a", "href", "坏链")]))
    writer.add_link(LinkCheck(dead, True, "dead", "http_4xx", 404, "HTTP 404", dead, "HEAD"))
    writer.flush()
    finish_run(db, writer.run_id, "www.x.gov.cn", complete=True, reason="finished")
    db.close()
    return path


def counts(path: Path) -> tuple[int, int]:
    conn = sqlite3.connect(path)
    try:
        runs = conn.execute("SELECT count(*) FROM runs WHERE status != 'running'").fetchone()[0]
        findings = conn.execute("SELECT count(*) FROM findings").fetchone()[0]
    finally:
        conn.close()
    return runs, findings


def assert_clean_error(proc, command: str, *words: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-2000:], proc.stderr[-3000:])
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"duwang {command}"), lines[0]
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


# --- crawl: start URL problems ---------------------------------------------------------


@pytest.mark.parametrize(
    "url, words",
    [
        ("ht!tp://x", ["not an http(s) URL"]),
        ("http://", ["no host"]),
        ("mailto:a@b", ["not an http(s) URL"]),
        ("http://exa mple.com", ["invalid host"]),
        ("http://host:99999/", ["invalid port"]),
    ],
)
def test_malformed_start_url(tmp_path, url, words):
    db = make_db(tmp_path / "duwang.db")
    before = db.read_bytes()
    proc = run_cli("crawl", url, "--db", str(db), *CRAWL_FAST)
    assert_clean_error(proc, "crawl", *words)
    assert db.read_bytes() == before  # rejected before the database is opened


def test_malformed_ipv6_start_url(tmp_path):
    proc = run_cli("crawl", "http://[::1/", "--db", str(tmp_path / "duwang.db"), *CRAWL_FAST)
    assert_clean_error(proc, "crawl")


def test_malformed_url_on_a_fresh_path_creates_no_db(tmp_path):
    db = tmp_path / "duwang.db"
    assert_clean_error(run_cli("crawl", "ht!tp://x", "--db", str(db)), "crawl")
    assert not db.exists()


def test_unreachable_start_url(tmp_path):
    db = make_db(tmp_path / "duwang.db")
    url = f"http://127.0.0.1:{closed_port()}/"
    proc = run_cli("crawl", url, "--db", str(db), *CRAWL_FAST)
    assert_clean_error(proc, "crawl", url, "refused")
    assert counts(db) == (2, 1)  # the old run and finding kept; the failed run recorded
    conn = sqlite3.connect(db)
    last = conn.execute("SELECT status, reason FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    conn.close()
    assert last == ("incomplete", "start_url_failed")


def test_dns_failure_start_url(tmp_path):
    db = make_db(tmp_path / "duwang.db")
    proc = run_cli("crawl", "http://nxdomain-x.invalid/", "--db", str(db), *CRAWL_FAST)
    assert_clean_error(proc, "crawl", "nxdomain-x.invalid")
    assert counts(db)[1] == 1


def test_start_url_that_is_not_html(tmp_path, serve):
    server = serve({"/": Reply(body=b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", content_type="application/pdf")})
    db = make_db(tmp_path / "duwang.db")
    proc = run_cli("crawl", server.url, "--db", str(db), *CRAWL_FAST)
    assert_clean_error(proc, "crawl", "not an HTML page", "application/pdf")
    assert counts(db)[1] == 1


# --- crawl: database problems ----------------------------------------------------------


def test_db_path_is_a_directory(tmp_path):
    proc = run_cli("crawl", "http://127.0.0.1:1/", "--db", str(tmp_path), *CRAWL_FAST)
    assert_clean_error(proc, "crawl", "directory")


def test_db_in_a_missing_folder(tmp_path):
    path = tmp_path / "missing" / "duwang.db"
    proc = run_cli("crawl", "http://127.0.0.1:1/", "--db", str(path), *CRAWL_FAST)
    assert_clean_error(proc, "crawl", "does not exist")
    assert not path.parent.exists()


@pytest.mark.parametrize("command", ["crawl", "findings"])
def test_db_from_a_newer_schema(tmp_path, command):
    db = make_db(tmp_path / "duwang.db")
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                     "VALUES ('duwang', 'm900_future_step', '2099-01-01')")
    steps = conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
    conn.close()
    args = ["crawl", "http://127.0.0.1:1/", *CRAWL_FAST] if command == "crawl" else ["findings"]
    proc = run_cli(*args, "--db", str(db))
    assert_clean_error(proc, command, "newer", "m900_future_step")
    assert counts(db) == (1, 1)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == steps
    conn.close()


@pytest.mark.parametrize("command", ["crawl", "findings"])
def test_db_that_is_not_sqlite(tmp_path, command):
    path = tmp_path / "notes.db"
    content = "这不是数据库，是一份会议纪要。\n".encode() * 200
    path.write_bytes(content)
    args = ["crawl", "http://127.0.0.1:1/", *CRAWL_FAST] if command == "crawl" else ["findings"]
    proc = run_cli(*args, "--db", str(path))
    assert_clean_error(proc, command, "not a duwang")
    assert path.read_bytes() == content


def test_findings_on_a_missing_db(tmp_path):
    path = tmp_path / "never-crawled.db"
    proc = run_cli("findings", "--db", str(path))
    assert_clean_error(proc, "findings", "duwang crawl")
    assert not path.exists()


def test_findings_to_an_unwritable_output(tmp_path):
    db = make_db(tmp_path / "duwang.db")
    proc = run_cli("findings", "--db", str(db), "-o", str(tmp_path / "missing" / "out.jsonl"))
    assert_clean_error(proc, "findings", "cannot write")


# --- crawl: option problems ------------------------------------------------------------


@pytest.mark.parametrize(
    "options, words",
    [
        (["-s", "NO_EQUALS_SIGN"], ["NAME=VALUE"]),
        (["-s", "=value"], ["NAME=VALUE"]),
        (["--timeout", "-1"], ["--timeout"]),
        (["--timeout", "0"], ["--timeout"]),
        (["--concurrency", "0"], ["--concurrency"]),
        (["--timeout", "nan"], ["--timeout"]),
        (["--timeout", "inf"], ["--timeout"]),
    ],
)
def test_bad_crawl_options(tmp_path, options, words):
    db = make_db(tmp_path / "duwang.db")
    proc = run_cli("crawl", "http://127.0.0.1:1/", "--db", str(db), *options)
    assert_clean_error(proc, "crawl", *words)
    assert counts(db) == (1, 1)


def test_recheck_timeout_must_be_a_real_number(tmp_path):
    db = make_db(tmp_path / "duwang.db")
    for bad in ("nan", "inf", "0"):
        assert_clean_error(run_cli("recheck", "--db", str(db), "1", "--timeout", bad), "recheck", "--timeout")


@pytest.mark.parametrize(
    "args, command, words",
    [
        (["findings", "--kind", "bogus"], "findings", ["--kind", "bogus", "--help"]),
        (["findings", "--status"], "findings", ["--status"]),
        (["crawl", "--concurrency", "many"], "crawl", ["--concurrency"]),
    ],
)
def test_usage_errors_are_one_line(tmp_path, args, command, words):
    proc = run_cli(*args, "--db", str(tmp_path / "duwang.db"))
    assert_clean_error(proc, command, *words)


def test_config_with_a_byte_order_mark_is_read(tmp_path):
    """Notepad (记事本) saves UTF-8 with a BOM."""
    config = tmp_path / "duwang.toml"
    config.write_text('\ufeffdb = "x.db"\n[[site]]\nname = "区政府"\nstart_urls = ["http://127.0.0.1:1/"]\n'
                      "timeout = nan\n", encoding="utf-8")
    proc = run_cli("crawl", "--config", str(config))
    # Read past the BOM: the message is about the key on line 5, not the file's first byte.
    assert_clean_error(proc, "crawl", "duwang.toml:5", "timeout")


# --- help ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, words",
    [
        (["--help"], ["crawl", "findings", "demo", "--version"]),
        (["crawl", "--help"], ["URL", "--db", "--timeout", "--max-pages", "--concurrency", "--extra-host",
                               "--wordlists", "--obey-robots", "--set", "--verbose", "--config"]),
        (["findings", "--help"], ["--db", "--kind", "--status", "--site", "--format", "--output",
                                  "dead_link", "jsonl"]),
        (["demo", "--help"], ["--db", "--port"]),
    ],
)
def test_help(args, words):
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: duwang")
    for word in words:
        assert word in proc.stdout, word
    assert proc.stderr == ""


def test_version():
    proc = run_cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.startswith("duwang ")


def test_no_command_prints_help_and_fails():
    proc = run_cli()
    assert proc.returncode == 2
    assert "usage: duwang" in proc.stdout


def test_demo_on_a_busy_port(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = run_cli("demo", "--db", str(tmp_path / "d.db"), "--port", str(port))
    assert_clean_error(proc, "demo", f"port {port}")
