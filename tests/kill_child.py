"""The child side of tests/test_atomic.py: a store operation, killed at its Nth statement.

`python -m tests.kill_child` imports the store once, then reads requests from stdin, one a
line: `<operation> <database> <kill_at>`, and forks a child for each, so a request costs a
fork, not Python's start-up. The child opens the database, installs a trace callback that
counts the connection's statements and SIGKILLs the process as statement `kill_at` is about
to run (SQLite calls the callback before the statement runs), then runs the operation.
With `kill_at` 0 the operation runs to the end and the statements it ran are written to
`<database>.trace` (their first 60 characters, one a line); with -1 the process is killed
right after the operation returned. The reply, one line per request, is the child's exit
code (negative for a signal).

The clock is frozen (every module's `now`), so two runs of an operation write the same rows.
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from sqlite_utils import Database

import crawler.store.db
from crawler.store import open_db
from crawler.store.finalize import finish_run
from crawler.store.lifecycle import FALSE_POSITIVE, mark

NOW = "2026-11-02T03:00:00+08:00"
MARK_MANY = 3000


def _finish_run(db: Database) -> Callable[[], object]:
    """End the run that is still running, as a complete crawl."""
    run_id, site = db.execute(
        "SELECT id, site FROM runs WHERE status = 'running' ORDER BY id DESC"
    ).fetchone()
    return lambda: finish_run(db, run_id, site, complete=True, reason="finished",
                              stats={"duwang/pages": 200})


def _mark(db: Database) -> Callable[[], object]:
    """Staff mark 3,000 open or rectified findings false positives, whitelisted everywhere."""
    ids = [r[0] for r in db.execute(
        "SELECT id FROM findings WHERE status IN ('open', 'rectified') ORDER BY id LIMIT ?", [MARK_MANY]
    ).fetchall()]
    assert len(ids) == MARK_MANY, len(ids)
    return lambda: mark(db, ids, FALSE_POSITIVE, actor="zhang", note="批量误报",
                        whitelist="everywhere")


OPERATIONS: dict[str, Callable[[Database], Callable[[], object]]] = {
    "finish_run": _finish_run,
    "mark": _mark,
}


def freeze_clock() -> None:
    real = crawler.store.db.now
    for module in list(sys.modules.values()):
        if getattr(module, "now", None) is real:
            module.now = lambda: NOW


def run(operation: str, database: str, kill_at: int) -> None:
    db = open_db(database)
    call = OPERATIONS[operation](db)
    ran: list[str] = []

    def trace(sql: str) -> None:
        ran.append(sql[:60].replace("\n", " "))
        if len(ran) == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    db.conn.set_trace_callback(trace)
    call()
    if kill_at == -1:
        os.kill(os.getpid(), signal.SIGKILL)
    if kill_at == 0:
        Path(f"{database}.trace").write_text("".join(f"{s}\n" for s in ran), encoding="utf-8")


def serve() -> None:
    freeze_clock()
    for line in sys.stdin:
        operation, database, kill_at = line.split()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                run(operation, database, int(kill_at))
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status), flush=True)


if __name__ == "__main__":
    serve()
