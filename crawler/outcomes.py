"""What a link check means: stable category codes and the rules that pick them.

Filters, reports and allowlists key on the code; users see the Chinese label.
No Scrapy import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

OK = "ok"
DEAD = "dead"
UNVERIFIED = "unverified"
# An href no browser can follow: no URL at all, no host, a file: path, a redirect off http(s).
INVALID_URL = "invalid_url"

# code -> Chinese label. Dead categories first, then unverified ones.
CATEGORY_LABELS: dict[str, str] = {
    "http_4xx": "客户端错误(4xx)",
    "http_5xx": "服务器错误(5xx)",
    "soft_404": "软404(页面提示不存在)",
    "redirect_loop": "重定向循环",
    "too_many_redirects": "重定向次数过多",
    "timeout": "访问超时",
    "dns": "域名无法解析",
    "blocked_address": "内网或保留地址（不予访问）",
    "refused": "连接被拒绝",
    "reset": "连接被重置",
    "tls": "TLS/SSL 握手失败",
    "error": "其他访问错误",
    INVALID_URL: "链接地址无效",
    "rate_limited": "访问频率受限(待核实)",
    "blocked": "被防火墙拦截(待核实)",
    "too_large": "文件过大未下载(待核实)",
}

DEFAULT_SOFT404_PATTERNS: tuple[str, ...] = (
    r"页面不存在",
    r"页面(已)?(被)?删除",
    r"您(所)?访问的页面不存在",
    r"找不到(该|此|您要访问的)?页面",
    r"页面未找到",
    r"文章不存在",
    r"^\s*404\b",
    r"\b404\s*(错误|error|not\s*found|页面)",
    r"\bnot\s+found\b",
)

# A start page that says the site is down for maintenance or not built yet: a run that
# reads it has not seen the site (searched in its title, first heading and, when the page
# is short, its visible text).
DEFAULT_PLACEHOLDER_PATTERNS: tuple[str, ...] = (
    r"(系统|网站|站点|平台)(正在)?(维护|升级)",
    r"(维护|升级)(中|期间)",
    r"暂停(访问|服务)",
    r"(网站|站点)(正在)?建设中",
    r"敬请期待",
    r"under\s+(maintenance|construction)",
    r"coming\s+soon",
)

# Markers of web application firewalls and bot walls common on Chinese government sites.
_WAF_HEADERS = ("x-waf", "x-safe", "x-powered-by-anquanbao", "x-cdn-waf", "cf-ray", "x-yd-waf")
_WAF_SERVER = re.compile(r"waf|safedog|yunsuo|anquanbao|jiasule|cloudflare|wangzhan", re.I)
_WAF_BODY = re.compile(
    r"访问被拦截|访问已被拦截|拦截|安全狗|云锁|网站防火墙|防火墙|waf|请求被阻断|验证码|captcha|"
    r"access denied by|security policy",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: str  # ok | dead | unverified
    category: str | None = None
    detail: str = ""


class Soft404:
    """Title/heading patterns that say a 200 page does not exist."""

    def __init__(self, patterns: Iterable[str] = DEFAULT_SOFT404_PATTERNS):
        self.patterns = tuple(patterns)
        self._re = re.compile("|".join(f"(?:{p})" for p in self.patterns), re.I)

    def match(self, title: str, heading: str = "") -> str | None:
        for text in (title, heading):
            if text and (m := self._re.search(text)):
                return m.group(0).strip()
        return None


def looks_like_waf(headers: Mapping[str, str], body_start: str = "") -> bool:
    """True when a 403 comes from bot protection rather than the page itself."""
    lower = {k.lower(): v for k, v in headers.items()}
    if any(h in lower for h in _WAF_HEADERS):
        return True
    if _WAF_SERVER.search(lower.get("server", "")):
        return True
    return bool(body_start and _WAF_BODY.search(body_start[:4000]))


def classify_status(
    status: int, headers: Mapping[str, str], body_start: str = "", internal: bool = True
) -> Verdict:
    """Verdict for a final HTTP status (after redirects and retries)."""
    if status < 400:
        return Verdict(OK)
    detail = f"HTTP {status}"
    lower = {k.lower() for k in headers}
    if status == 429 or (status == 503 and "retry-after" in lower):
        # "Come back later" (too many requests, or down for maintenance) is no verdict.
        return Verdict(UNVERIFIED, "rate_limited", detail)
    if status == 403 and (not internal or looks_like_waf(headers, body_start)):
        # Outside our own site we cannot tell a bot wall from a real refusal.
        return Verdict(UNVERIFIED, "blocked", detail)
    return Verdict(DEAD, "http_4xx" if status < 500 else "http_5xx", detail)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
