"""Crawl-wide helpers: the progress line (a status line on a terminal, plain log lines
otherwise) and a leaner stats collector."""

from __future__ import annotations

import asyncio
import logging
import sys
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import MemoryStatsCollector

logger = logging.getLogger("duwang.progress")


class StatsCollector(MemoryStatsCollector):
    """Scrapy's in-memory stats without its per-call wrapper, which looks for a deprecated
    `spider` argument on each of the ~15 stats calls a request makes."""

    __getattribute__ = object.__getattribute__


class Progress:
    def __init__(self, crawler, tty: bool, interval: float):
        self.crawler = crawler
        self.tty = tty
        self.interval = interval
        self.task: asyncio.Task | None = None
        self.started = time.monotonic()
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("DUWANG_PROGRESS_ENABLED", True):
            raise NotConfigured("DUWANG_PROGRESS_ENABLED is off")
        tty = sys.stderr.isatty()
        return cls(crawler, tty, 1.0 if tty else crawler.settings.getfloat("DUWANG_LOG_INTERVAL", 30))

    def spider_opened(self, spider) -> None:
        self.started = time.monotonic()
        self.task = asyncio.get_event_loop().create_task(self._loop(spider))

    def spider_closed(self, spider, reason) -> None:
        if self.task:
            self.task.cancel()
        if self.tty:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()

    def line(self, spider) -> str:
        stats = self.crawler.stats
        checked = sum(v for k, v in stats.get_stats().items()
                      if k in ("duwang/ok", "duwang/dead", "duwang/unverified")
                      or k.startswith(("duwang/dead/", "duwang/unverified/")))
        elapsed = max(time.monotonic() - self.started, 1e-6)
        scheduler = self.crawler.engine.scheduler
        queued = len(scheduler) if scheduler is not None else 0
        return (f"pages {spider.pages_parsed}, queued {queued}, links checked {checked}, "
                f"dead {spider.dead_found}, {spider.pages_parsed / elapsed:.1f} pages/s")

    async def _loop(self, spider) -> None:
        while True:
            await asyncio.sleep(self.interval)
            if self.tty:
                sys.stderr.write("\r\033[K" + self.line(spider))
                sys.stderr.flush()
            else:
                logger.info(self.line(spider))
