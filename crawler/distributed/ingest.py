"""`duwang ingest`: copy a finished shard run into the central database and end it there.

The central database has one writer: this. A shard holds the site's slice as its seed had
it plus one run. Ingest copies that run in under a new run id (the run row, the pages and
link verdicts it wrote, their outlinks, text-check hits, inspection facts and snapshots),
then applies today's end-of-run step (``finish_run``) to the central database, with the
same arguments the crawl's pipeline would have given it. Findings, statuses and events are
made only there, so staff changes made in the review UI meanwhile stand.

Each shard carries an id; the central database records the ids it ingested (settings
``duwang/ingested/<id>``), in the same transaction as the copy, so ingesting twice changes
nothing. No Scrapy process is started (the settings are only parsed).
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, replace
from pathlib import Path

from sqlite_utils import Database

from crawler.config import CrawlConfig
from crawler.distributed.shard import META_KEY, settings_from
from crawler.distributed.slices import copy_rows, tables
from crawler.errors import DuwangError
from crawler.store import SchemaTooNew, now, open_db, transaction
from crawler.store.finalize import RunSummary, finish_run, identity_for_run, summarize_run
from crawler.store.lock import crawl_lock
from crawler.store.migrations import migrations

LEDGER = "duwang/ingested/"


class IngestError(DuwangError):
    """A shard that cannot be ingested; the message names it and says why in one line."""


@dataclass
class Ingested:
    shard: str
    site: str
    summary: RunSummary | None
    error: str | None = None  # the crawl's own error (a start URL that failed), or why not ingested
    already: bool = False  # ingested before: nothing changed
    ingested: bool = True


@dataclass
class ShardRun:
    path: Path
    meta: dict
    run: dict


def read_shard(path: str | os.PathLike[str]) -> ShardRun:
    """Open a published shard read-only and check it: ours, not newer, described, one run."""
    path = Path(path)
    if not path.is_file():
        raise IngestError(f"no shard at {path}")
    conn = _open_ro(path)
    try:
        names = tables(conn)
        if "_sqlite_migrations" not in names or "settings" not in names:
            raise IngestError(f"{path} is not a duwang shard")
        applied = {r[0] for r in conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = 'duwang'")}
        unknown = sorted(applied - {m.name for m in migrations._migrations})
        if unknown:
            raise SchemaTooNew(f"shard {path} was made by a newer duwang (unknown schema step "
                               f"{unknown[-1]}); upgrade duwang here to ingest it")
        row = conn.execute("SELECT value FROM settings WHERE key = ?", [META_KEY]).fetchone()
        if row is None:
            raise IngestError(f"{path} is not a published duwang shard (no shard description)")
        meta = json.loads(row[0])
        conn.row_factory = sqlite3.Row
        run = conn.execute("SELECT * FROM runs WHERE site = ? ORDER BY id DESC LIMIT 1",
                           [meta["site"]]).fetchone()
        if run is None:
            raise IngestError(f"shard {path} holds no run of {meta['site']}")
        return ShardRun(path, meta, dict(run))
    except sqlite3.DatabaseError as exc:
        raise IngestError(f"cannot read shard {path}: {exc}") from None
    finally:
        conn.close()


def _open_ro(path: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.DatabaseError:
        raise IngestError(f"{path} is not a duwang shard (not an SQLite database)") from None


def ingest_paths(db_path: str | os.PathLike[str], shards: list[str]) -> list[Ingested]:
    """Ingest each shard into the database at db_path, holding its crawl lock."""
    db = open_db(db_path)
    try:
        with crawl_lock(db_path):
            return [ingest_one(db, s) for s in shards]
    finally:
        db.close()


def ingest_one(db: Database, shard: str | os.PathLike[str]) -> Ingested:
    """Ingest one shard; a shard that cannot be ingested is reported, not raised."""
    try:
        return ingest_shard(db, shard)
    except (IngestError, SchemaTooNew) as exc:
        return Ingested(str(shard), "", None, str(exc), ingested=False)


def ingest_shard(db: Database, shard: str | os.PathLike[str]) -> Ingested:
    """Copy the shard's run into `db` and end it there. The caller holds db's crawl lock."""
    sr = read_shard(shard)
    site, run = sr.meta["site"], sr.run
    key = LEDGER + sr.meta["id"]
    done = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    if done is not None:
        run_id = json.loads(done[0])["run"]
        status = db.execute("SELECT status FROM runs WHERE id = ?", [run_id]).fetchone()
        if status is not None and status[0] != "running":
            return Ingested(str(sr.path), site, summarize_run(db, run_id), sr.meta.get("error"), already=True)
        # Copied, but the end of the run did not happen (the ingest was killed): end it now.
        return _finish(db, sr, run_id)
    if run["status"] == "running":
        raise IngestError(f"shard {sr.path}: the run of {site} never finished (killed, or its "
                          "database write failed); not ingested, its findings stay as they were")
    src = _open_ro(sr.path)
    try:
        with transaction(db):
            run_id = _copy_run(src, db.conn, sr)
            db.execute("INSERT INTO settings (key, value) VALUES (?, ?)",
                       [key, json.dumps({"run": run_id, "shard": sr.path.name, "at": now()})])
    finally:
        src.close()
    return _finish(db, sr, run_id)


def _copy_run(src: sqlite3.Connection, dst: sqlite3.Connection, sr: ShardRun) -> int:
    site, old = sr.meta["site"], sr.run["id"]
    cur = dst.execute(
        "INSERT INTO runs (site, started_at, status, start_urls, pid, pages, links, stats) "
        "VALUES (?, ?, 'running', ?, ?, ?, ?, ?)",
        [site, sr.run["started_at"], sr.run["start_urls"], os.getpid(), sr.run["pages"],
         sr.run["links"], sr.run["stats"]])
    new = cur.lastrowid
    remap = {old: new}
    p = {"site": site, "run": old}
    # What the run wrote: the pages it read (a page it did not read this run is as the
    # central database has it), and the rows hanging from those pages.
    ran = "page_url IN (SELECT url FROM pages WHERE site = :site AND last_run = :run)"
    urls = [(u,) for (u,) in src.execute("SELECT url FROM pages WHERE site = :site AND last_run = :run", p)]
    copy_rows(src, dst, "sites", "name = :site", p)
    copy_rows(src, dst, "pages", "site = :site AND last_run = :run", p, remap=remap)
    for table in ("outlinks", "page_hits"):
        dst.executemany(f"DELETE FROM {table} WHERE page_url = ?", urls)
        copy_rows(src, dst, table, ran, p)
    copy_rows(src, dst, "links", "site = :site AND last_run = :run", p, remap=remap)
    if "page_facts" in tables(src) and "page_facts" in tables(dst):
        facts = [(u,) for (u,) in src.execute(
            "SELECT page_url FROM page_facts WHERE site = :site AND run_id = :run", p)]
        copy_rows(src, dst, "page_facts", "site = :site AND run_id = :run", p, remap=remap)
        dst.executemany("DELETE FROM list_items WHERE page_url = ?", facts)
        copy_rows(src, dst, "list_items",
                  "page_url IN (SELECT page_url FROM page_facts WHERE site = :site AND run_id = :run)",
                  p, remap=remap)
    copy_rows(src, dst, "snapshots", f"run_id = :run AND {ran}", p, remap=remap)
    # The external hosts the run probed, each with its baseline (external_changed findings).
    copy_rows(src, dst, "external_hosts", "site = :site AND last_run = :run", p, remap=remap)
    return new


def _finish(db: Database, sr: ShardRun, run_id: int) -> Ingested:
    """Today's end of run, on the central database, with the crawl's own arguments."""
    site = sr.meta["site"]
    cfg = CrawlConfig.from_settings(settings_from(sr.meta["settings"]))
    extra = {}
    if getattr(cfg, "inspection", False):  # the inspection checks, as the pipeline runs them
        extra["inspection"] = cfg.policy()
    stats = json.loads(sr.run["stats"] or "{}")
    summary = finish_run(
        db, run_id, site, complete=sr.run["status"] == "complete", reason=sr.run["reason"] or "",
        stats=stats, identity=identity_for_run(db, run_id, sr.meta.get("moved_to") or []),
        text_checked=bool(sr.meta.get("text_checked", True)), **extra,
    )
    if sr.run.get("finished_at"):
        # The run ended when its crawl did (the overview's and the reports' last crawl), not
        # when its shard was ingested; its findings and events carry the ingest's time.
        with transaction(db):
            db.execute("UPDATE runs SET finished_at = ? WHERE id = ?", [sr.run["finished_at"], run_id])
        summary = replace(summary, finished_at=sr.run["finished_at"])
    return Ingested(str(sr.path), site, summary, sr.meta.get("error"))
