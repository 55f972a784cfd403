"""Scrapy's downloader, holding each host to its concurrency (CONCURRENT_REQUESTS_PER_DOMAIN).

Scrapy 2.19's downloader starts a slot's queued requests in a loop that stops when the
slot's ``transferring`` set is full, but under the asyncio reactor a request joins that set
only when its task first runs, after the loop: one pass starts every queued request. A
portal meant to see 4 requests at once saw 10 or more (measured with the test server's
count, tests/test_distributed_local.py). Here a request is counted as transferring the
moment it is taken off the queue; Scrapy's own code adds it again (a set) and removes it
when its download ends.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from scrapy.core.downloader import Downloader, Slot
from scrapy.http import Request


class PoliteDownloader(Downloader):
    def _wait_for_download(self, slot: Slot, request: Request, queue_dfd: Any) -> Coroutine[Any, Any, None]:
        slot.transferring.add(request)
        return super()._wait_for_download(slot, request, queue_dfd)
