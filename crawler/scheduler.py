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
        if len(self.mqs) < self.memory_max:
            return False  # room in memory: the caller pushes it there
        return super()._dqpush(request)
