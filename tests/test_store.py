"""The store: opening and migrating, batched run writes, the finding lifecycle."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest

from crawler.items import LinkCheck, Page
from crawler.store import DatabaseUnwritable, NotADatabase, SchemaTooNew, StoreError, is_read_only, open_db
from crawler.store.finalize import MACHINE, abandon_stale_runs, finish_run
from crawler.store.migrations import migrations
from crawler.store.queries import FIELDS, list_findings
from crawler.store.writer import RunWriter
from tests.conftest import run_cli

SITE = "www.x.gov.cn"
ROOT = "http://www.x.gov.cn/"
HOME = ROOT
A = ROOT + "xwzx/a.html"
B = ROOT + "tzgg/b.html"
DEAD = ROOT + "files/gone.pdf"
DEAD2 = "http://other.gov.cn/missing.html"
OK_T = ROOT + "xxgk/index.html"

TABLES = {"runs", "pages", "links", "outlinks", "findings", "occurrences", "events"}


# --- opening and migrating -------------------------------------------------------------


def test_migrations_apply_on_a_fresh_db(fresh_db):
    assert set(fresh_db.table_names()) >= TABLES
    applied = [m.name for m in migrations.applied(fresh_db)]
    assert applied == [m.name for m in migrations._migrations]
    assert fresh_db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert fresh_db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_reopening_is_idempotent_and_keeps_data(db_path):
    db = open_db(db_path)
    RunWriter(db, SITE, [HOME])
    db.close()
    for _ in range(2):
        db = open_db(db_path)
        assert db["runs"].count == 1
        assert db["_sqlite_migrations"].count == len(migrations._migrations)
        db.close()


def test_empty_file_becomes_a_database(db_path):
    db_path.write_bytes(b"")
    db = open_db(db_path)
    assert set(db.table_names()) >= TABLES
    db.close()


def test_unknown_migration_is_schema_too_new(db_path):
    db = open_db(db_path)
    RunWriter(db, SITE, [HOME])
    db["_sqlite_migrations"].insert(
        {"migration_set": "duwang", "name": "m999_from_the_future", "applied_at": "2099-01-01"}
    )
    steps = db["_sqlite_migrations"].count
    db.close()
    with pytest.raises(SchemaTooNew, match="m999_from_the_future"):
        open_db(db_path)
    # nothing was lost or rolled back
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == steps
    conn.close()


def test_other_tools_migrations_are_not_ours(db_path):
    db = open_db(db_path)
    db["_sqlite_migrations"].insert(
        {"migration_set": "someone-else", "name": "m999_theirs", "applied_at": "2099-01-01"}
    )
    db.close()
    open_db(db_path).close()


@pytest.mark.parametrize(
    "content",
    [b"this is not a database, just text\n" * 100, b"%PDF-1.4\n" + bytes(range(256)) * 20],
)
def test_non_sqlite_file_is_not_a_database(db_path, content):
    db_path.write_bytes(content)
    with pytest.raises(NotADatabase, match="not a duwang"):
        open_db(db_path)
    assert db_path.read_bytes() == content


@pytest.mark.parametrize("with_migrations", [False, True])
def test_another_programs_database_is_refused_and_left_untouched(db_path, with_migrations):
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, item TEXT)")
    conn.execute("INSERT INTO orders (item) VALUES ('纸张')")
    if with_migrations:  # another program that uses sqlite-utils migrations too
        conn.execute("CREATE TABLE _sqlite_migrations (migration_set TEXT, name TEXT, applied_at TEXT)")
        conn.execute("INSERT INTO _sqlite_migrations VALUES ('shop', 'm001', '2026-01-01')")
    conn.commit()
    conn.close()
    before = db_path.read_bytes()
    with pytest.raises(NotADatabase, match="another program.*orders"):
        open_db(db_path)
    assert db_path.read_bytes() == before
    assert not db_path.with_name(db_path.name + "-wal").exists()


def test_missing_folder_is_unwritable(tmp_path):
    path = tmp_path / "no" / "such" / "folder" / "duwang.db"
    with pytest.raises(DatabaseUnwritable, match="does not exist"):
        open_db(path)
    assert not path.parent.exists()


def test_directory_path_is_unwritable(tmp_path):
    with pytest.raises(DatabaseUnwritable, match="directory"):
        open_db(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to a read-only folder")
def test_read_only_folder_is_unwritable(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(DatabaseUnwritable):
            open_db(folder / "duwang.db")
    finally:
        folder.chmod(0o700)


def test_missing_db_without_create(db_path):
    with pytest.raises(NotADatabase, match="duwang crawl"):
        open_db(db_path, create=False)
    assert not db_path.exists()


def test_store_errors_share_a_base():
    assert issubclass(DatabaseUnwritable, StoreError)
    assert issubclass(SchemaTooNew, StoreError)
    assert issubclass(NotADatabase, StoreError)


# --- RunWriter -------------------------------------------------------------------------


def page(url: str, targets: list[str], *, is_home: bool | None = None, anchor: str = "附件") -> Page:
    home = url == HOME if is_home is None else is_home
    return Page(
        url=url, final_url=url, status=200, title=f"标题 {url}", content_type="text/html",
        encoding="utf-8", depth=0 if home else 1, is_home=home,
        outlinks=[(t, t, "a", "href", anchor) for t in targets],
    )


def check(url: str, dead: bool = False, unverified: bool = False) -> LinkCheck:
    if dead:
        return LinkCheck(url, url.startswith(ROOT), "dead", "http_4xx", 404, "HTTP 404", url, "HEAD")
    if unverified:
        return LinkCheck(url, False, "unverified", "blocked", 403, "HTTP 403", url, "GET")
    return LinkCheck(url, True, "ok", None, 200, "", url, "HEAD")


def crawl(db, pages: dict[str, list[str]], dead=(), unverified=(), *, complete: bool = True):
    """One run: every page, then one check per distinct target, then finish_run."""
    writer = RunWriter(db, SITE, [HOME])
    for url, targets in pages.items():
        writer.add_page(page(url, targets))
    for target in dict.fromkeys(t for ts in pages.values() for t in ts):
        writer.add_link(check(target, dead=target in dead, unverified=target in unverified))
    writer.flush()
    summary = finish_run(db, writer.run_id, SITE, complete=complete,
                         reason="finished" if complete else "max_pages", stats={"duwang/pages": len(pages)})
    return writer.run_id, summary


def findings(db, **kw) -> list[dict]:
    return list_findings(db, **kw)


def events(db) -> list[tuple]:
    return db.execute(
        "SELECT finding_id, actor, from_status, to_status, run_id FROM events ORDER BY id"
    ).fetchall()


def test_run_writer_batches_and_counts(fresh_db):
    writer = RunWriter(fresh_db, SITE, [HOME], batch_size=3)
    run = fresh_db["runs"].get(writer.run_id)
    assert (run["status"], run["pid"], run["site"]) == ("running", os.getpid(), SITE)
    writer.add_page(page(HOME, [A, B]))
    writer.add_link(check(A))
    assert fresh_db["pages"].count == 0  # still buffered
    writer.add_link(check(B))  # third item: flushed
    assert fresh_db["pages"].count == 1 and fresh_db["links"].count == 2
    writer.add_page(page(A, []))
    writer.flush()
    writer.flush()  # nothing left: no-op
    run = fresh_db["runs"].get(writer.run_id)
    assert (run["pages"], run["links"]) == (2, 2)
    assert (writer.pages_written, writer.links_written) == (2, 2)


def test_rewritten_page_replaces_its_outlinks(fresh_db):
    writer = RunWriter(fresh_db, SITE, [HOME])
    writer.add_page(page(HOME, [A, B, DEAD]))
    writer.flush()
    writer.add_page(page(HOME, [A]))
    writer.flush()
    assert [r["target"] for r in fresh_db["outlinks"].rows] == [A]
    assert fresh_db["pages"].count == 1


# --- the finding lifecycle ---------------------------------------------------------------


def test_dead_link_on_three_pages_is_one_finding(fresh_db):
    run, summary = crawl(fresh_db, {HOME: [A, B, DEAD], A: [DEAD, OK_T], B: [DEAD]}, dead={DEAD})
    [f] = findings(fresh_db)
    assert list(f) == list(FIELDS)
    assert (f["kind"], f["category"], f["status"], f["http_status"]) == ("dead_link", "http_4xx", "open", 404)
    assert f["target"] == DEAD
    assert f["severity"] == "general"
    assert f["site"] == SITE
    assert len(f["occurrences"]) == 3
    assert f["pages"][0] == HOME  # home page first
    assert sorted(f["pages"]) == sorted([HOME, A, B])
    assert f["home_page"] is True
    assert [o["is_home"] for o in f["occurrences"]] == [True, False, False]
    assert f["occurrences"][1]["title"] == f"标题 {f['pages'][1]}"
    assert (summary.status, summary.new_findings, summary.dead_links, summary.pages, summary.links) == (
        "complete", 1, 1, 3, 4)
    assert events(fresh_db) == []


def test_dead_link_off_the_home_page(fresh_db):
    crawl(fresh_db, {HOME: [A], A: [DEAD]}, dead={DEAD})
    [f] = findings(fresh_db)
    assert f["home_page"] is False and f["pages"] == [A]


def test_unverified_link_is_a_suspect_finding(fresh_db):
    _, summary = crawl(fresh_db, {HOME: [DEAD2]}, unverified={DEAD2})
    [f] = findings(fresh_db)
    assert (f["kind"], f["category"], f["severity"]) == ("unverified_link", "blocked", "suspect")
    assert (summary.dead_links, summary.unverified_links) == (0, 1)


def test_ok_links_make_no_findings(fresh_db):
    _, summary = crawl(fresh_db, {HOME: [A, B, OK_T]})
    assert findings(fresh_db) == []
    assert summary.new_findings == 0


def test_complete_run_without_it_rectifies(fresh_db):
    crawl(fresh_db, {HOME: [A, DEAD], A: [DEAD]}, dead={DEAD})
    [before] = findings(fresh_db)
    run2, summary = crawl(fresh_db, {HOME: [A], A: []})
    [f] = findings(fresh_db)
    assert f["id"] == before["id"]
    assert f["status"] == "rectified"
    row = fresh_db["findings"].get(f["id"])
    assert row["status_by"] == MACHINE
    assert row["status_changed_at"]
    assert events(fresh_db) == [(f["id"], MACHINE, "open", "rectified", run2)]
    assert summary.rectified == 1 and summary.new_findings == 0
    assert findings(fresh_db, status="open") == []


def test_link_that_works_again_is_rectified(fresh_db):
    crawl(fresh_db, {HOME: [DEAD]}, dead={DEAD})
    crawl(fresh_db, {HOME: [DEAD]})  # still linked, now answers 200
    [f] = findings(fresh_db)
    assert f["status"] == "rectified"


def test_incomplete_run_never_rectifies(fresh_db):
    crawl(fresh_db, {HOME: [DEAD]}, dead={DEAD})
    _, summary = crawl(fresh_db, {HOME: []}, complete=False)
    [f] = findings(fresh_db)
    assert f["status"] == "open"
    assert events(fresh_db) == []
    assert summary.status == "incomplete" and summary.rectified == 0
    assert fresh_db["runs"].get(2)["reason"] == "max_pages"


def test_incomplete_run_still_records_new_findings(fresh_db):
    _, summary = crawl(fresh_db, {HOME: [DEAD]}, dead={DEAD}, complete=False)
    assert summary.new_findings == 1
    assert findings(fresh_db)[0]["status"] == "open"


def test_fewer_pages_fewer_occurrences(fresh_db):
    crawl(fresh_db, {HOME: [DEAD], A: [DEAD], B: [DEAD]}, dead={DEAD})
    crawl(fresh_db, {HOME: [], A: [DEAD], B: []}, dead={DEAD})
    [f] = findings(fresh_db)
    assert f["status"] == "open"
    assert f["pages"] == [A] and f["home_page"] is False


def test_reappearance_reopens_with_history(fresh_db):
    run1, _ = crawl(fresh_db, {HOME: [DEAD]}, dead={DEAD})
    run2, _ = crawl(fresh_db, {HOME: []})
    run3, summary = crawl(fresh_db, {HOME: [A], A: [DEAD]}, dead={DEAD})
    [f] = findings(fresh_db)
    assert f["status"] == "open"
    assert f["pages"] == [A]
    assert events(fresh_db) == [
        (f["id"], MACHINE, "open", "rectified", run2),
        (f["id"], MACHINE, "rectified", "open", run3),
    ]
    row = fresh_db["findings"].get(f["id"])
    assert (row["first_run"], row["last_run"]) == (run1, run3)
    assert summary.reopened == 1 and summary.new_findings == 0
    assert fresh_db["findings"].count == 1


def test_reappearance_in_an_incomplete_run_also_reopens(fresh_db):
    crawl(fresh_db, {HOME: [DEAD]}, dead={DEAD})
    crawl(fresh_db, {HOME: []})
    _, summary = crawl(fresh_db, {HOME: [DEAD]}, dead={DEAD}, complete=False)
    assert findings(fresh_db)[0]["status"] == "open"
    assert summary.reopened == 1


@pytest.mark.parametrize("human_status", ["false_positive", "ignored"])
def test_human_verdict_is_neither_rectified_nor_reopened(fresh_db, human_status):
    crawl(fresh_db, {HOME: [DEAD]}, dead={DEAD})
    [f] = findings(fresh_db)
    fresh_db["findings"].update(f["id"], {"status": human_status, "status_by": "reviewer"})
    crawl(fresh_db, {HOME: []})  # gone: not rectified
    assert findings(fresh_db)[0]["status"] == human_status
    crawl(fresh_db, {HOME: [DEAD]}, dead={DEAD})  # back: not reopened
    assert findings(fresh_db)[0]["status"] == human_status
    assert fresh_db["findings"].get(f["id"])["status_by"] == "reviewer"
    assert events(fresh_db) == []


def test_lifecycle_is_per_site(fresh_db):
    crawl(fresh_db, {HOME: [DEAD]}, dead={DEAD})
    other = RunWriter(fresh_db, "other.gov.cn", ["http://other.gov.cn/"])
    other.add_page(page("http://other.gov.cn/", [], is_home=True))
    other.flush()
    finish_run(fresh_db, other.run_id, "other.gov.cn", complete=True, reason="finished")
    assert findings(fresh_db)[0]["status"] == "open"


def test_list_findings_filters(fresh_db):
    crawl(fresh_db, {HOME: [DEAD, DEAD2]}, dead={DEAD}, unverified={DEAD2})
    assert [f["target"] for f in findings(fresh_db)] == [DEAD, DEAD2]  # general before suspect
    assert [f["target"] for f in findings(fresh_db, kind="dead_link")] == [DEAD]
    assert [f["target"] for f in findings(fresh_db, kind="unverified_link")] == [DEAD2]
    assert findings(fresh_db, site="elsewhere.gov.cn") == []
    first = findings(fresh_db)[0]["id"]
    assert [f["id"] for f in findings(fresh_db, ids=[first])] == [first]


def test_finish_run_records_the_end(fresh_db):
    run, summary = crawl(fresh_db, {HOME: [DEAD]}, dead={DEAD})
    row = fresh_db["runs"].get(run)
    assert (row["status"], row["reason"], row["new_findings"]) == ("complete", "finished", 1)
    assert row["finished_at"] and summary.finished_at == row["finished_at"]
    assert '"duwang/pages": 1' in row["stats"]


# --- stale runs ------------------------------------------------------------------------


def test_abandon_stale_runs_marks_dead_pids(fresh_db):
    done, _ = crawl(fresh_db, {HOME: []})
    stale = RunWriter(fresh_db, SITE, [HOME]).run_id
    fresh_db["runs"].update(stale, {"pid": 999_999_999})
    live = RunWriter(fresh_db, SITE, [HOME]).run_id
    seen: list[int] = []

    def alive(pid):
        seen.append(pid)
        return pid == os.getpid()

    assert abandon_stale_runs(fresh_db, alive) == 1
    assert sorted(seen) == sorted([999_999_999, os.getpid()])  # only running runs are asked about
    row = fresh_db["runs"].get(stale)
    assert (row["status"], row["reason"]) == ("incomplete", "killed")
    assert row["finished_at"]
    assert fresh_db["runs"].get(live)["status"] == "running"
    assert fresh_db["runs"].get(done)["status"] == "complete"
    assert abandon_stale_runs(fresh_db, alive) == 0


def test_killed_run_leaves_findings_untouched(fresh_db):
    crawl(fresh_db, {HOME: [DEAD]}, dead={DEAD})
    before = findings(fresh_db)
    writer = RunWriter(fresh_db, SITE, [HOME])
    writer.add_page(page(HOME, []))
    writer.flush()  # the process dies here, before finish_run
    abandon_stale_runs(fresh_db, lambda pid: False)
    assert findings(fresh_db) == before


def test_sites_sharing_a_dead_link_each_keep_their_finding(fresh_db):
    """Site B checks the shared link after site A did but before A's run ends."""
    other_home = "http://jyj.x.gov.cn/"
    a = RunWriter(fresh_db, "A", [HOME])
    b = RunWriter(fresh_db, "B", [other_home])
    a.add_page(page(HOME, [DEAD2]))
    a.add_link(check(DEAD2, dead=True))
    a.flush()
    b.add_page(page(other_home, [DEAD2], is_home=True))
    b.add_link(check(DEAD2, dead=True))
    b.flush()
    for writer in (a, b):
        finish_run(fresh_db, writer.run_id, writer.site, complete=True, reason="finished")
    rows = list_findings(fresh_db, kind="dead_link")
    assert sorted((r["site"], r["target"], r["pages"][0]) for r in rows) == [
        ("A", DEAD2, HOME), ("B", DEAD2, other_home)]


def test_a_page_counts_as_checked_only_once_its_hits_are_written(fresh_db):
    writer = RunWriter(fresh_db, SITE, [HOME])
    writer.add_page(page(HOME, [A]))
    writer.flush()  # a crawl killed now must not think the page was text-checked
    assert fresh_db["pages"].get(HOME)["checked_with"] == ""
    writer.set_page_hits(HOME, [], "wordlists-v1")
    writer.flush()
    assert fresh_db["pages"].get(HOME)["checked_with"] == "wordlists-v1"


@pytest.fixture()
def read_only_mount(tmp_path):
    """A folder on a read-only filesystem (tmpfs remounted ro): what a read-only database
    is, even for root. Skipped where mounting is not allowed."""
    import subprocess

    folder = tmp_path / "ro"
    folder.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(folder)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")

    def freeze() -> None:
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)

    yield folder, freeze
    subprocess.run(["umount", str(folder)], check=True)


def _copy_db(src, folder, name="duwang.db"):
    src_db = open_db(src)
    src_db["runs"].insert({"site": "a", "started_at": "2026-01-01T00:00:00+08:00"})
    src_db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    src_db.close()
    target = folder / name
    target.write_bytes(src.read_bytes())
    return target


def test_a_read_only_database_is_read_and_never_written(db_path, read_only_mount):
    folder, freeze = read_only_mount
    target = _copy_db(db_path, folder)
    freeze()
    with pytest.raises(DatabaseUnwritable):
        open_db(target)
    db = open_db(target, read_only_ok=True)
    try:
        assert is_read_only(db)
        assert db.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
        with pytest.raises(sqlite3.OperationalError):
            db.execute("DELETE FROM runs")
    finally:
        db.close()
    proc = run_cli("findings", "--db", str(target), "--format", "jsonl", check_exit=0)
    assert proc.stdout == "" and proc.stderr == ""
    report = run_cli("report", "monthly", "--db", str(target), "--month", "2026-01", "--format", "json",
                     "-o", "-", check_exit=0)
    assert json.loads(report.stdout)["period"] and report.stderr == ""


def test_a_read_only_database_of_an_older_schema_says_so(db_path, read_only_mount):
    folder, freeze = read_only_mount
    target = _copy_db(db_path, folder)
    conn = sqlite3.connect(target)
    conn.execute("DELETE FROM _sqlite_migrations WHERE rowid = (SELECT max(rowid) FROM _sqlite_migrations)")
    conn.commit()
    conn.close()
    freeze()
    with pytest.raises(DatabaseUnwritable, match="older duwang"):
        open_db(target, read_only_ok=True)
