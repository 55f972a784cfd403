"""Crawl one site into its own shard database, then publish the shard.

The crawl runs in this process with today's spider and pipeline, on a work file on local
disk (WAL and all), started from the site's seed when there is one. When the crawl has
closed, the work file is copied with ``VACUUM INTO`` to a temporary name in the shard
directory, switched to a plain rollback journal, and renamed into place: a reader of the
shard directory sees a whole shard or none, and never a WAL file.

Call :func:`crawl_shard` or :func:`crawl_shards` (the sites of one lane, crawler/groups.py)
in a fresh process (RQ's forked work horse, or a process forked by ``crawl --workers N``): a
Twisted reactor cannot be restarted.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.settings import SETTINGS_PRIORITIES, Settings

from crawler import __version__
from crawler.distributed import preload
from crawler.errors import DuwangError
from crawler.runner import CrawlOptions, SiteResult, build_settings
from crawler.store import now

if TYPE_CHECKING:
    from crawler.distributed.sitecrawl import Crawled

META_KEY = "duwang/shard"  # the shard's own description, in its settings table


class ShardError(DuwangError):
    """A shard could not be crawled, published or read; the message says why in one line."""


@dataclass
class ShardOutcome:
    """What a shard crawl left: the published shard (if any), and an error line."""

    site: str
    shard: str | None
    error: str | None = None


def shard_name(site: str, night: str) -> str:
    """The shard's file name: readable, safe on any filesystem, one per site and night."""
    slug = re.sub(r"[^\w.-]+", "_", site, flags=re.UNICODE).strip("._")[:60] or "site"
    digest = hashlib.sha1(f"{night}\0{site}".encode()).hexdigest()[:10]
    return f"{night}-{slug}-{digest}.db"


def crawl_settings(opts: CrawlOptions) -> dict:
    """The DUWANG_* values set for this crawl: what ingest needs to end the run the same way."""
    settings = build_settings(opts)
    cmdline = SETTINGS_PRIORITIES["cmdline"]
    return {k: v for k, v in settings.copy_to_dict().items()
            if k.startswith("DUWANG_") and k != "DUWANG_DB" and settings.getpriority(k) == cmdline}


def settings_from(values: dict) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict(values, priority="cmdline")
    return settings


def crawl_shard(opts: CrawlOptions, shard_dir: str | os.PathLike[str], night: str,
                seed: str | os.PathLike[str] | None = None) -> ShardOutcome:
    """Crawl the site of `opts` into a shard and publish it in `shard_dir`."""
    [outcome] = crawl_shards([opts], shard_dir, night, [seed])
    return outcome


def crawl_shards(lane: list[CrawlOptions], shard_dir: str | os.PathLike[str], night: str,
                 seeds: list[str | os.PathLike[str] | None],
                 published: Callable[[int, ShardOutcome], None] | None = None) -> list[ShardOutcome]:
    """Crawl a lane's sites (crawler/groups.py) one after another, each into its own shard,
    published in `shard_dir` as soon as its crawl has closed; `published(k, outcome)` is
    told of each. One outcome per site: a site the lane never reached (it was stopped) has
    no shard, and is told of last."""
    from crawler.distributed.sitecrawl import crawl_lane

    shard_dir = Path(shard_dir)
    if not shard_dir.is_dir():
        raise ShardError(f"shard directory {shard_dir} does not exist")
    work_dir = Path(tempfile.mkdtemp(prefix="duwang-shard-"))
    outcomes: dict[int, ShardOutcome] = {}
    try:
        values = []
        for k, (opts, seed) in enumerate(zip(lane, seeds, strict=True)):
            work = work_dir / f"shard-{k}.db"
            if seed is not None:
                shutil.copyfile(seed, work)
            opts.db_path = str(work)
            values.append(crawl_settings(opts))

        def ended(k: int, crawled: Crawled) -> None:
            try:
                outcomes[k] = _publish_site(Path(lane[k].db_path), shard_dir, night, crawled, values[k])
            except (OSError, sqlite3.Error) as exc:  # e.g. the shard directory is full or gone
                outcomes[k] = ShardOutcome(crawled.result.site, None, f"cannot publish the shard: {exc}")
            if published is not None:
                published(k, outcomes[k])

        crawl_lane(lane, ended)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    for k, opts in enumerate(lane):
        if k not in outcomes:
            outcomes[k] = ShardOutcome(opts.site or "", None, "the crawl was stopped before this site "
                                       "was reached; its findings stay as they were")
            if published is not None:
                published(k, outcomes[k])
    return [outcomes[k] for k in range(len(lane))]


def _publish_site(work: Path, shard_dir: Path, night: str, crawled: Crawled, values: dict) -> ShardOutcome:
    result = crawled.result
    site = result.site
    if not _has_run(work, site):
        return ShardOutcome(site, None, result.error or "the crawl did not start a run")
    meta = {
        "id": uuid.uuid4().hex, "site": site, "night": night, "version": __version__,
        "fingerprint": crawled.fingerprint, "settings": values, "moved_to": crawled.moved_to,
        "text_checked": settings_from(values).getbool("DUWANG_TEXTCHECK_ENABLED", True),
        "error": None if result.incomplete else result.error, "crawled_at": now(),
        "host": os.uname().nodename, "pid": os.getpid(), "preloaded": preload.preloaded,
    }
    path = publish(work, shard_dir, shard_name(site, night), meta)
    return ShardOutcome(site, str(path), meta["error"])


def _has_run(work: Path, site: str) -> bool:
    if not work.exists():
        return False
    with sqlite3.connect(work) as conn:
        return conn.execute("SELECT 1 FROM runs WHERE site = ? LIMIT 1", [site]).fetchone() is not None


def publish(work: Path, shard_dir: Path, name: str, meta: dict) -> Path:
    """Describe the closed work database, copy it out whole, and rename it into place."""
    conn = sqlite3.connect(work, timeout=30)
    try:
        with conn:
            conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
                         [META_KEY, json.dumps(meta, ensure_ascii=False)])
        tmp = shard_dir / f".{name}.{os.getpid()}.tmp"
        tmp.unlink(missing_ok=True)
        conn.execute("VACUUM INTO ?", [str(tmp)])
    finally:
        conn.close()
    out = sqlite3.connect(tmp)
    try:
        out.execute("PRAGMA journal_mode=DELETE")  # no -wal/-shm beside it, wherever it is read
    finally:
        out.close()
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    final = shard_dir / name
    os.replace(tmp, final)
    dir_fd = os.open(shard_dir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return final


def outcome_line(outcome: ShardOutcome) -> str:
    return json.dumps({"site": outcome.site, "shard": outcome.shard, "error": outcome.error},
                      ensure_ascii=False)


__all__ = ["META_KEY", "ShardError", "ShardOutcome", "SiteResult", "crawl_shard", "crawl_shards", "publish",
           "shard_name"]
