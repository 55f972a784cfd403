"""Hijacked external links (外链被劫持, kind ``external_changed``): a baseline per external host.

An external site a portal links to can expire and be re-registered by a gambling or porn
site, or end up for sale; the portal then "links to" such content, which the national rules
treat as a veto item. Each run fetches the home page of every external host the site links
to once (``scheme://host/``) and keeps what it showed: where it redirects, its title, its
ICP number when it shows one. The first answer is the host's baseline. A host is flagged:

- ``host_gone``: it resolved before and no longer does (the domain may have expired);
- ``redirect_away``: it now redirects to another registrable domain (Public Suffix List,
  crawler/domains.py) than its own and than where it redirected in the baseline;
- ``parked``: its home page is a parking page (域名出售, this domain is for sale ...);
- ``sensitive_content``: its home page now matches the sensitive list.

The probe is read on the check worker (``read_host``); the findings are made at the end of
a run (crawler/store/external.py). No Scrapy here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crawler.domains import registrable_domain
from crawler.textcheck.codes import SENSITIVE

if TYPE_CHECKING:
    from crawler.textcheck.extract import PageText
    from crawler.textcheck.hits import Hit

KIND = "external_changed"
HOST_GONE, REDIRECT_AWAY = "host_gone", "redirect_away"
PARKED, SENSITIVE_CONTENT = "parked", "sensitive_content"
KIND_LABELS = {KIND: "外链异常"}
CATEGORY_LABELS = {
    HOST_GONE: "外部域名已无法解析（可能已过期）",
    REDIRECT_AWAY: "外部网站跳转到其他域名",
    PARKED: "外部域名停放或待售",
    SENSITIVE_CONTENT: "外部网站出现敏感内容",
}
SEVERITY = {HOST_GONE: "general", REDIRECT_AWAY: "general", PARKED: "general", SENSITIVE_CONTENT: "serious"}
SUGGESTION = "核实该外部网站，删除或更换链接"
PROBE_MAX_BYTES = 512 * 1024  # of a host's home page

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
ICP_RE = re.compile(f"[{_PROVINCES}]ICP[备证]\\s*[0-9]{{6,10}}\\s*号(?:-[0-9]+)?")
PARKING_RE = re.compile(
    r"域名(?:正在|现已|已)?(?:出售|转让|待售|停放|寄售)|(?:出售|转让)(?:此|该|本)域名|"
    r"domain(?:\s+name)?\s+(?:is\s+)?(?:for\s+sale|available\s+for\s+purchase)|buy\s+this\s+domain|"
    r"domain\s+parking|parked\s+(?:free|domain|by)",
    re.I,
)


@dataclass
class HostSeen:
    """What one probe of an external host's home page showed."""

    host: str  # netloc_key: host[:port]
    url: str  # the URL probed
    resolved: bool  # False only when its name does not resolve (dns)
    answered: bool = False  # an HTTP answer came
    http_status: int | None = None
    final_url: str = ""  # after redirects
    title: str = ""
    icp: str = ""
    parked: bool = False
    sensitive: list[str] = field(default_factory=list)  # sensitive-list words on the page
    error: str = ""  # the link category when no answer came (dns, refused, timeout ...)

    @property
    def final_domain(self) -> str:
        from crawler.urls import netloc_key

        return registrable_domain(netloc_key(self.final_url)) if self.final_url else ""


def read_host(seen: HostSeen, page: PageText | None, hits: list[Hit]) -> HostSeen:
    """Fill in what the host's home page shows (its text read by the text checks)."""
    if page is None:
        return seen
    fields = dict(page.fields)
    text = "\n".join(fields.values())
    seen.title = fields.get("title", "")[:200]
    if m := ICP_RE.search(text):
        seen.icp = re.sub(r"\s+", "", m.group())
    seen.parked = bool(PARKING_RE.search(text))
    seen.sensitive = list(dict.fromkeys(h.text for h in hits if h.category == SENSITIVE))[:10]
    return seen


def changes(host: str, base: dict | None, now: dict) -> list[tuple[str, str]]:
    """(category, what changed, in Chinese) for a host's probe of this run (`now`) against
    its baseline (`base`, None when this is its first). Rows as stored (store/external.py)."""
    found = []
    earlier = base is not None
    if earlier and base["base_resolved"] and not now["resolved"]:
        found.append((HOST_GONE, f"{host} 原可访问（标题「{base['base_title'] or '无'}」），现域名无法解析"))
    own = registrable_domain(host)
    final = now["final_domain"] or own
    if (earlier and now["answered"] and final not in (own, base["base_final_domain"] or own)):
        found.append((REDIRECT_AWAY, f"{host} 现跳转到 {now['final_url']}（原{_where(base, own)}）"))
    if now["parked"]:
        found.append((PARKED, f"{host} 首页为域名停放或出售页面（标题「{now['title'] or '无'}」）"))
    if now["sensitive"]:
        found.append((SENSITIVE_CONTENT, f"{host} 首页含敏感词「{'、'.join(now['sensitive'])}」"
                                         f"（标题「{now['title'] or '无'}」）"))
    return found


def _where(base: dict, own: str) -> str:
    domain = base["base_final_domain"] or own
    return "不跳转" if domain == own else f"跳转到 {domain}"
