"""Warm a process that forks site crawls: what every crawl loads, loaded once.

A site process used to spend seconds before its first request: starting Python, importing
Scrapy, Twisted and the spider, and building the text checker (jieba's dictionary, the
near-miss and suspect tables). ``crawl --workers N`` and ``duwang worker`` call
:func:`preload` once and fork each site's process from the warm one, which then starts
crawling at once.

What must not happen here is installing a Twisted reactor: each forked child installs its
own (AsyncCrawlerProcess does, in the child), and a reactor cannot be restarted. Only
modules are imported and only pure-Python tables are built; :func:`preload` checks that no
reactor was installed on the way.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterable

from crawler.errors import DuwangError

# Component settings whose classes Scrapy imports by path when a crawl starts.
_COMPONENT_DICTS = ("DOWNLOADER_MIDDLEWARES_BASE", "SPIDER_MIDDLEWARES_BASE", "EXTENSIONS_BASE",
                    "ITEM_PIPELINES")
_COMPONENTS = ("SCHEDULER", "SCHEDULER_MEMORY_QUEUE", "SCHEDULER_DISK_QUEUE", "SCHEDULER_PRIORITY_QUEUE",
               "STATS_CLASS", "TWISTED_DNS_RESOLVER", "DUPEFILTER_CLASS", "DOWNLOADER",
               "REQUEST_FINGERPRINTER_CLASS", "DOWNLOADER_CLIENTCONTEXTFACTORY", "LOG_FORMATTER")
_HANDLERS = ("http", "https", "data", "file")  # the download handlers a portal crawl uses

preloaded = False  # this process (or the one it was forked from) ran preload()


class PreloadError(DuwangError):
    """Preloading would have broken the forked crawls (a reactor got installed)."""


def preload(wordlist_sets: Iterable[list[str]] = ((),), text_checks: bool = True) -> None:
    """Import what a site crawl imports and build a text checker for each wordlist set.

    Call it in the process that forks the crawls, before forking. ``wordlist_sets``: the
    sites' extra wordlist folders; a child checking its pages itself uses the checker built
    here, and one with other wordlists builds its own from the tables and jieba's dictionary
    loaded here, in a tenth of the time.
    """
    from scrapy.settings import Settings
    from scrapy.utils.misc import load_object

    import crawler.distributed.sitecrawl  # noqa: F401 - Scrapy, the spider, the pipeline

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    paths = [p for key in _COMPONENT_DICTS for p, order in settings.getdict(key).items() if order is not None]
    paths += [settings[key] for key in _COMPONENTS if isinstance(settings.get(key), str)]
    handlers = settings.getdict("DOWNLOAD_HANDLERS_BASE")
    paths += [handlers[s] for s in _HANDLERS if isinstance(handlers.get(s), str)]
    for path in paths:
        if "." in path:  # a dotted path, not a placeholder value
            load_object(path)
    if text_checks:
        from crawler.textcheck.pool import checker_for

        for dirs in {tuple(d) for d in wordlist_sets}:
            checker = checker_for(dirs)  # kept: a forked crawl checks with this very checker
            checker.tokenizer  # noqa: B018 - jieba's dictionary, loaded now
            checker.check_text("预热")
    if "twisted.internet.reactor" in sys.modules:
        raise PreloadError("preloading installed a Twisted reactor; the forked crawls could not "
                           "start their own (a bug: report it)")
    # What is loaded now is never garbage: keep the collector off it, so the children's
    # collections do not touch (and copy) the pages they share with this process.
    gc.collect()
    gc.freeze()
    global preloaded
    preloaded = True
