"""`duwang crawl --config FILE --workers N`: N lanes at a time on this machine, each in its
own process, each site into its own shard; this process is the one writer of the database
and ingests each shard as soon as it is published. No Redis.

A lane (crawler/groups.py) is a site, or the sites of one server (sharing a host, or one
`group`) crawled one after another in one process: two processes never crawl one host at
once.

Start-up: this process imports Scrapy and builds the text checker once (preload.py), then
forks each lane's process from itself, which starts crawling at once and checks its pages
itself (the N processes are the parallelism). Where fork is not available, each process is
spawned and pays the start-up itself.
"""

from __future__ import annotations

import datetime
import multiprocessing
import os
import queue
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from crawler.distributed.ingest import ingest_one
from crawler.distributed.seed import export_seed
from crawler.distributed.shard import ShardOutcome, crawl_shards
from crawler.errors import DuwangError
from crawler.groups import lanes
from crawler.runner import CrawlError, CrawlOptions, SiteResult, build_settings, check_sites
from crawler.store import open_db
from crawler.store.lock import crawl_lock

# How a lane's process checks its pages: in itself (0), unless the user set
# DUWANG_CHECK_WORKERS. The processes are the parallelism; a check worker per process
# would cost its own start-up and compete with the other crawls for the same cores.
CHECK_WORKERS = {"DUWANG_CHECK_WORKERS": 0}


@dataclass
class _Running:
    lane: list[int]
    process: multiprocessing.process.BaseProcess
    reported: set[int] = field(default_factory=set)  # sites of the lane with a result


def prepare(all_opts: list[CrawlOptions]) -> tuple[str, list[str]]:
    """Check every site before anything starts, as run_crawls does: (database, site names)."""
    db_path, all_settings = check_sites(all_opts)
    sites = [s["DUWANG_SITE"] for s in all_settings]
    for opts, site in zip(all_opts, sites, strict=True):
        opts.site = site
    return db_path, sites


def start_method() -> str:
    """'fork' (children of a preloaded parent) where the platform has it, else 'spawn'.
    DUWANG_START_METHOD=spawn forces the old way (each child starts Python afresh)."""
    wanted = os.environ.get("DUWANG_START_METHOD", "fork")
    return wanted if wanted in multiprocessing.get_all_start_methods() else "spawn"


def run_local(all_opts: list[CrawlOptions], workers: int, shards: str | None = None) -> list[SiteResult]:
    """Crawl every site, `workers` lanes at a time, each lane in its own process; one result
    per site.

    `shards`: a folder to publish the shards in and keep them (default: a temporary one).
    """
    if shards is not None and not Path(shards).is_dir():
        raise CrawlError(f"--shards: folder {shards} does not exist")
    if workers < 1:
        raise CrawlError(f"--workers must be at least 1, got {workers}")
    db_path, sites = prepare(all_opts)
    for opts in all_opts:
        opts.extra_settings = {**CHECK_WORKERS, **opts.extra_settings}
    night = datetime.date.today().isoformat()
    method = start_method()
    if method == "fork":
        from crawler.distributed.preload import preload

        preload([o.wordlists for o in all_opts],
                text_checks=any(build_settings(o).getbool("DUWANG_TEXTCHECK_ENABLED") for o in all_opts))
    ctx = multiprocessing.get_context(method)
    db = open_db(db_path)
    results: dict[int, SiteResult] = {}
    outcomes = ctx.Queue()
    try:
        with crawl_lock(db_path), tempfile.TemporaryDirectory(prefix="duwang-shards-") as tmp:
            shard_dir = Path(shards) if shards else Path(tmp)
            pending = lanes(all_opts)
            running: list[_Running] = []
            while pending or running:
                # A lane whose every site is published no longer counts: its process is
                # only ending, and the next lane can start now.
                while pending and sum(len(r.reported) < len(r.lane) for r in running) < workers:
                    lane = pending.pop(0)
                    seeds = [str(export_seed(db_path, sites[i], Path(tmp) / f"seed-{i}.db")) for i in lane]
                    # The parent's open database is never used by a forked child, which ends
                    # with os._exit (multiprocessing's way): nothing of it is closed there.
                    proc = ctx.Process(target=_child, args=(lane, [all_opts[i] for i in lane],
                                                            str(shard_dir), night, seeds, outcomes))
                    proc.start()
                    running.append(_Running(lane, proc))
                _collect(db, sites, outcomes, running, results, wait=0.2)
                for r in list(running):
                    if r.process.is_alive():
                        continue
                    r.process.join()
                    if r.process.exitcode == 0 and len(r.reported) < len(r.lane):
                        _collect(db, sites, outcomes, running, results, wait=5)  # still in the pipe
                    for i in r.lane:
                        if i not in r.reported:
                            results[i] = SiteResult(sites[i], None, f"the crawl process died (exit code "
                                                    f"{r.process.exitcode}); nothing was ingested, its "
                                                    "findings stay as they were")
                    running.remove(r)
    finally:
        db.close()
        outcomes.close()
    return [results[i] for i in range(len(all_opts))]


def _collect(db, sites: list[str], outcomes, running: list[_Running], results: dict[int, SiteResult],
             wait: float) -> None:
    """Ingest every shard published so far (waiting up to `wait` seconds for the first)."""
    while True:
        try:
            index, outcome = outcomes.get(timeout=wait)
        except queue.Empty:
            return
        wait = 0.01
        for r in running:
            if index in r.lane:
                r.reported.add(index)
        results[index] = _ingested(db, sites[index], outcome)


def _ingested(db, site: str, outcome: ShardOutcome) -> SiteResult:
    if outcome.shard is None:
        return SiteResult(site, None, outcome.error or "the crawl published no shard")
    done = ingest_one(db, outcome.shard)
    if not done.ingested:
        return SiteResult(site, None, done.error)
    return result_of(site, done.summary, done.error)


def result_of(site: str, summary, error: str | None) -> SiteResult:
    """A SiteResult as runner._result makes it, from an ingested run."""
    return SiteResult(site, summary, error)


def _child(lane: list[int], lane_opts: list[CrawlOptions], shard_dir: str, night: str,
           seeds: list[str], outcomes) -> None:
    """A lane's process: crawl its sites into shards, say where each is as it is published."""
    told: set[int] = set()

    def published(k: int, outcome: ShardOutcome) -> None:
        told.add(k)
        outcomes.put((lane[k], outcome))

    try:
        crawl_shards(lane_opts, shard_dir, night, seeds, published)
    except Exception as exc:
        if isinstance(exc, DuwangError):
            error = str(exc)
        else:  # a bug: say so in the parent's result, with the traceback in the log
            traceback.print_exc()
            error = f"{type(exc).__name__}: {exc}"
        for k, opts in enumerate(lane_opts):
            if k not in told:
                published(k, ShardOutcome(opts.site or "", None, error))
