"""Our settings (DUWANG_*), parsed once into a validated dataclass."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from scrapy.settings import BaseSettings

from crawler.errors import DuwangError
from crawler.inspection.policy import WARN_DAYS, ColumnRule, Policy, PolicyError, rules_from
from crawler.outcomes import DEFAULT_PLACEHOLDER_PATTERNS, DEFAULT_SOFT404_PATTERNS
from crawler.store.sites import TEMPLATE_OWNER


class ConfigError(DuwangError, ValueError):
    """A setting with a value we cannot use; the message names the setting."""


@dataclass(frozen=True)
class CrawlConfig:
    db_path: str
    site: str
    extra_hosts: tuple[str, ...]
    aliases: tuple[str, ...]
    min_pages_ratio: float
    placeholder_patterns: tuple[re.Pattern[str], ...]
    max_pages: int
    max_depth: int
    max_url_length: int
    max_query_variants: int
    soft404_patterns: tuple[str, ...]
    retry_after_max: float
    backoff_base: float
    wordlists: tuple[str, ...]
    columns: dict[str, str]
    departments: dict[str, str]
    exclude: tuple[re.Pattern[str], ...]
    external_cache_days: float
    inspection: bool = True  # DUWANG_INSPECTION_ENABLED: page facts and the veto-item checks
    column_rules: tuple[ColumnRule, ...] = ()  # DUWANG_COLUMN_RULES ([[site.column]])
    warn_days: int = WARN_DAYS  # DUWANG_WARN_DAYS
    today: dt.date | None = None  # DUWANG_TODAY: a fixed date for tests and the demo
    page_standard: bool | None = None  # DUWANG_PAGE_STANDARD: auto (None), on, off
    template_owner: str = TEMPLATE_OWNER  # DUWANG_TEMPLATE_OWNER: 责任单位 of 公共区域 findings
    attachments: bool = True  # DUWANG_ATTACHMENTS_ENABLED: read internal attachments' text
    attachment_max_bytes: int = 20 * 1024 * 1024  # DUWANG_ATTACHMENT_MAX_MB, in bytes
    attachment_time_limit: float = 20.0  # DUWANG_ATTACHMENT_TIME_LIMIT: seconds per file
    hidden_links: bool = True  # DUWANG_HIDDEN_LINKS_ENABLED: 暗链 on every page
    hidden_link_allow: tuple[str, ...] = ()  # DUWANG_HIDDEN_LINK_ALLOW: domains, besides gov.cn
    cloaking: bool = True  # DUWANG_CLOAKING_ENABLED: the home page again as Baiduspider
    external_hosts: bool = True  # DUWANG_EXTERNAL_HOSTS_ENABLED: probe each external host

    def policy(self) -> Policy:
        """What the inspection checks need (crawler/inspection/)."""
        return Policy(self.column_rules, dict(self.columns), self.warn_days, self.today, self.page_standard)

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> CrawlConfig:
        def positive(name: str, default: int) -> int:
            try:
                value = settings.getint(name, default)
            except ValueError:
                raise ConfigError(f"{name} must be an integer, got {settings.get(name)!r}") from None
            if value <= 0:
                raise ConfigError(f"{name} must be positive, got {value}")
            return value

        def number(name: str, default: float) -> float:
            try:
                value = settings.getfloat(name, default)
            except ValueError:
                raise ConfigError(f"{name} must be a number, got {settings.get(name)!r}") from None
            if value < 0:
                raise ConfigError(f"{name} must not be negative, got {value}")
            return value

        def ratio(name: str, default: float) -> float:
            value = number(name, default)
            if value > 1:
                raise ConfigError(f"{name} must be between 0 and 1, got {value}")
            return value

        patterns = tuple(settings.getlist("DUWANG_SOFT404_PATTERNS") or DEFAULT_SOFT404_PATTERNS)
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ConfigError(f"DUWANG_SOFT404_PATTERNS: bad pattern {pattern!r}: {exc}") from None
        try:
            rules = rules_from(settings.getlist("DUWANG_COLUMN_RULES"))
        except PolicyError as exc:
            raise ConfigError(f"DUWANG_COLUMN_RULES: {exc}") from None
        today = settings.get("DUWANG_TODAY") or None
        if today is not None:
            try:
                today = dt.date.fromisoformat(str(today).strip())
            except ValueError:
                raise ConfigError(f"DUWANG_TODAY must be a date like 2024-03-25, got {today!r}") from None
        warn_days = number("DUWANG_WARN_DAYS", WARN_DAYS)
        if warn_days != int(warn_days):
            raise ConfigError(f"DUWANG_WARN_DAYS must be a whole number of days, got {warn_days}")
        standard = str(settings.get("DUWANG_PAGE_STANDARD", "auto")).strip().lower()
        if standard not in ("auto", "true", "false", "1", "0", "on", "off"):
            raise ConfigError(f"DUWANG_PAGE_STANDARD must be auto, true or false, got {standard!r}")
        max_mb = number("DUWANG_ATTACHMENT_MAX_MB", 20.0)
        if max_mb <= 0:
            raise ConfigError(f"DUWANG_ATTACHMENT_MAX_MB must be positive, got {max_mb}")
        allow = tuple(d.strip().lower().strip(".") for d in settings.getlist("DUWANG_HIDDEN_LINK_ALLOW"))
        for domain in allow:
            if not domain or "/" in domain or " " in domain:
                raise ConfigError(f"DUWANG_HIDDEN_LINK_ALLOW: {domain!r} is not a host or domain name")
        return cls(
            attachments=settings.getbool("DUWANG_ATTACHMENTS_ENABLED", True),
            attachment_max_bytes=int(max_mb * 1024 * 1024),
            attachment_time_limit=number("DUWANG_ATTACHMENT_TIME_LIMIT", 20.0) or 20.0,
            hidden_links=settings.getbool("DUWANG_HIDDEN_LINKS_ENABLED", True),
            hidden_link_allow=allow,
            cloaking=settings.getbool("DUWANG_CLOAKING_ENABLED", True),
            external_hosts=settings.getbool("DUWANG_EXTERNAL_HOSTS_ENABLED", True),
            page_standard=None if standard == "auto" else standard in ("true", "1", "on"),
            inspection=settings.getbool("DUWANG_INSPECTION_ENABLED", True),
            column_rules=rules,
            warn_days=int(warn_days),
            today=today,
            db_path=settings.get("DUWANG_DB") or "duwang.db",
            site=settings.get("DUWANG_SITE") or "",
            extra_hosts=tuple(h.lower() for h in settings.getlist("DUWANG_EXTRA_HOSTS")),
            aliases=tuple(h.lower() for h in settings.getlist("DUWANG_ALIASES")),
            min_pages_ratio=ratio("DUWANG_MIN_PAGES_RATIO", 0.5),
            placeholder_patterns=tuple(
                _patterns(settings, "DUWANG_PLACEHOLDER_PATTERNS")
                or [re.compile(p) for p in DEFAULT_PLACEHOLDER_PATTERNS]
            ),
            max_pages=positive("DUWANG_MAX_PAGES", 50_000),
            max_depth=positive("DUWANG_MAX_DEPTH", 100),
            max_url_length=positive("DUWANG_MAX_URL_LENGTH", 1024),
            max_query_variants=positive("DUWANG_MAX_QUERY_VARIANTS", 200),
            soft404_patterns=patterns,
            retry_after_max=number("DUWANG_RETRY_AFTER_MAX", 60.0),
            backoff_base=number("DUWANG_BACKOFF_BASE", 1.0),
            wordlists=tuple(settings.getlist("DUWANG_WORDLISTS")),
            exclude=tuple(_patterns(settings, "DUWANG_EXCLUDE")),
            external_cache_days=number("DUWANG_EXTERNAL_CACHE_DAYS", 7.0),
            columns=dict(settings.getdict("DUWANG_COLUMNS")),
            departments=dict(settings.getdict("DUWANG_DEPARTMENTS")),
            template_owner=str(settings.get("DUWANG_TEMPLATE_OWNER") or "").strip() or TEMPLATE_OWNER,
        )


def _patterns(settings: BaseSettings, name: str) -> list[re.Pattern[str]]:
    out = []
    for pattern in settings.getlist(name):
        try:
            out.append(re.compile(pattern))
        except re.error as exc:
            raise ConfigError(f"{name}: bad pattern {pattern!r}: {exc}") from None
    return out
