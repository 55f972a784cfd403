"""Which sites are crawled one after another: politeness across sites and processes.

A server should never see two of our crawls at once. Two sites share a server when they
share a host (a start URL's host or an ``extra_hosts`` entry), or when the config says so:
sites with the same ``group`` (sites of one server under different host names). Each set
of such sites, joined transitively, is a *lane*. A lane's sites are crawled one after
another, in config order, each with its own run; lanes run side by side: in one process
with ``--workers 1``, as one process (one job) each with ``--workers N`` and ``--queue``.

No Scrapy import.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from crawler.urls import netloc_key


class _Site(Protocol):
    start_urls: list[str]
    extra_hosts: list[str]
    group: str | None


def site_hosts(site: _Site) -> set[str]:
    """The hosts a site's crawl requests pages from (host:port, lower case)."""
    return {netloc_key(u) for u in site.start_urls} | {h.lower() for h in site.extra_hosts}


def lanes(sites: Sequence[_Site]) -> list[list[int]]:
    """The sites' indexes, by lane: each lane in config order, lanes by their first site."""
    parent = list(range(len(sites)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(a: int, b: int) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    first: dict[str, int] = {}  # the first site naming each host, and each group ("group:" key)
    for i, site in enumerate(sites):
        keys = site_hosts(site) | ({f"group:{site.group}"} if site.group else set())
        for key in keys:
            join(first.setdefault(key, i), i)
    out: dict[int, list[int]] = {}
    for i in range(len(sites)):
        out.setdefault(root(i), []).append(i)
    return list(out.values())
