"""`duwang crawl --config FILE --workers N`: N site crawls at a time on this machine, each in
its own process and shard; this process is the one writer of the database and ingests each
shard as its crawl ends. No Redis.

Politeness: two crawls never run against the same host at once (a site waits while
another site sharing one of its hosts is crawled).
"""

from __future__ import annotations

import datetime
import multiprocessing
import queue
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path

from crawler.distributed.ingest import ingest_one
from crawler.distributed.seed import export_seed
from crawler.distributed.shard import ShardOutcome, crawl_shard
from crawler.errors import DuwangError
from crawler.runner import CrawlError, CrawlOptions, SiteResult, build_settings
from crawler.store import open_db
from crawler.store.lock import crawl_lock
from crawler.textcheck import load_wordlists
from crawler.urls import netloc_key, validate_start_url


def site_hosts(opts: CrawlOptions) -> set[str]:
    """The hosts a site's crawl requests from, for politeness across processes."""
    return {netloc_key(u) for u in opts.start_urls} | {h.lower() for h in opts.extra_hosts}


@dataclass
class _Running:
    index: int
    process: multiprocessing.process.BaseProcess
    hosts: set[str]


def prepare(all_opts: list[CrawlOptions]) -> tuple[str, list[str]]:
    """Check every site before anything starts, as run_crawls does: (database, site names)."""
    if not all_opts:
        raise CrawlError("nothing to crawl")
    db_paths = {o.db_path for o in all_opts}
    if len(db_paths) != 1:
        raise CrawlError("all sites of one invocation must share one database")
    db_path = db_paths.pop()
    for opts in all_opts:
        opts.start_urls = [validate_start_url(u) for u in opts.start_urls]
        load_wordlists([Path(d) for d in opts.wordlists])
    sites = [build_settings(o)["DUWANG_SITE"] for o in all_opts]
    if len(set(sites)) != len(sites):
        raise CrawlError("two sites share a name; give each [[site]] its own name")
    for opts, site in zip(all_opts, sites, strict=True):
        opts.site = site
    return db_path, sites


def run_local(all_opts: list[CrawlOptions], workers: int, shards: str | None = None) -> list[SiteResult]:
    """Crawl every site, `workers` at a time, each in its own process; one result per site.

    `shards`: a folder to publish the shards in and keep them (default: a temporary one).
    """
    if shards is not None and not Path(shards).is_dir():
        raise CrawlError(f"--shards: folder {shards} does not exist")
    if workers < 1:
        raise CrawlError(f"--workers must be at least 1, got {workers}")
    db_path, sites = prepare(all_opts)
    night = datetime.date.today().isoformat()
    db = open_db(db_path)
    results: dict[int, SiteResult] = {}
    ctx = multiprocessing.get_context("spawn")
    outcomes = ctx.Queue()
    try:
        with crawl_lock(db_path), tempfile.TemporaryDirectory(prefix="duwang-shards-") as tmp:
            shard_dir = Path(shards) if shards else Path(tmp)
            pending = list(range(len(all_opts)))
            running: list[_Running] = []
            got: dict[int, ShardOutcome] = {}
            while pending or running:
                busy = set().union(*(r.hosts for r in running)) if running else set()
                for i in list(pending):
                    if len(running) >= workers:
                        break
                    hosts = site_hosts(all_opts[i])
                    if hosts & busy:
                        continue  # a crawl of one of its hosts is running: wait for it
                    seed = export_seed(db_path, sites[i], Path(tmp) / f"seed-{i}.db")
                    proc = ctx.Process(target=_child, args=(i, all_opts[i], str(shard_dir), night,
                                                            str(seed), outcomes), daemon=False)
                    proc.start()
                    running.append(_Running(i, proc, hosts))
                    busy |= hosts
                    pending.remove(i)
                _collect(outcomes, got)
                for r in list(running):
                    if r.process.is_alive():
                        continue
                    r.process.join()
                    _collect(outcomes, got, wait=r.index not in got and r.process.exitcode == 0)
                    running.remove(r)
                    results[r.index] = _ingested(db, sites[r.index], got.get(r.index), r.process.exitcode)
                if running:
                    running[0].process.join(0.2)
    finally:
        db.close()
        outcomes.close()
    return [results[i] for i in range(len(all_opts))]


def _collect(outcomes, got: dict[int, ShardOutcome], wait: bool = False) -> None:
    while True:
        try:
            index, outcome = outcomes.get(timeout=5 if wait else 0.01)
        except queue.Empty:
            return
        got[index] = outcome
        wait = False


def _ingested(db, site: str, outcome: ShardOutcome | None, exitcode: int | None) -> SiteResult:
    if outcome is None:
        return SiteResult(site, None, f"the crawl process died (exit code {exitcode}); "
                          "nothing was ingested, its findings stay as they were")
    if outcome.shard is None:
        return SiteResult(site, None, outcome.error or "the crawl published no shard")
    done = ingest_one(db, outcome.shard)
    if not done.ingested:
        return SiteResult(site, None, done.error)
    return result_of(site, done.summary, done.error)


def result_of(site: str, summary, error: str | None) -> SiteResult:
    """A SiteResult as runner._result makes it, from an ingested run."""
    return SiteResult(site, summary, error)


def _child(index: int, opts: CrawlOptions, shard_dir: str, night: str, seed: str, outcomes) -> None:
    """A spawned process: crawl one site into a shard, publish it, say where it is."""
    try:
        outcome = crawl_shard(opts, shard_dir, night, seed)
    except DuwangError as exc:
        outcome = ShardOutcome(opts.site or "", None, str(exc))
    except Exception as exc:  # a bug: say so in the parent's result, with the traceback in the log
        traceback.print_exc()
        outcome = ShardOutcome(opts.site or "", None, f"{type(exc).__name__}: {exc}")
    outcomes.put((index, outcome))
