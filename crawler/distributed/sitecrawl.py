"""One site's crawl in this process, as ``runner.run_crawls`` does it for one site, keeping
what ingest needs from the spider (the hosts the site moved to) and the wordlists'
fingerprint. Kept beside run_crawls rather than inside it: run_crawls returns summaries
only, and the shard path must not change the single-process path."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from scrapy.crawler import AsyncCrawlerProcess, Crawler
from scrapy.settings import Settings

from crawler.runner import CrawlOptions, SiteResult, _result, _tune_gc, build_settings
from crawler.spiders.portal import PortalSpider
from crawler.store import open_db
from crawler.store.lock import crawl_lock
from crawler.textcheck import load_wordlists
from crawler.urls import validate_start_url


def crawl_one(opts: CrawlOptions) -> tuple[SiteResult, list[str], str]:
    """Crawl one site into opts.db_path: (result, hosts it moved to, wordlist fingerprint)."""
    opts.start_urls = [validate_start_url(u) for u in opts.start_urls]
    fingerprint = load_wordlists([Path(d) for d in opts.wordlists]).fingerprint()
    settings = build_settings(opts)
    site = settings["DUWANG_SITE"]
    open_db(opts.db_path).close()
    with crawl_lock(opts.db_path), tempfile.TemporaryDirectory(prefix="duwang-queue-") as queue_dir:
        base = Settings()
        base.setmodule("crawler.settings", priority="project")
        base.set("LOG_LEVEL", opts.log_level, priority="cmdline")
        process = AsyncCrawlerProcess(base)
        logging.getLogger("scrapy").setLevel(opts.log_level)
        if settings.getbool("DUWANG_DISK_QUEUE"):
            settings.set("JOBDIR", f"{queue_dir}/0", priority="cmdline")
        crawler = Crawler(PortalSpider, settings)
        process.crawl(crawler, url=opts.start_urls)
        _tune_gc()
        process.start()
    spider = crawler.spider
    moved_to = list(getattr(spider, "moved_to", []) or [])
    return _result(site, crawler), moved_to, fingerprint
