"""Run page checks on the second core: a worker process holds one TextChecker.

The crawl is CPU-bound in one Python process; parsing visible text and matching words
in another process keeps it from slowing the crawl. No Scrapy import.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.encoding import decode_html

from .hits import Hit
from .privacy import mask_personal
from .wordlists import load_wordlists

if TYPE_CHECKING:
    from .matcher import TextChecker

# (page url, hits, snapshot of a page with hits: see crawler.store.snapshots)
PageHits = tuple[str, list[Hit], bytes | None]

_checker: TextChecker | None = None


def _new_checker(dirs: list[str]) -> TextChecker:
    # Imported where the checks run: the crawl process need not load jieba.
    from .matcher import TextChecker

    return TextChecker(load_wordlists([Path(d) for d in dirs]))


def _init_worker(dirs: list[str]) -> None:
    global _checker
    # Ctrl-C reaches the whole process group; the crawl decides when the worker stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    _checker = _new_checker(dirs)
    # Load jieba and build the finders now, while the crawl starts, not on the first page.
    _checker.tokenizer  # noqa: B018
    _checker.check_text("预热")


def _exit_with_parent(parent: int) -> None:
    # A crawl killed with SIGKILL cannot stop its worker; the worker notices and goes.
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def snapshot(html: str) -> bytes:
    """The page as evidence for its findings (快照), personal numbers masked."""
    return zlib.compress(mask_personal(html).encode("utf-8"), 6)


def _check(checker: TextChecker, batch: list[tuple[str, bytes, str]]) -> list[PageHits]:
    # check_pages dates each page from its own HTML (PubDate meta, else its 发布时间 line),
    # read from the same parse as its text: the crawl need not send a date along.
    htmls = [decode_html(body, encoding) for _url, body, encoding in batch]
    found = checker.check_pages(htmls)
    return [
        (url, hits, snapshot(html) if hits else None)
        for (url, _body, _enc), html, hits in zip(batch, htmls, found, strict=True)
    ]


def _check_batch(batch: list[tuple[str, bytes, str]]) -> list[PageHits]:
    assert _checker is not None
    return _check(_checker, batch)


class CheckPool:
    """Submit (url, html) pages; finished results go to `on_result(url, hits, snapshot)`.

    workers=0 checks in the calling process (for tests and tiny crawls).
    """

    def __init__(self, wordlist_dirs: list[str], on_result: Callable[[str, list[Hit], bytes | None], None],
                 workers: int = 1, batch_size: int = 8, max_pending: int = 64):
        self.on_result = on_result
        self.batch_size = batch_size
        self.max_pending = max_pending
        self._batch: list[tuple[str, bytes, str]] = []
        self._pending: deque[Future[list[PageHits]]] = deque()
        self._local: TextChecker | None = None
        self._executor: ProcessPoolExecutor | None = None
        if workers > 0:
            self._executor = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(list(wordlist_dirs),),
            )
        else:
            self._local = _new_checker(list(wordlist_dirs))

    def submit(self, url: str, body: bytes, encoding: str) -> None:
        """Check a page given as bytes in a known encoding (decoded where it is checked)."""
        if self._local is not None:
            [result] = _check(self._local, [(url, body, encoding)])
            self.on_result(*result)
            return
        self._batch.append((url, body, encoding))
        if len(self._batch) >= self.batch_size:
            self._send()
        self.collect()

    def _send(self) -> None:
        if self._batch and self._executor is not None:
            self._pending.append(self._executor.submit(_check_batch, self._batch))
            self._batch = []

    def collect(self, wait: bool = False) -> None:
        """Hand over finished results; block for the oldest when too many are pending."""
        while self._pending and (wait or self._pending[0].done() or len(self._pending) > self.max_pending):
            for result in self._pending.popleft().result():
                self.on_result(*result)

    def close(self) -> None:
        self._send()
        self.collect(wait=True)
        if self._executor is not None:
            self._executor.shutdown()
