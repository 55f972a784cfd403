"""The TOML config file: one [[site]] table per portal, plus shared [defaults].

Parsed once into validated dataclasses; every error names the file, the line and the key.
No Scrapy import. The format is documented field by field in README "Config file" and
shown in duwang.example.toml.
"""

from __future__ import annotations

import ipaddress
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.errors import DuwangError
from crawler.inspection.policy import ColumnRule, PolicyError, read_type
from crawler.inspection.weights import ScorecardError, Weights
from crawler.urls import BadURL, validate_start_url


class ConfigFileError(DuwangError):
    """A config file we cannot use; the message starts with file:line."""


@dataclass
class SiteConfig:
    name: str
    start_urls: list[str]
    extra_hosts: list[str] = field(default_factory=list)
    allowed_addresses: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)  # hosts that are this site too (an old domain)
    exclude: list[str] = field(default_factory=list)  # regexes searched in each URL
    columns: dict[str, str] = field(default_factory=dict)  # URL prefix -> 栏目
    departments: dict[str, str] = field(default_factory=dict)  # URL prefix -> 责任单位
    timeout: float | None = None
    concurrency: int | None = None
    max_pages: int | None = None
    soft404_patterns: list[str] = field(default_factory=list)
    wordlists: list[str] = field(default_factory=list)
    webhook: str | None = None
    webhook_style: str = "text"
    external_cache_days: float | None = None
    watch_urls: list[str] = field(default_factory=list)  # key pages `duwang watch` probes too
    column_rules: list[ColumnRule] = field(default_factory=list)  # [[site.column]]
    warn_days: int | None = None  # days before a column's line that it is warned about
    page_standard: bool | None = None  # judge page tags and footer; None: when the site shows them
    template_owner: str | None = None  # 责任单位 of template (公共区域) findings; None: 网站管理单位
    attachment_max_mb: float | None = None  # larger attachments are not read; None: 20
    hidden_link_allow: list[str] = field(default_factory=list)  # domains whose links may be hidden
    group: str | None = None  # sites of one server: crawled one after another, as one job


@dataclass
class Config:
    path: Path
    db: str | None
    log_file: str | None
    sites: list[SiteConfig]
    scorecard: Weights = field(default_factory=Weights)  # [scorecard]: points per deduction item

    def select(self, name: str | None) -> list[SiteConfig]:
        if name is None:
            return self.sites
        chosen = [s for s in self.sites if s.name == name]
        if not chosen:
            known = ", ".join(s.name for s in self.sites)
            raise ConfigFileError(f"{self.path}: no site named {name!r} (sites: {known})")
        return chosen


# key -> (type check, description) for site tables; [defaults] may hold any site key but name/start_urls.
_SITE_KEYS: dict[str, str] = {
    "name": "text",
    "start_urls": "list of URLs",
    "extra_hosts": "list of host names",
    "allowed_addresses": "list of private addresses or CIDR networks",
    "aliases": "list of host names",
    "exclude": "list of regular expressions",
    "columns": "table of URL prefix = 栏目",
    "departments": "table of URL prefix = 责任单位",
    "timeout": "positive number of seconds",
    "concurrency": "positive integer",
    "max_pages": "positive integer",
    "soft404_patterns": "list of regular expressions",
    "wordlists": "list of folders",
    "webhook": "http(s) URL",
    "webhook_style": "one of text, wecom, dingtalk, json",
    "external_cache_days": "number of days (0 turns the cache off)",
    "template_owner": "non-empty text: the 责任单位 of template (公共区域) findings (default 网站管理单位)",
    "attachment_max_mb": "positive number of megabytes (default 20): larger attachments are not read",
    "hidden_link_allow": "list of domains whose links a page may hide (besides gov.cn and conac.cn)",
    "watch_urls": "list of URLs",
    "column": "array of tables [[site.column]] with prefix, name, type, window_days",
    "warn_days": "whole number of days (0 or more)",
    "page_standard": "true or false (default: judged when the home page shows a page tag or 网站标识码)",
    "group": "non-empty text: sites of one server share it, and are crawled one after another",
}
_COLUMN_KEYS = {"prefix": "URL prefix", "name": "text", "type": "column type",
                "window_days": "positive whole number of days"}
_TOP_KEYS = {"db", "log_file", "defaults", "site", "scorecard"}
_STYLES = ("text", "wecom", "dingtalk", "json")


class _Locator:
    """Find the line of a key in the TOML source, for messages (tomllib gives no positions)."""

    _HEADER = re.compile(r"^\s*\[(\[?)\s*([^\]]+?)\s*\]")

    def __init__(self, text: str):
        # For each line: (top-level table it belongs to, index of the [[site]] it is in).
        self.lines = text.splitlines()
        self.owner: list[tuple[str | None, int]] = []
        table, site_index = None, -1
        for line in self.lines:
            m = self._HEADER.match(line)
            if m:
                table = m.group(2).split(".")[0].strip().strip('"')
                if m.group(1) and m.group(2).strip() == "site":
                    site_index += 1
            self.owner.append((table, site_index if table == "site" else 0))

    def line_of(self, key: str, table: str | None = None, index: int = 0,
                sub: int | None = None) -> int | None:
        """The line of `key` in `table` (the index-th [[site]]); `sub`: in its sub-th
        [[site.column]], counted from 0."""
        pattern = re.compile(rf"^\s*(\"{re.escape(key)}\"|{re.escape(key)})\s*=")
        first = None
        column = -1
        for number, (line, owner) in enumerate(zip(self.lines, self.owner, strict=True), 1):
            if owner != (table, index if table == "site" else 0):
                continue
            header = self._HEADER.match(line)
            if sub is not None:
                if header:
                    if header.group(1) and header.group(2).replace(" ", "") == "site.column":
                        column += 1
                    if column == sub and first is None:
                        first = number
                    continue
                if column != sub:
                    continue
            first = first or number
            header = self._HEADER.match(line)
            if pattern.match(line) or (header and header.group(2).split(".")[-1].strip('" ') == key):
                return number
        return first


def load_config(path: str | Path) -> Config:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # Windows editors (记事本) write a BOM
    except FileNotFoundError:
        raise ConfigFileError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigFileError(f"{path}: cannot read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        where = f"{path}:{m.group(1)}" if m else str(path)
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ConfigFileError(f"{where}: not valid TOML: {reason}") from None
    loc = _Locator(text)

    def fail(key: str, reason: str, table: str | None = None, index: int = 0) -> ConfigFileError:
        sub = re.match(r"column\[(\d+)\]", key)
        line = loc.line_of(key.split(".")[-1], table, index, int(sub.group(1)) - 1 if sub else None)
        where = f"{path}:{line}" if line else str(path)
        label = f"site[{index + 1}].{key}" if table == "site" else (f"{table}.{key}" if table else key)
        return ConfigFileError(f"{where}: {label}: {reason}")

    for key in data:
        if key not in _TOP_KEYS:
            raise fail(key, f"unknown key (expected one of {', '.join(sorted(_TOP_KEYS))})")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise fail("defaults", "must be a table: [defaults]")
    for key in defaults:
        if key not in _SITE_KEYS or key in ("name", "start_urls", "group"):
            raise fail(key, "not allowed in [defaults]", "defaults")
    sites_raw = data.get("site")
    if not isinstance(sites_raw, list) or not sites_raw:
        raise ConfigFileError(f"{path}: no [[site]] table: add at least one site with name and start_urls")
    for key in ("db", "log_file"):
        if key in data and not isinstance(data[key], str):
            raise fail(key, "must be text (a file path)")

    sites: list[SiteConfig] = []
    for index, raw in enumerate(sites_raw):
        merged = {**defaults, **raw}
        for key in raw:
            if key not in _SITE_KEYS:
                raise fail(key, f"unknown key (known: {', '.join(_SITE_KEYS)})", "site", index)
        def site_fail(key: str, reason: str, i: int = index, own: dict = raw) -> ConfigFileError:
            # A value inherited from [defaults] is reported where it is written.
            root = re.split(r"[.\[]", key, maxsplit=1)[0]
            return fail(key, reason, "site", i) if root in own else fail(key, reason, "defaults")

        sites.append(_site(merged, site_fail, path.parent))
    names = [s.name for s in sites]
    for index, name in enumerate(names):
        if names.index(name) != index:
            raise fail("name", f"duplicate site name {name!r}", "site", index)
    scorecard = data.get("scorecard", {})
    if not isinstance(scorecard, dict):
        raise fail("scorecard", "must be a table: [scorecard]")
    try:
        weights = Weights.from_mapping(scorecard)
    except ScorecardError as exc:
        key, _, reason = str(exc).partition(": ")
        raise fail(key, reason, "scorecard") from None
    return Config(path=path, db=data.get("db"), log_file=data.get("log_file"), sites=sites,
                  scorecard=weights)


def _site(raw: dict[str, Any], fail, base: Path) -> SiteConfig:
    def text(key: str, required: bool = False) -> str | None:
        value = raw.get(key)
        if value is None:
            if required:
                raise fail(key, f"missing ({_SITE_KEYS[key]})")
            return None
        if not isinstance(value, str) or not value.strip():
            raise fail(key, f"must be {_SITE_KEYS[key]}")
        return value.strip()

    def strings(key: str) -> list[str]:
        value = raw.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise fail(key, f"must be a {_SITE_KEYS[key]}")
        return [v.strip() for v in value]

    def mapping(key: str) -> dict[str, str]:
        value = raw.get(key, {})
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise fail(key, f"must be a {_SITE_KEYS[key]}")
        return dict(value)

    def number(key: str, integer: bool, allow_zero: bool = False) -> float | int | None:
        value = raw.get(key)
        if value is None:
            return None
        ok = isinstance(value, int) if integer else isinstance(value, int | float)
        if (isinstance(value, bool) or not ok or not math.isfinite(value) or value < 0
                or (value == 0 and not allow_zero)):
            raise fail(key, f"must be a {_SITE_KEYS[key]}, got {value!r}")
        return value

    def networks(key: str) -> list[str]:
        values = strings(key)
        for value in values:
            try:
                ipaddress.ip_network(value, strict=False)
            except ValueError:
                raise fail(key, f"must be a {_SITE_KEYS[key]}, got {value!r}") from None
        return values

    name = text("name", required=True)
    urls = strings("start_urls")
    if not urls:
        raise fail("start_urls", "missing (list of URLs)")
    try:
        urls = [validate_start_url(u) for u in urls]
    except BadURL as exc:
        raise fail("start_urls", str(exc)) from None
    try:
        watch_urls = [validate_start_url(u) for u in strings("watch_urls")]
    except BadURL as exc:
        raise fail("watch_urls", str(exc)) from None
    for key in ("exclude", "soft404_patterns"):
        for pattern in strings(key):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise fail(key, f"bad regular expression {pattern!r}: {exc}") from None
    webhook = text("webhook")
    if webhook and not webhook.startswith(("http://", "https://")):
        raise fail("webhook", "must be an http(s) URL")
    style = text("webhook_style") or "text"
    if style not in _STYLES:
        raise fail("webhook_style", f"must be one of {', '.join(_STYLES)}")
    rules = _column_rules(raw.get("column", []), fail)
    warn_days = raw.get("warn_days")
    if warn_days is not None and (isinstance(warn_days, bool) or not isinstance(warn_days, int)
                                  or warn_days < 0):
        raise fail("warn_days", f"must be a {_SITE_KEYS['warn_days']}, got {warn_days!r}")
    page_standard = raw.get("page_standard")
    if page_standard is not None and not isinstance(page_standard, bool):
        raise fail("page_standard", f"must be {_SITE_KEYS['page_standard']}, got {page_standard!r}")
    wordlists = [str((base / w).resolve()) if not Path(w).is_absolute() else w for w in strings("wordlists")]
    return SiteConfig(
        name=name,
        start_urls=urls,
        extra_hosts=[h.lower() for h in strings("extra_hosts")],
        allowed_addresses=networks("allowed_addresses"),
        aliases=[h.lower() for h in strings("aliases")],
        exclude=strings("exclude"),
        columns=mapping("columns"),
        departments=mapping("departments"),
        timeout=number("timeout", integer=False),
        concurrency=number("concurrency", integer=True),
        max_pages=number("max_pages", integer=True),
        soft404_patterns=strings("soft404_patterns"),
        wordlists=wordlists,
        webhook=webhook,
        webhook_style=style,
        template_owner=text("template_owner"),
        external_cache_days=number("external_cache_days", integer=False, allow_zero=True),
        attachment_max_mb=number("attachment_max_mb", integer=False),
        hidden_link_allow=strings("hidden_link_allow"),
        watch_urls=watch_urls,
        column_rules=rules,
        warn_days=warn_days,
        page_standard=page_standard,
        group=text("group"),
    )


def _column_rules(raw: Any, fail) -> list[ColumnRule]:
    """[[site.column]]: each a column of the site, with its type and window."""
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(entry, dict) for entry in raw):
        raise fail("column", f"must be an {_SITE_KEYS['column']}")
    rules = []
    for n, entry in enumerate(raw, 1):
        where = f"column[{n}]"
        for key in entry:
            if key not in _COLUMN_KEYS:
                raise fail(f"{where}.{key}", f"unknown key (known: {', '.join(_COLUMN_KEYS)})")
        prefix = entry.get("prefix")
        if not isinstance(prefix, str) or not prefix.strip():
            raise fail(f"{where}.prefix", "missing or empty (the URL prefix of the column's list page)")
        name = entry.get("name", "")
        if not isinstance(name, str):
            raise fail(f"{where}.name", "must be text")
        kind = ""
        if "type" in entry:
            if not isinstance(entry["type"], str):
                raise fail(f"{where}.type", "must be text")
            try:
                kind = read_type(entry["type"])
            except PolicyError as exc:
                raise fail(f"{where}.type", str(exc)) from None
        window = entry.get("window_days")
        if window is not None and (isinstance(window, bool) or not isinstance(window, int) or window <= 0):
            raise fail(f"{where}.window_days", f"must be a {_COLUMN_KEYS['window_days']}, got {window!r}")
        rules.append(ColumnRule(prefix.strip(), name.strip(), kind, window))
    return rules
