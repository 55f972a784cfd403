"""Thin adapter: hand the spider's items to the store."""

from __future__ import annotations

import logging
import os
import time

from scrapy import signals

from crawler.config import CrawlConfig
from crawler.items import LinkCheck, Page, UnchangedPages
from crawler.store import open_db
from crawler.store.finalize import abandon_stale_runs, finish_run
from crawler.store.sites import SiteInfo, save_site
from crawler.store.writer import RunWriter
from crawler.textcheck.pool import CheckPool
from crawler.urls import netloc_key

logger = logging.getLogger(__name__)


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # Our own pid is alive too: the other sites of this crawl run in this process.
    return True


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.cfg = CrawlConfig.from_settings(crawler.settings)
        self.writer: RunWriter | None = None
        self.checks: CheckPool | None = None
        self.summary = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        settings = self.crawler.settings
        db = open_db(self.cfg.db_path)
        if abandon_stale_runs(db, _pid_alive):
            logger.info("earlier runs left unfinished were marked incomplete")
        site = self.cfg.site or netloc_key(spider.start_urls[0])
        self.writer = RunWriter(db, site, spider.start_urls)
        save_site(db, SiteInfo(site, list(spider.start_urls), dict(self.cfg.columns),
                               dict(self.cfg.departments), list(self.cfg.wordlists)))
        if settings.getbool("DUWANG_TEXTCHECK_ENABLED", True):
            self.checks = CheckPool(list(self.cfg.wordlists), self._checked,
                                    workers=settings.getint("DUWANG_CHECK_WORKERS", 1))

    def _checked(self, url: str, hits: list, snapshot: bytes | None) -> None:
        self.writer.set_page_hits(url, hits, self.crawler.spider.fingerprint, snapshot)

    def process_item(self, item):
        if isinstance(item, Page):
            if item.check is not None:
                self.writer.add_link(item.check)
            self.writer.add_page(item)
            if self.checks is not None:
                self.checks.submit(item.url, item.body, item.encoding)
            item.body = b""  # handed over; the writer's buffer need not hold the page
        elif isinstance(item, UnchangedPages):
            for url, check in item.pages:
                self.writer.add_link(check)
                self.writer.page_unchanged(url)
        elif isinstance(item, LinkCheck):
            self.writer.add_link(item)
        return item

    def spider_closed(self, spider, reason: str) -> None:
        writer = self.writer
        if writer is None:
            return
        rest = spider.take_unchanged()  # the last, unfilled batch
        if rest is not None:
            self.process_item(rest)
        checks_failed = False
        if self.checks is not None:
            started = time.monotonic()
            try:
                self.checks.close()
            except Exception:  # e.g. the worker died: record what we have, as incomplete
                logger.exception("the text-check worker failed")
                checks_failed = True
            # Time the crawl waited for the text checks to catch up: tells whether they limit speed.
            self.crawler.stats.set_value("duwang/textcheck/drain_s", round(time.monotonic() - started, 2))
        writer.flush()
        stats = {k: v for k, v in self.crawler.stats.get_stats().items() if k.startswith("duwang/")}
        if spider.start_problems and not spider.pages_parsed:
            reason = "start_url_failed"
        elif spider.max_pages_hit:
            reason = "max_pages"
        elif checks_failed:
            reason = "textcheck_failed"
        complete = reason == "finished"
        self.summary = finish_run(
            writer.db, writer.run_id, writer.site, complete=complete, reason=reason, stats=stats
        )
        self.crawler.duwang_summary = self.summary
        writer.db.close()
