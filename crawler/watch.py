"""`duwang watch`: probe each site's home page (and its ``watch_urls``) on a schedule, record
every probe, and keep the ``unavailable`` findings (crawler/store/availability.py) current.

Light by design: one GET per probe through recheck's ``fetch()`` (a total deadline, the
crawl's address rules), no crawl, no text checks (no jieba). Probes of one round run side by
side in threads; the database is written from the main thread only, once per round.
"""

from __future__ import annotations

import contextlib
import fcntl
import math
import os
import queue
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from sqlite_utils import Database

from crawler import __version__
from crawler.addresses import AddressPolicy, site_addresses
from crawler.errors import DuwangError
from crawler.recheck import fetch
from crawler.store import availability as av
from crawler.urls import SiteIdentity, default_site_name, netloc_key, url_key

if TYPE_CHECKING:
    from crawler.siteconfig import SiteConfig

DEFAULT_TIMEOUT = 15.0  # seconds: the rule's line for a visit that does not open
MAX_BODY = 2_000_000  # a page is read to here at most; what arrived in time is enough
MAX_PENDING = 50_000  # probes kept in memory while the database cannot be written
USER_AGENT = f"duwang/{__version__} (+读网 government-portal quality monitor; availability watch)"

Clock = Callable[[], datetime]


class WatchError(DuwangError):
    pass


@dataclass
class Target:
    """One URL to probe, and the site it belongs to."""

    site: str
    url: str
    start_urls: list[str]  # the site's own: their addresses may be private
    allowed: list[str] = field(default_factory=list)  # allowed_addresses of the site
    aliases: list[str] = field(default_factory=list)

    def identity(self) -> str:
        netlocs = [netloc_key(u) for u in self.start_urls]
        return SiteIdentity(netlocs[0], netlocs, self.aliases)(url_key(self.url))

    def policy(self) -> AddressPolicy:
        """As the crawl: the site's own start-URL addresses (resolved now) and its
        allowed_addresses may be private; link-local and metadata addresses never."""
        return AddressPolicy([*self.allowed, *sorted(site_addresses(self.start_urls))])


def targets_from_urls(urls: list[str]) -> list[Target]:
    """Each URL on its own site, named by its host (as `duwang crawl URL` names it)."""
    from crawler.urls import BadURL, validate_start_url

    out = []
    for raw in urls:
        try:
            url = validate_start_url(raw)
        except BadURL as exc:
            raise WatchError(str(exc)) from None
        out.append(Target(default_site_name(url), url, [url]))
    return out


def targets_from_config(sites: list[SiteConfig]) -> list[Target]:
    """A config's sites: the first start URL (the home page), then its ``watch_urls``."""
    out = []
    for site in sites:
        urls = [site.start_urls[0], *site.watch_urls]
        for url in dict.fromkeys(urls):
            out.append(Target(site.name, url, site.start_urls, site.allowed_addresses, site.aliases))
    return out


def check_targets(targets: list[Target]) -> None:
    """Refuse, before the first round, a URL whose address no probe may reach."""
    from urllib.parse import urlsplit

    for target in targets:
        policy = target.policy()
        host = urlsplit(target.url).hostname or ""
        reason = policy.refuses_host(host)
        if reason is None:
            for address in site_addresses([target.url]):
                reason = policy.refuses(address)
                if reason:
                    break
        if reason:
            raise WatchError(f"{target.site}: {target.url}: address refused ({reason}); a private "
                             "address must be the site's own or in its allowed_addresses")


def probe(target: Target, timeout: float, clock: Clock) -> av.Probe:
    """One visit: a GET with a total deadline of ``timeout``. Slow: not open in time."""
    at = clock()
    started = time.monotonic()
    got = fetch(target.url, "GET", timeout, MAX_BODY, target.policy(), USER_AGENT)
    elapsed = time.monotonic() - started
    if not got.answered:
        result = av.SLOW if got.error == "timeout" else av.FAILED
        return av.Probe(target.site, target.url, at, result, elapsed, None, got.error)
    if got.status >= 400:
        return av.Probe(target.site, target.url, at, av.FAILED, elapsed, got.status, f"HTTP {got.status}")
    if elapsed >= timeout:
        return av.Probe(target.site, target.url, at, av.SLOW, elapsed, got.status, "timeout")
    return av.Probe(target.site, target.url, at, av.OK, elapsed, got.status)


@dataclass
class Round:
    at: datetime
    probes: list[av.Probe]
    changes: list[av.Change]
    judged: list[av.Figures]
    written: bool = True


class Watcher:
    """Rounds of probes on one database. ``clock`` gives each probe's time (tests pass their
    own, so a week of probes takes seconds); ``stop`` ends a round early, unrecorded."""

    def __init__(self, db: Database, targets: list[Target], *, timeout: float = DEFAULT_TIMEOUT,
                 rule: av.Rule | None = None, clock: Clock | None = None,
                 stop: threading.Event | None = None) -> None:
        self.db, self.targets, self.timeout = db, targets, timeout
        self.rule = rule or av.Rule()
        self.clock = clock or (lambda: datetime.now().astimezone())
        self.stop = stop or threading.Event()
        self.pending: list[av.Probe] = []
        self._ident = {(t.site, t.url): t.identity() for t in targets}
        av.save_rule(db, self.rule)

    def round(self) -> Round | None:
        """Probe every target once, record, judge. None when stopped before the round ended."""
        results: queue.Queue[av.Probe] = queue.Queue()
        for target in self.targets:
            # Daemon threads: a stop does not wait for a probe still running.
            threading.Thread(target=lambda t=target: results.put(probe(t, self.timeout, self.clock)),
                             daemon=True, name=f"probe {target.url}").start()
        done: list[av.Probe] = []
        while len(done) < len(self.targets):
            if self.stop.is_set():
                return None
            with contextlib.suppress(queue.Empty):
                done.append(results.get(timeout=0.1))
        order = {(t.site, t.url): i for i, t in enumerate(self.targets)}
        done.sort(key=lambda p: order[(p.site, p.url)])
        at = max(p.at for p in done) if done else self.clock()
        self.pending.extend(done)
        try:
            changes, judged = self._write(at)
        except sqlite3.OperationalError:
            # Locked by a crawl's end of run for too long, or the disk is full: keep the
            # probes and write them with the next round.
            del self.pending[:-MAX_PENDING]
            raise
        return Round(at, done, changes, judged)

    def _write(self, at: datetime) -> tuple[list[av.Change], list[av.Figures]]:
        from crawler.store.db import transaction

        with transaction(self.db):
            av.record_probes(self.db, self.pending)
            av.prune(self.db, at, self.rule.keep_days)
        self.pending.clear()
        judged = []
        for target in self.targets:
            fig = av.figures(self.db, target.site, target.url, at, self.rule)
            bad = av.last_bad_probe(self.db, target.site, target.url)
            judged.append((fig, self._ident[(target.site, target.url)], bad))
        changes = av.apply_lifecycle(self.db, judged, at)
        return changes, [j[0] for j in judged]


@contextlib.contextmanager
def watch_lock(db_path: str) -> Iterator[None]:
    """One watch per database: two would count every visit twice."""
    path = Path(f"{os.path.realpath(db_path)}.watch.lock")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise WatchError(f"cannot create lock file {path}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise WatchError(f"another duwang watch (pid {holder}) is using {db_path}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM (systemd) and SIGINT (Ctrl-C) set ``stop`` instead of killing the process."""
    handler = lambda signum, frame: stop.set()  # noqa: E731
    old = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, previous in old.items():
            signal.signal(sig, previous)


def check_number(name: str, value: float, unit: str) -> float:
    if not math.isfinite(value) or value <= 0:
        raise WatchError(f"{name} must be a positive number of {unit}, got {value:g}")
    return value


def run(watcher: Watcher, *, interval: float, once: bool, out: TextIO, log: TextIO) -> int:
    """Rounds every ``interval`` minutes until stopped (or one round with ``once``).

    ``once`` prints each URL's state and figures; otherwise each round logs only what was not ok
    and what changed. Returns the number of rounds recorded.
    """
    rounds = 0
    next_at = time.monotonic()
    while not watcher.stop.is_set():
        try:
            result = watcher.round()
        except sqlite3.OperationalError as exc:
            if once:
                raise
            print(f"{_stamp()} database busy or unwritable, {len(watcher.pending)} probes kept for "
                  f"the next round: {exc}", file=log, flush=True)
            result = None
        if result is not None:
            rounds += 1
            (_print_table if once else _log_round)(result, out)
        if once:
            break
        next_at += interval * 60
        now = time.monotonic()
        if next_at < now:  # a round overran: skip the slots it missed
            next_at = now + interval * 60 - ((now - next_at) % (interval * 60))
        watcher.stop.wait(next_at - now)
    return rounds


def _stamp() -> str:
    from crawler.localtime import now

    return now().strftime("%Y-%m-%d %H:%M:%S")


_ACTIONS = {"opened": "opened", "escalated": "now at the veto line", "eased": "back under the veto line",
            "rectified": "rectified (已整改)", "reopened": "reopened"}


def _log_round(result: Round, out: TextIO) -> None:
    stamp = _stamp()
    for p in result.probes:
        if p.result != av.OK:
            print(f"{stamp} {p.site} {p.url}: {p.result} ({av.RESULT_LABELS[p.result]}) after "
                  f"{p.elapsed:.1f} s: {p.error}", file=out)
    for c in result.changes:
        print(f"{stamp} {c.site} {c.url}: finding #{c.finding_id} {_ACTIONS[c.action]}: "
              f"{c.figures.label}, {c.figures.sentence()}", file=out)
    out.flush()


def _print_table(result: Round, out: TextIO) -> None:
    """`--once`: the round and each URL's state, in Chinese (what staff read)."""
    from crawler.labels import recheck_detail_label

    probes = {(p.site, p.url): p for p in result.probes}
    for fig in result.judged:
        p = probes[(fig.site, fig.url)]
        why = f"（{recheck_detail_label(p.error)}）" if p.error and p.result != av.SLOW else ""
        now_text = f"{av.RESULT_LABELS[p.result]} {p.elapsed:.2f} 秒{why}"
        print(f"{fig.site}  {fig.url}\n  本次：{now_text}\n  状态：{fig.label}；{fig.sentence()}", file=out)
    for c in result.changes:
        word = {"opened": "新发现", "escalated": "升级为单项否决", "eased": "降为预警",
                "rectified": "机器确认已整改", "reopened": "重新打开"}[c.action]
        print(f"问题 #{c.finding_id}（网站无法访问）{word}：{c.url}", file=out)
    out.flush()
