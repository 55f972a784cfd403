"""Registrable domains (the part of a host name an organisation registers), by the Public
Suffix List. No Scrapy here.

tldextract (a dependency of Scrapy) is used with the list snapshot bundled in its package
and never fetches a newer one: duwang makes no request the site did not give it. Private
suffixes (github.io ...) count as public ones, since two users' pages there are two owners.
"""

from __future__ import annotations

import functools

import tldextract

_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


@functools.lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """example.gov.cn for www.a.example.gov.cn; an address, or a name under no known
    suffix (localhost), is its own domain. ``host`` may carry a port."""
    host = host.strip().lower().rstrip(".")
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    parts = _EXTRACT(host)
    if parts.domain and parts.suffix:
        return f"{parts.domain}.{parts.suffix}"
    return host


def under(host: str, domains: tuple[str, ...] | frozenset[str]) -> bool:
    """True when ``host`` (no port) is one of ``domains`` or a subdomain of one."""
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in domains)
