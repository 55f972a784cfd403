"""One crawl per database, whatever name the database is given; SQLite's own locks untouched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.store import open_db, transaction
from crawler.store.lock import DatabaseLocked, crawl_lock
from tests.conftest import REPO

HOLD = (
    "import sys\n"
    "from crawler.store.lock import crawl_lock\n"
    "with crawl_lock(sys.argv[1]):\n"
    "    print('held', flush=True)\n"
    "    sys.stdin.read()\n"
)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "db.sqlite"
    path.parent.mkdir()
    open_db(path).close()
    return path


@pytest.fixture
def holder(db: Path):
    """Another process holding the crawl lock through the database's own name."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db)], cwd=REPO, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.stdout and proc.stdout.readline() == "held\n"
    yield proc
    assert proc.stdin
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0


def _other_names(db: Path, tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "link.sqlite").symlink_to(db)
    (tmp_path / "folder").symlink_to(db.parent, target_is_directory=True)
    (tmp_path / "data" / "sub").mkdir()
    return {
        "itself": db,
        "symlink": tmp_path / "link.sqlite",
        "dot-dot": tmp_path / "data" / "sub" / ".." / "db.sqlite",
        "symlinked folder": tmp_path / "folder" / "db.sqlite",
        "relative": Path(os.path.relpath(db)),
    }


@pytest.mark.parametrize("name", ["itself", "symlink", "dot-dot", "symlinked folder", "relative"])
def test_another_name_for_a_locked_database_is_refused(db, tmp_path, holder, name):
    other = _other_names(db, tmp_path)[name]
    with pytest.raises(DatabaseLocked) as caught, crawl_lock(other):
        pass
    message = str(caught.value)
    assert message == (
        f"another duwang crawl (pid {holder.pid}) is using {other}; try again when it has finished"
    )
    assert "\n" not in message


def test_a_hard_link_to_a_locked_database_is_refused(db, tmp_path, holder):
    hard = tmp_path / "hard.sqlite"
    os.link(db, hard)
    refused = (r"^another duwang crawl is using .*hard\.sqlite under another name \(a hard link\); "
               r"try again when it has finished$")
    with pytest.raises(DatabaseLocked, match=refused), crawl_lock(hard):
        pass


def test_hard_link_in_the_same_process_is_refused_and_the_lock_released_after(db, tmp_path):
    hard = tmp_path / "hard.sqlite"
    os.link(db, hard)
    with crawl_lock(db), pytest.raises(DatabaseLocked, match="under another name"), crawl_lock(hard):
        pass
    for name in (hard, db, tmp_path / "data" / "." / "db.sqlite"):  # released: each name takes it
        with crawl_lock(name):
            pass


def test_the_lock_file_sits_beside_the_real_database(db, tmp_path):
    link = tmp_path / "link.sqlite"
    link.symlink_to(db)
    with crawl_lock(link):
        assert Path(f"{db}.lock").read_text() == str(os.getpid())
    assert not Path(f"{link}.lock").exists()


def test_a_database_not_made_yet_is_locked_by_its_lock_file(tmp_path):
    db = tmp_path / "new.sqlite"
    with crawl_lock(db), pytest.raises(DatabaseLocked, match=f"pid {os.getpid()}"), crawl_lock(db):
        pass
    assert not db.exists()


def test_sqlite_reads_and_writes_while_the_crawl_lock_is_held(db):
    # flock and SQLite's POSIX (fcntl) locks are independent: the review UI keeps working.
    code = (
        "import sys\n"
        "from crawler.store import open_db, transaction\n"
        "db = open_db(sys.argv[1])\n"
        "with transaction(db):\n"
        "    db.execute(\"INSERT INTO settings (key, value) VALUES ('k', 'v')\")\n"
        "print(*[k for (k,) in db.execute('SELECT key FROM settings ORDER BY key')])\n"
    )
    mine = open_db(db)
    with crawl_lock(db):
        with transaction(mine):
            mine.execute("INSERT INTO settings (key, value) VALUES ('mine', '1')")
        other = subprocess.run(
            [sys.executable, "-c", code, str(db)], cwd=REPO, capture_output=True, text=True, timeout=60,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        assert (other.returncode, other.stdout, other.stderr) == (0, "k mine\n", "")
    assert dict(mine.execute("SELECT key, value FROM settings").fetchall()) == {"mine": "1", "k": "v"}
    mine.close()


def _posix_locks(path: Path) -> list[str]:
    """This process's POSIX (fcntl) locks on the file, from /proc/locks."""
    ino = os.stat(path).st_ino
    return [line for line in Path("/proc/locks").read_text().splitlines()
            if "POSIX" in line and f":{ino} " in line and f" {os.getpid()} " in line]


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="needs Linux /proc/locks")
def test_releasing_the_crawl_lock_keeps_sqlites_own_lock(db):
    # An open SQLite connection in WAL mode holds a POSIX lock on the database file for its
    # whole life, and closing ANY descriptor of that file drops it. So crawl_lock never
    # closes the descriptor it flocks the database through.
    conn = open_db(db)
    conn.execute("SELECT count(*) FROM findings").fetchone()
    held = _posix_locks(db)
    assert held
    with crawl_lock(db):
        pass
    assert _posix_locks(db) == held
    os.close(os.open(db, os.O_RDONLY))  # what a plain open-and-close would have done
    assert _posix_locks(db) == []
    conn.close()
