"""Run one crawl from Python: validate, start Scrapy, return the run's summary."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import AsyncCrawlerProcess
from scrapy.settings import Settings

from crawler.config import CrawlConfig
from crawler.errors import DuwangError
from crawler.spiders.portal import PortalSpider
from crawler.store import open_db
from crawler.store.finalize import RunSummary
from crawler.textcheck import load_wordlists
from crawler.urls import validate_start_url


class CrawlError(DuwangError):
    """The crawl could not do its job; the message says why in one line."""


@dataclass
class CrawlOptions:
    start_urls: list[str]
    db_path: str = "duwang.db"
    timeout: float | None = None
    max_pages: int | None = None
    concurrency: int | None = None
    extra_hosts: list[str] = field(default_factory=list)
    wordlists: list[str] = field(default_factory=list)
    obey_robots: bool = False
    log_level: str = "WARNING"
    extra_settings: dict[str, Any] = field(default_factory=dict)


def build_settings(opts: CrawlOptions) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    values: dict[str, Any] = {
        "DUWANG_DB": opts.db_path,
        "DUWANG_EXTRA_HOSTS": opts.extra_hosts,
        "DUWANG_WORDLISTS": opts.wordlists,
        "ROBOTSTXT_OBEY": opts.obey_robots,
        "LOG_LEVEL": opts.log_level,
        "RETRY_GIVE_UP_LOG_LEVEL": "DEBUG",
    }
    if opts.timeout is not None:
        if opts.timeout <= 0:
            raise CrawlError("--timeout must be positive")
        values["DOWNLOAD_TIMEOUT"] = opts.timeout
    if opts.max_pages is not None:
        values["DUWANG_MAX_PAGES"] = opts.max_pages
    if opts.concurrency is not None:
        if opts.concurrency <= 0:
            raise CrawlError("--concurrency must be positive")
        # A site that can take it: no throttling, N requests in flight per host.
        values.update(
            CONCURRENT_REQUESTS=max(opts.concurrency, 16),
            CONCURRENT_REQUESTS_PER_DOMAIN=opts.concurrency,
            AUTOTHROTTLE_ENABLED=False,
        )
    values.update(opts.extra_settings)
    settings.setdict(values, priority="cmdline")
    CrawlConfig.from_settings(settings)  # reject bad values before starting anything
    return settings


def run_crawl(opts: CrawlOptions) -> RunSummary:
    """Crawl once (one crawl per process: the reactor cannot be restarted)."""
    urls = [validate_start_url(u) for u in opts.start_urls]
    open_db(opts.db_path).close()  # fail fast on a bad path or a newer schema
    load_wordlists([Path(d) for d in opts.wordlists])  # and on a broken wordlist line
    settings = build_settings(opts)
    process = AsyncCrawlerProcess(settings)
    logging.getLogger("scrapy").setLevel(opts.log_level)
    crawler = process.create_crawler(PortalSpider)
    process.crawl(crawler, url=urls)
    process.start()
    summary: RunSummary | None = getattr(crawler, "duwang_summary", None)
    if summary is None:
        raise CrawlError("the crawl stopped before it finished; see the log above")
    spider = crawler.spider
    if spider.start_problems and not spider.pages_parsed:
        url, why = next(iter(spider.start_problems.items()))
        raise CrawlError(f"cannot crawl start URL {url}: {why}")
    return summary
