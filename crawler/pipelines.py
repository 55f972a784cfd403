"""Thin adapter: hand the spider's items to the store."""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from urllib.parse import unquote, urlsplit

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

from crawler.config import CrawlConfig
from crawler.external import HostSeen
from crawler.hidden import DEFAULT_ALLOW, HiddenPolicy
from crawler.items import HostProbe, LinkCheck, Page, UnchangedPages
from crawler.store import open_db
from crawler.store.finalize import abandon_stale_runs, finish_run, identity_for_run
from crawler.store.queries import last_complete_pages
from crawler.store.sites import SiteInfo, save_site
from crawler.store.writer import RunWriter
from crawler.textcheck.pool import CheckPool, FileChecked, WorkerContext
from crawler.urls import default_site_name

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
        self.checks_failed: str | None = None  # why the text checks stopped, once they have
        self.summary = None
        self.write_error: str | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.item_failed, signal=signals.item_error)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        settings = self.crawler.settings
        db = open_db(self.cfg.db_path)
        if abandon_stale_runs(db, _pid_alive):
            logger.info("earlier runs left unfinished were marked incomplete")
        site = self.cfg.site or default_site_name(spider.start_urls[0])
        self.writer = RunWriter(db, site, spider.start_urls)
        save_site(db, SiteInfo(site, list(spider.start_urls), dict(self.cfg.columns),
                               dict(self.cfg.departments), list(self.cfg.wordlists),
                               self.cfg.template_owner))
        if settings.getbool("DUWANG_TEXTCHECK_ENABLED", True):
            hidden = None
            if self.cfg.hidden_links:
                own = {h.rsplit(":", 1)[0] for h in spider.scope}
                hidden = HiddenPolicy(frozenset(own), DEFAULT_ALLOW + self.cfg.hidden_link_allow)
            context = WorkerContext(hidden, self.cfg.attachment_time_limit)
            self.checks = CheckPool(list(self.cfg.wordlists), self._checked,
                                    workers=settings.getint("DUWANG_CHECK_WORKERS", 1),
                                    on_file=self._file_checked, on_host=self.writer.add_host, context=context)

    def _checked(self, url: str, hits: list, snapshot: bytes | None) -> None:
        self.writer.set_page_hits(url, hits, self.crawler.spider.fingerprint, snapshot)

    def _file_checked(self, got: FileChecked) -> None:
        """An attachment read (or not) on the check worker. A file that could not be read
        keeps no hits from this run and counts as not read whole: its findings stay."""
        stats = self.crawler.stats
        stats.inc_value(f"duwang/attachments/{'unread' if got.problem else 'read'}")
        if got.problem:
            logger.info("attachment %s not checked: %s", got.url, got.problem)
        # A problem of this try (time) is not remembered: the file is read again next run.
        fingerprint = self.crawler.spider.file_fingerprint if got.lasting else ""
        self.writer.set_page_hits(got.url, got.hits, fingerprint)
        self.writer.set_file(got.url, got.kind, got.problem)

    def process_item(self, item):
        if self.write_error is None:
            try:
                self._store(item)
            except sqlite3.Error as exc:
                self._write_failed(exc)
        return item

    def item_failed(self, item, response, failure, **kwargs) -> None:
        """An item that could not be stored (a bug, not a database error): its page or
        verdict is missing from the run, so the run is incomplete."""
        kind = "pages" if isinstance(item, Page | UnchangedPages) else "checks"
        self.crawler.stats.inc_value(f"duwang/{kind}/failed")

    def _write_failed(self, exc: sqlite3.Error) -> None:
        """Disk full, I/O error: stop the crawl; the run cannot be complete."""
        self.write_error = f"cannot write the database: {exc}"
        logger.error("%s; stopping the crawl", self.write_error)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="write_error"))

    def _store(self, item) -> None:
        if isinstance(item, Page):
            if item.check is not None:
                self.writer.add_link(item.check)
            self.writer.add_page(item)
            if item.attachment:
                self._attachment(item)
            elif item.stylesheet:
                if self.checks is not None:
                    # No text to check: checked as it is, so an unchanged one is not read again.
                    self.writer.set_page_hits(item.url, [], self.crawler.spider.fingerprint)
            elif self.checks is not None and self.checks_failed is None:
                try:
                    self.checks.submit(item.url, item.body, item.encoding, item.as_bot)
                except sqlite3.Error:
                    raise
                except Exception as exc:  # the worker died (killed, out of memory)
                    self._checks_broke(exc)
            item.body = b""  # handed over; the writer's buffer need not hold the page
            item.as_bot = None
        elif isinstance(item, UnchangedPages):
            for url, check in item.pages:
                self.writer.add_link(check)
                self.writer.page_unchanged(url, item.attachments)
        elif isinstance(item, LinkCheck):
            self.writer.add_link(item)
        elif isinstance(item, HostProbe):
            self._host(item)

    def _attachment(self, item: Page) -> None:
        if item.partial is not None:  # not downloaded (too large): nothing to read
            self.crawler.stats.inc_value("duwang/attachments/unread")
            self.writer.set_page_hits(item.url, [], self.crawler.spider.file_fingerprint)
            self.writer.set_file(item.url, None, item.partial)
        elif self.checks is not None and self.checks_failed is None:
            try:
                name = unquote(urlsplit(item.final_url).path).rsplit("/", 1)[-1]
                self.checks.submit_file(item.url, item.body, name)
            except sqlite3.Error:
                raise
            except Exception as exc:
                self._checks_broke(exc)

    def _host(self, probe: HostProbe) -> None:
        seen = HostSeen(probe.host, probe.url, probe.resolved, probe.http_status is not None,
                        probe.http_status, probe.final_url, error=probe.error)
        if self.checks is not None and self.checks_failed is None:
            try:
                self.checks.submit_host(seen, probe.body, probe.encoding)
            except sqlite3.Error:
                raise
            except Exception as exc:
                self._checks_broke(exc)

    def spider_closed(self, spider, reason: str) -> None:
        writer = self.writer
        if writer is None:
            return
        rest = spider.take_unchanged()  # the last, unfilled batch
        if rest is not None:
            self.process_item(rest)
        if self.checks is not None:
            started = time.monotonic()
            try:
                self.checks.close()
            except sqlite3.Error as exc:
                self._write_failed(exc)
            except Exception as exc:  # e.g. the worker died: record what we have, as incomplete
                self._checks_broke(exc)
            # Time the crawl waited for the text checks to catch up: tells whether they limit speed.
            self.crawler.stats.set_value("duwang/textcheck/drain_s", round(time.monotonic() - started, 2))
        try:
            if self.write_error is None:
                writer.flush()
            reason = self._end_reason(spider, reason)
            stats = {k: v for k, v in self.crawler.stats.get_stats().items() if k.startswith("duwang/")}
            self.summary = finish_run(
                writer.db, writer.run_id, writer.site, complete=reason == "finished", reason=reason,
                stats=stats, identity=identity_for_run(writer.db, writer.run_id, spider.moved_to),
                text_checked=self.checks is not None,
                inspection=self.cfg.policy() if self.cfg.inspection else None,
            )
        except sqlite3.Error as exc:
            # The run stays 'running' until the next crawl marks it incomplete (killed).
            self.write_error = self.write_error or f"cannot write the database: {exc}"
            logger.error("%s; the run is left incomplete", self.write_error)
        self.crawler.duwang_summary = self.summary
        self.crawler.duwang_write_error = self.write_error
        writer.db.close()

    def _checks_broke(self, exc: Exception) -> None:
        if self.checks_failed is None:
            self.checks_failed = f"{type(exc).__name__}: {exc}"
            logger.error("the text-check worker failed (%s); the run will be incomplete", self.checks_failed)

    def _end_reason(self, spider, reason: str) -> str:
        """Why the run ends; only "finished" makes it complete."""
        if spider.start_problems and not spider.pages_parsed:
            return "start_url_failed"
        if self.write_error is not None:
            return "write_error"
        if spider.max_pages_hit:
            return "max_pages"
        if self.checks_failed is not None:
            return "textcheck_failed"
        if reason != "finished":
            return reason
        stats = self.crawler.stats
        if stats.get_value("duwang/pages/failed"):
            # A page that raised was not read: the run has seen part of the site.
            logger.warning("%d page(s) could not be processed (see the errors above): the run is "
                           "incomplete", stats.get_value("duwang/pages/failed"))
            return "page_failed"
        if stats.get_value("duwang/checks/failed"):
            logger.warning("%d link check(s) could not be processed (see the errors above): the run "
                           "is incomplete", stats.get_value("duwang/checks/failed"))
            return "check_failed"
        if spider.start_placeholder:
            return "start_page_placeholder"
        ratio = self.cfg.min_pages_ratio
        last = last_complete_pages(self.writer.db, self.writer.site)
        # Pages the crawl reached; orphaned pages fetched only to verify findings do not count.
        reached = self.writer.pages_written - (self.crawler.stats.get_value("duwang/pages/revisited") or 0)
        if ratio and last and reached < ratio * last:
            logger.warning("read %d pages, the last complete run read %d: the run is incomplete (shrunk)",
                           reached, last)
            return "shrunk"
        return reason
