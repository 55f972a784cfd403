"""All or nothing: the store's multi-statement writes, killed part-way or run side by side.

- what hid the bug: under sqlite-utils 4, ``with db.conn:`` rolls nothing back;
- the end of a run (finish_run) and a staff bulk change (mark) killed with SIGKILL at
  statements spread over the whole operation leave the database as before or as after;
- a staff change and the end of a run are serialized: neither is lost, and the staff
  verdict's audit event names the status it really replaced.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlite_utils import Database

from crawler.items import LinkCheck, Page
from crawler.store import now, open_db, transaction
from crawler.store.finalize import finish_run
from crawler.store.lifecycle import (
    FALSE_POSITIVE,
    IGNORED,
    MACHINE,
    OPEN,
    RECTIFIED,
    Event,
    FindingNotFound,
    ImpossibleTransition,
    machine_transition,
    mark,
    record,
)
from crawler.store.writer import RunWriter
from tests.conftest import REPO
from tests.review.builders import DEAD, HOME, ROOT, SITE, A, crawl, events, finding_id, hit, status_of

# --- what hid the bug ----------------------------------------------------------------------

WRITES: dict[str, Callable[[Database], object]] = {
    "execute": lambda db: db.execute("INSERT INTO t (x) VALUES (1)"),
    "insert": lambda db: db["t"].insert({"x": 1}),
    "upsert": lambda db: db["t"].upsert({"id": 7, "x": 1}, pk="id"),
    "insert_all": lambda db: db["t"].insert_all([{"x": 1}, {"x": 2}]),
}


class Boom(Exception):
    pass


def _write_then_fail(tmp_path: Path, write: str, block: Callable[[Database], object]) -> int:
    db = Database(tmp_path / "t.db")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER)")
    with pytest.raises(Boom), block(db):
        WRITES[write](db)
        raise Boom
    return db.execute("SELECT count(*) FROM t").fetchone()[0]


@pytest.mark.parametrize("write", WRITES)
def test_with_conn_keeps_what_sqlite_utils_wrote(tmp_path, write):
    # sqlite-utils 4 commits each write made outside an open transaction, and `with conn:`
    # opens none. If this fails, sqlite-utils changed and `with db.conn:` rolls back again.
    assert _write_then_fail(tmp_path, write, lambda db: db.conn) > 0


@pytest.mark.parametrize("write", WRITES)
def test_transaction_rolls_back_what_sqlite_utils_wrote(tmp_path, write):
    assert _write_then_fail(tmp_path, write, transaction) == 0


# --- killed part-way -------------------------------------------------------------------------
#
# A database with three runs' worth of findings (3,000+ wording findings, 100 dead links, staff
# verdicts and a page whitelist) and a fourth run written but not finished. finish_run ends
# it: it rectifies a thousand findings, reopens a thousand and adds new ones. Then mark makes
# 3,000 of the result false positives, whitelisted. Each is run once to the end (the "after"),
# then again from the "before", killed at statement N, for N spread over the operation.

WORDS = ["再接再励", "按装", "既使", "截止到", "部份"]
PAGES, HITS_PER_PAGE, FILES = 300, 10, 100


def _url(p: int) -> str:
    return HOME if p == 0 else f"{ROOT}xwzx/{p}.html"


def _targets(p: int) -> list[str]:
    return [f"{ROOT}files/{p % FILES}.pdf", f"{ROOT}index.html"]


def _hits(p: int, count: int = HITS_PER_PAGE, first: int = 0) -> list:
    return [hit(WORDS[i % len(WORDS)], f"第{p}页第{i}处：{WORDS[i % len(WORDS)]}")
            for i in range(first, first + count)]


def _unfinished_run(db: Database, hits: dict[int, list], dead: set[str]) -> None:
    """Like builders.crawl (every page, read whole and checked), without finish_run."""
    writer = RunWriter(db, SITE, [HOME])
    for p in range(PAGES):
        writer.add_page(Page(
            url=_url(p), final_url=_url(p), status=200, title=f"第{p}页", content_type="text/html",
            encoding="utf-8", depth=0 if p == 0 else 1, is_home=p == 0,
            outlinks=[(t, t, "a", "href", "附件") for t in _targets(p)],
        ))
    for target in dict.fromkeys(t for p in range(PAGES) for t in _targets(p)):
        if target in dead:
            writer.add_link(LinkCheck(target, True, "dead", "http_4xx", 404, "HTTP 404", target, "HEAD"))
        else:
            writer.add_link(LinkCheck(target, True, "ok", None, 200, "", target, "HEAD"))
    for p in range(PAGES):
        writer.set_page_hits(_url(p), hits.get(p, []))
    writer.flush()


def _build(path: Path) -> None:
    db = open_db(path)
    files = [f"{ROOT}files/{f}.pdf" for f in range(FILES)]
    every_page = {_url(p): _targets(p) for p in range(PAGES)}
    crawl(db, every_page, dead=set(files), hits={_url(p): _hits(p) for p in range(PAGES)})
    # The second run finds pages 200-299 fixed.
    crawl(db, every_page, dead=set(files), hits={_url(p): _hits(p) for p in range(200)})
    on_page = ("SELECT f.id FROM findings f JOIN occurrences o ON o.finding_id = f.id "
               "WHERE o.page_url = ? AND f.kind = 'wording' ORDER BY f.id")
    mark(db, [r[0] for r in db.execute(on_page, [_url(150)])], FALSE_POSITIVE, actor="wang",
         whitelist="page")
    mark(db, [r[0] for r in db.execute(on_page, [_url(160)])], IGNORED, actor="wang")
    mark(db, [r[0] for r in db.execute(on_page, [_url(250)])], OPEN, actor="li", note="没改好")
    # Pages 0-99 are fixed, 200-299 have their words back, 100-149 have new ones, and half
    # the files answer again.
    _unfinished_run(db, {p: _hits(p) + (_hits(p, 5, HITS_PER_PAGE) if p < 150 else [])
                         for p in range(100, PAGES)}, set(files[:50]))
    db.close()


def _dump(path: Path) -> dict[str, list[tuple]]:
    db = open_db(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return {t: db.execute(f"SELECT * FROM [{t}] ORDER BY rowid").fetchall() for t in db.table_names()}
    finally:
        db.close()


def _differs(got: dict, want: dict) -> list[str]:
    return sorted(t for t in got.keys() | want.keys() if got.get(t) != want.get(t))


def _remove(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}.trace")):
        p.unlink(missing_ok=True)


class Killer:
    """tests/kill_child.py, started once: runs an operation on a copy, killed at statement N."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.kill_child"], cwd=REPO, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(REPO)},
        )

    def run(self, operation: str, database: Path, kill_at: int) -> int:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(f"{operation} {database} {kill_at}\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline()
        assert reply, "tests/kill_child.py died"
        return int(reply)

    def close(self) -> None:
        assert self.proc.stdin
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def killer():
    k = Killer()
    yield k
    k.close()


@pytest.fixture(scope="module")
def cases(tmp_path_factory, killer) -> dict[str, tuple[Path, dict, dict, list[str]]]:
    """For each operation: the "before" database, its dump, the dump after, the statements run."""
    folder = tmp_path_factory.mktemp("atomic")
    before = folder / "finish_run.sqlite"
    _build(before)
    out = {}
    for operation in ("finish_run", "mark"):
        assert not Path(f"{before}-wal").exists()  # closed, so copying the file copies it all
        after = folder / f"{operation}.after.sqlite"
        shutil.copyfile(before, after)
        assert killer.run(operation, after, 0) == 0
        trace = Path(f"{after}.trace").read_text(encoding="utf-8").splitlines()
        out[operation] = (before, _dump(before), _dump(after), trace)  # _dump closes: no -wal left
        before = after  # mark starts where finish_run ended
    return out


def _kill_points(trace: list[str]) -> dict[int, str]:
    """Statement numbers (1-based) to kill at, each with what it is; len+1: after it returned."""
    begin = next(i for i, s in enumerate(trace, 1) if s.startswith("BEGIN"))
    commit = max(i for i, s in enumerate(trace, 1) if s.startswith("COMMIT"))
    points = {1: "first", begin - 1: "before BEGIN", begin: "BEGIN", begin + 1: "BEGIN+1",
              begin + 2: "BEGIN+2", commit - 2: "COMMIT-2", commit - 1: "COMMIT-1", commit: "COMMIT",
              commit + 1: "COMMIT+1", len(trace): "last", len(trace) + 1: "returned"}
    for k in range(1, 25):
        points.setdefault(begin + round(k * (commit - begin) / 25), f"{k * 4}% of the transaction")
    return {n: what for n, what in sorted(points.items()) if n >= 1}


@pytest.mark.parametrize("operation", ["finish_run", "mark"])
def test_killed_anywhere_leaves_all_or_nothing(cases, killer, tmp_path, operation):
    before, want_before, want_after, trace = cases[operation]
    changed = _differs(want_after, want_before)
    assert {"findings", "events"} <= set(changed), changed
    commit = max(i for i, s in enumerate(trace, 1) if s.startswith("COMMIT"))
    points = _kill_points(trace)
    assert len(points) >= 20
    work = tmp_path / "killed.sqlite"
    wrong = []
    for n, what in points.items():
        _remove(work)
        shutil.copyfile(before, work)
        code = killer.run(operation, work, -1 if n > len(trace) else n)
        got = _dump(work)
        state = "before" if got == want_before else "after" if got == want_after else "neither"
        # The trace callback runs before its statement: killed at COMMIT, nothing was committed.
        expected = "before" if n <= commit else "after"
        if code != -9 or state != expected:
            unlike = _differs(got, want_before if expected == "before" else want_after)
            wrong.append(f"killed at statement {n}/{len(trace)} ({what}: {trace[min(n, len(trace)) - 1]!r}): "
                         f"exit {code}, database is {state}, expected {expected}; tables unlike it: {unlike}")
    _remove(work)
    assert not wrong, "\n".join(wrong)


# --- side by side: staff verdicts and the end of a run ---------------------------------------


class OwnConnection(threading.Thread):
    """Run `work(db)` on its own connection in its own thread, once `go` is set.

    `began` is set as the connection sends BEGIN, so the test knows it is waiting for the lock.
    """

    def __init__(self, db_path: Path, work: Callable[[Database], object]) -> None:
        super().__init__(daemon=True)
        self.db_path, self.work = db_path, work
        self.ready, self.go, self.began = threading.Event(), threading.Event(), threading.Event()
        self.result: object = None
        self.error: BaseException | None = None

    def run(self) -> None:
        db = open_db(self.db_path)
        try:
            self.ready.set()
            self.go.wait(30)
            db.conn.set_trace_callback(lambda sql: sql.startswith("BEGIN") and self.began.set())
            self.result = self.work(db)
        except BaseException as exc:
            self.error = exc
        finally:
            db.close()

    def start_waiting(self) -> None:
        """Let it run, and check it is held at BEGIN by the other connection's lock."""
        self.go.set()
        assert self.began.wait(10)
        time.sleep(0.3)
        assert self.is_alive(), self.error

    def finish(self) -> object:
        self.join(30)
        assert not self.is_alive()
        if self.error:
            raise self.error
        return self.result


def test_staff_verdict_waits_for_the_end_of_run_and_replaces_what_it_wrote(db_path):
    db = open_db(db_path)
    crawl(db, {HOME: [A, DEAD], A: []}, dead={DEAD})
    fid = finding_id(db, kind="dead_link")
    staff = OwnConnection(db_path, lambda other: mark(other, [fid], FALSE_POSITIVE, actor="zhang"))
    staff.start()
    assert staff.ready.wait(10)
    with transaction(db):  # the end of a run, rectifying the finding, not committed yet
        machine_transition(db, "id = :id", {"id": fid, "now": now()}, RECTIFIED, 2, "机器确认已整改")
        staff.start_waiting()
        assert status_of(db, fid) == RECTIFIED
    [event] = staff.finish()
    assert (event.from_status, event.to_status) == (RECTIFIED, FALSE_POSITIVE)
    assert status_of(db, fid) == FALSE_POSITIVE
    assert events(db, fid) == [
        (fid, MACHINE, OPEN, RECTIFIED, "机器确认已整改"),
        (fid, "zhang", RECTIFIED, FALSE_POSITIVE, ""),
    ]
    db.close()


def test_end_of_run_waits_for_a_staff_verdict_and_leaves_it(db_path):
    db = open_db(db_path)
    crawl(db, {HOME: [A, DEAD], A: []}, dead={DEAD})
    fid = finding_id(db, kind="dead_link")
    writer = RunWriter(db, SITE, [HOME])  # the next crawl no longer sees the dead link
    for url in (HOME, A):
        writer.add_page(Page(url=url, final_url=url, status=200, title="", content_type="text/html",
                             encoding="utf-8", depth=0, is_home=url == HOME, outlinks=[]))
    writer.flush()
    machine = OwnConnection(db_path, lambda other: finish_run(
        other, writer.run_id, SITE, complete=True, reason="finished"))
    machine.start()
    assert machine.ready.wait(10)
    with transaction(db):  # a staff verdict, not committed yet
        record(db, Event(fid, now(), "zhang", OPEN, FALSE_POSITIVE, "不是错误"))
        machine.start_waiting()
    summary = machine.finish()
    assert summary.rectified == 0
    assert status_of(db, fid) == FALSE_POSITIVE
    assert events(db, fid) == [(fid, "zhang", OPEN, FALSE_POSITIVE, "不是错误")]
    db.close()


def test_record_refuses_a_change_prepared_on_a_stale_status(fresh_db):
    crawl(fresh_db, {HOME: [A, DEAD], A: []}, dead={DEAD})
    fid = finding_id(fresh_db, kind="dead_link")
    with pytest.raises(ImpossibleTransition, match=f"finding {fid} is open .*no longer rectified"), \
            transaction(fresh_db):
        record(fresh_db, Event(fid, now(), "zhang", RECTIFIED, FALSE_POSITIVE, ""))
    with pytest.raises(FindingNotFound), transaction(fresh_db):
        record(fresh_db, Event(fid + 100, now(), "zhang", OPEN, FALSE_POSITIVE, ""))
    assert status_of(fresh_db, fid) == OPEN
    assert events(fresh_db, fid) == []
