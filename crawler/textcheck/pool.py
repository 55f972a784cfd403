"""Run page checks on the second core: a worker process holds one TextChecker.

The crawl is CPU-bound in one Python process; parsing visible text and matching words
in another process keeps it from slowing the crawl. The worker also reads what needs the
checker or much CPU: hidden links and cloaking (crawler/hidden.py), attachments' text
(crawler/attachments.py, bounded in time per file) and external hosts' home pages
(crawler/external.py). No Scrapy import.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import signal
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.encoding import decode_html

from .hits import Hit
from .privacy import mask_personal
from .shared import release, shared_executor
from .wordlists import load_wordlists

if TYPE_CHECKING:
    from crawler.external import HostSeen
    from crawler.hidden import HiddenPolicy

    from .matcher import TextChecker

# (page url, hits, snapshot of a page with hits: see crawler.store.snapshots)
PageHits = tuple[str, list[Hit], bytes | None]


@dataclass(frozen=True)
class WorkerContext:
    """What the worker needs besides the wordlists (picklable: sent once, at start)."""

    hidden: HiddenPolicy | None = None  # None: no hidden-link checks
    file_time_limit: float = 20.0  # seconds of text extraction per attachment


@dataclass(frozen=True)
class FileChecked:
    """What reading and checking an attachment gave."""

    url: str
    hits: list[Hit]
    kind: str  # pdf | docx | xlsx | xls | doc | ofd | unknown
    problem: str | None  # why it was not read (in Chinese), else None
    lasting: bool = True  # the problem is the file's own (encrypted ...), not this try's (time)


_checker: TextChecker | None = None
_context = WorkerContext()


def _new_checker(dirs: list[str]) -> TextChecker:
    return checker_for(tuple(dirs))


@functools.cache
def checker_for(dirs: tuple[str, ...]) -> TextChecker:
    """This process's checker for these wordlist folders, built once: the sites of one
    process share it, and a process forked from one that built it (crawler/distributed/
    preload.py) gets it built."""
    # Imported where the checks run: the crawl process need not load jieba.
    from .matcher import TextChecker

    return TextChecker(load_wordlists([Path(d) for d in dirs]))


def _init_worker(dirs: list[str], context: WorkerContext = WorkerContext()) -> None:
    global _checker, _context
    _context = context
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


def _check(checker: TextChecker, batch: list[tuple], context: WorkerContext | None = None) -> list[tuple]:
    """Each job's result: pages ("page", url, body, encoding, as_bot) as one batch, files and
    hosts one by one. Results are tagged like the jobs, in their order."""
    context = context or _context
    pages = [job for job in batch if job[0] == "page"]
    done: dict[int, tuple] = {}
    if pages:
        for job, result in zip(pages, _check_pages(checker, pages, context), strict=True):
            done[id(job)] = ("page", *result)
    out = []
    for job in batch:
        if job[0] == "file":
            out.append(("file", _check_file(checker, *job[1:], context.file_time_limit)))
        elif job[0] == "host":
            out.append(("host", _check_host(checker, job[1], job[2], job[3])))
        else:
            out.append(done[id(job)])
    return out


def _check_pages(checker: TextChecker, jobs: list[tuple], context: WorkerContext) -> list[PageHits]:
    # check_pages dates each page from its own HTML (PubDate meta, else its 发布时间 line),
    # read from the same parse as its text: the crawl need not send a date along.
    htmls = [decode_html(body, encoding) for _kind, _url, body, encoding, _bot in jobs]
    bots = [decode_html(*bot) for _kind, _url, _body, _encoding, bot in jobs if bot is not None]
    read = checker.read_pages(htmls + bots)
    bot_reads = iter(read[len(htmls):])
    out = []
    for (_kind, url, _body, _enc, bot), html, (page, hits) in zip(jobs, htmls, read, strict=False):
        if context.hidden is not None and page.root is not None:
            from crawler.hidden import cloaking_hits, hidden_link_hits

            hits = hits + hidden_link_hits(page.root, url, context.hidden, checker)
            if bot is not None:
                as_bot, bot_hits = next(bot_reads)
                hits += cloaking_hits(page, hits, as_bot, bot_hits, url, context.hidden)
        out.append((url, hits, snapshot(html) if hits else None))
    return out


def _check_file(checker: TextChecker, url: str, data: bytes, name: str, time_limit: float) -> FileChecked:
    from crawler.attachments import check_file

    got, hits = check_file(checker, data, name, time_limit)
    return FileChecked(url, hits, got.kind, got.problem, lasting=not got.timed_out)


def _check_host(checker: TextChecker, seen: HostSeen, body: bytes, encoding: str) -> HostSeen:
    from crawler.external import read_host

    if not body:
        return seen
    [(page, hits)] = checker.read_pages([decode_html(body, encoding)])
    return read_host(seen, page, hits)


def _check_batch(batch: list[tuple]) -> list[tuple]:
    assert _checker is not None
    return _check(_checker, batch)


class CheckPool:
    """Submit pages, attachments and external hosts' home pages; finished results go to
    `on_result(url, hits, snapshot)` for pages, `on_file(FileChecked)` and
    `on_host(HostSeen)`.

    workers=0 checks in the calling process, a batch at a time as a worker does (the
    processes of ``crawl --workers N`` do: they are the parallelism). Results come when a
    batch is full, and at ``close``.
    """

    def __init__(self, wordlist_dirs: list[str], on_result: Callable[[str, list[Hit], bytes | None], None],
                 workers: int = 1, batch_size: int = 8, max_pending: int = 64,
                 on_file: Callable[[FileChecked], None] | None = None,
                 on_host: Callable[[HostSeen], None] | None = None,
                 context: WorkerContext | None = None, max_pending_bytes: int = 64 * 1024 * 1024):
        self.on_result = on_result
        self.on_file = on_file
        self.on_host = on_host
        self.batch_size = batch_size
        self.max_pending = max_pending
        # Attachments are big: past this many bytes sent and not yet checked, wait.
        self.max_pending_bytes = max_pending_bytes
        self.context = context or WorkerContext()
        self._batch: list[tuple] = []
        self._pending: deque[tuple[Future[list[tuple]], int]] = deque()
        self._pending_bytes = 0
        self._local: TextChecker | None = None
        self._executor: ProcessPoolExecutor | None = None
        if workers > 0:
            self._executor = shared_executor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(list(wordlist_dirs), self.context),
            )
        else:
            self._local = _new_checker(list(wordlist_dirs))

    def submit(self, url: str, body: bytes, encoding: str, as_bot: tuple[bytes, str] | None = None) -> None:
        """Check a page given as bytes in a known encoding (decoded where it is checked);
        ``as_bot``: the same page as a search engine's crawler got it, and its encoding."""
        self._add(("page", url, body, encoding, as_bot))

    def submit_file(self, url: str, data: bytes, name: str) -> None:
        """Read an attachment's text and check it (``name``: its file name, for the type)."""
        self._add(("file", url, data, name), alone=True)

    def submit_host(self, seen: HostSeen, body: bytes, encoding: str) -> None:
        """Read what an external host's home page shows (title, ICP number, parking, words)."""
        self._add(("host", seen, body, encoding))

    def _add(self, job: tuple, alone: bool = False) -> None:
        if alone:  # a big file goes on its own: a page batch does not wait for it
            self._send()
            self._batch.append(job)
            self._send()
        else:
            self._batch.append(job)
            if len(self._batch) >= self.batch_size:
                self._send()
        self.collect()

    def _send(self) -> None:
        if self._batch and self._local is not None:  # checked here, in batches all the same
            batch, self._batch = self._batch, []
            for result in _check(self._local, batch, self.context):
                self._deliver(result)
        elif self._batch and self._executor is not None:
            size = sum(len(job[2]) for job in self._batch if isinstance(job[2], bytes))
            self._pending.append((self._executor.submit(_check_batch, self._batch), size))
            self._pending_bytes += size
            self._batch = []

    def _deliver(self, result: tuple) -> None:
        tag = result[0]
        if tag == "page":
            self.on_result(*result[1:])
        elif tag == "file" and self.on_file is not None:
            self.on_file(result[1])
        elif tag == "host" and self.on_host is not None:
            self.on_host(result[1])

    def collect(self, wait: bool = False) -> None:
        """Hand over finished results; block for the oldest when too many are pending."""
        while self._pending and (wait or self._pending[0][0].done() or len(self._pending) > self.max_pending
                                 or self._pending_bytes > self.max_pending_bytes):
            future, size = self._pending.popleft()
            self._pending_bytes -= size
            for result in future.result():
                self._deliver(result)

    def close(self) -> None:
        self._send()
        self.collect(wait=True)
        if self._executor is not None:
            release(self._executor)

