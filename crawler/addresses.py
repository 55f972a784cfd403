"""Which network addresses duwang may request (no Scrapy here: the crawl and recheck share it).

A crawled page is hostile input: a link, or a redirect, to an address inside the network
duwang runs in would make it a tool for reaching what the public cannot. So:

- link-local addresses (169.254.0.0/16, fe80::/10) and the cloud metadata hosts
  (169.254.169.254, Alibaba Cloud's 100.100.100.200, fd00:ec2::254, metadata.google.internal,
  metadata.tencentyun.com ...) are never requested, not even as a start URL;
- other private, loopback and reserved addresses are requested only when they are the
  site's own (a start URL's host resolves there) or configured (``allowed_addresses``).

A refused link is a finding of its own, category ``blocked_address``: a visitor cannot
follow it either.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

BLOCKED_ADDRESS = "blocked_address"
MARKER = "duwang: address refused"  # in messages, so the verdict survives Twisted's wrapping

METADATA_HOSTS = frozenset({
    "metadata", "metadata.google.internal", "metadata.goog", "metadata.tencentyun.com",
    "instance-data", "instance-data.ec2.internal",
})
_ALWAYS_BLOCKED = tuple(ipaddress.ip_network(n) for n in (
    "169.254.0.0/16", "fe80::/10", "100.100.100.200/32", "fd00:ec2::254/128", "0.0.0.0/8",
))

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# Host names the crawl's resolver refused, with why: Twisted reports a refused lookup as
# "no results", so the verdict looks the name up here.
REFUSED_NAMES: dict[str, str] = {}


class AddressPolicy:
    def __init__(self, allowed: Iterable[str] = ()) -> None:
        """``allowed``: addresses or networks (CIDR) that may be requested though private."""
        self.allowed: tuple[Network, ...] = tuple(ipaddress.ip_network(a, strict=False) for a in allowed)

    def allow(self, addresses: Iterable[str]) -> None:
        """Also allow these addresses or networks (a site's own, a config's)."""
        self.allowed += tuple(ipaddress.ip_network(a, strict=False) for a in addresses)

    def refuses_host(self, host: str) -> str | None:
        """Why a URL host (a name or an address literal) is refused before any lookup."""
        host = host.strip("[]").rstrip(".").lower()
        if host in METADATA_HOSTS:
            return f"{host} is a cloud metadata host"
        try:
            address = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return None  # a name: judged by the address it resolves to
        return self.refuses(address)

    def refuses(self, address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
        """Why the address is refused, or None."""
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if any(ip in net for net in _ALWAYS_BLOCKED):
            return f"{ip} is a link-local or metadata address"
        if ip.is_global or any(ip in net for net in self.allowed):
            return None
        return f"{ip} is a private or reserved address, not the site's own"


def site_addresses(urls: Iterable[str]) -> set[str]:
    """The addresses the hosts of ``urls`` resolve to now: a site's own, even if private."""
    found: set[str] = set()
    for url in urls:
        host = urlsplit(url).hostname
        if not host:
            continue
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError):
            continue
        found.update(str(info[4][0]).split("%", 1)[0] for info in infos)
    return found
