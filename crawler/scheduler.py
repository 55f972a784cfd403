"""A scheduler whose queue lives in memory until it grows large, then spills to disk.

Scrapy's own puts every request on disk once JOBDIR is set, paying a pickle per request
even on small sites.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.core.scheduler import Scheduler


class SpillingScheduler(Scheduler):
    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        scheduler.memory_max = crawler.settings.getint("DUWANG_QUEUE_MEMORY_MAX", 10_000)
        return scheduler

    def _dqpush(self, request: Request) -> bool:
        # Memory until it is full; then disk until the disk queue is empty again, so that
        # requests leave in the order they came (the crawl is breadth-first).
        if len(self.mqs) < self.memory_max and not (self.dqs is not None and len(self.dqs)):
            return False  # the caller pushes it to memory
        pushed = super()._dqpush(request)
        if pushed:
            self.stats.inc_value("duwang/queue/spilled")
        return pushed
