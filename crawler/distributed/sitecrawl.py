"""One lane's crawl in this process (a site, or the sites of one server one after another:
crawler/groups.py), as ``runner.run_crawls`` does it, each site into its own database, keeping
what ingest needs from the spider (the hosts the site moved to) and the wordlists'
fingerprint. Kept beside run_crawls rather than inside it: run_crawls returns summaries
only, and the shard path must not change the single-process path."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from crawler.runner import (
    CrawlOptions,
    SiteResult,
    _result,
    _tune_gc,
    build_settings,
    crawler_process,
    start_lane,
)
from crawler.store import open_db
from crawler.store.lock import crawl_lock
from crawler.textcheck import load_wordlists
from crawler.urls import validate_start_url


@dataclass
class Crawled:
    """One site's crawl: its result, the hosts it moved to, its wordlists' fingerprint."""

    result: SiteResult
    moved_to: list[str]
    fingerprint: str


def crawl_lane(lane: list[CrawlOptions], ended: Callable[[int, Crawled], None]) -> None:
    """Crawl each site of `lane` into its own opts.db_path, one after another.

    `ended(k, crawled)` is called in the reactor as the k-th site's crawl has closed, before
    the next one starts, so its shard can be published as soon as it is whole. A site whose
    crawl never started (the lane was stopped) is not reported.
    """
    fingerprints = []
    all_settings = []
    for opts in lane:
        opts.start_urls = [validate_start_url(u) for u in opts.start_urls]
        fingerprints.append(load_wordlists([Path(d) for d in opts.wordlists]).fingerprint())
        all_settings.append(build_settings(opts))
        open_db(opts.db_path).close()
    with contextlib.ExitStack() as stack:
        for opts in lane:
            stack.enter_context(crawl_lock(opts.db_path))
        queue_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="duwang-queue-"))
        process, crawlers = crawler_process(all_settings, lane[0].log_level, queue_dir)

        def done(k: int) -> None:
            crawler = crawlers[k]
            spider = getattr(crawler, "spider", None)
            moved_to = list(getattr(spider, "moved_to", []) or [])
            site = all_settings[k]["DUWANG_SITE"]
            ended(k, Crawled(_result(site, crawler), moved_to, fingerprints[k]))

        start_lane(process, [(c, o.start_urls) for c, o in zip(crawlers, lane, strict=True)], done)
        _tune_gc()
        process.start()
