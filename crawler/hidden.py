"""Hidden links (暗链): links a visitor cannot see, as injected into hacked pages.

A link is hidden when, by the page's own markup, it cannot be seen:

- ``display:none`` or ``visibility:hidden`` on it or an ancestor (inline, the ``hidden``
  attribute, or a simple ``.class`` / ``#id`` / tag rule in the page's ``<style>``);
- positioned far off screen (``left``/``top``/``text-indent``/``margin-left`` of -500px or
  less, on an absolutely or fixed-positioned element, or a text indent);
- of zero size (``width:0`` or ``height:0`` with ``overflow:hidden``), or ``font-size:0``;
- coloured as its background (``color`` equal to ``background(-color)`` on the same element);
- inside a ``<marquee>`` of height 0 or 1;
- written by a script (``document.write`` of an ``<a href>``).

Only what the page itself says is read: no layout engine, no external stylesheets.

A hidden link is a finding (kind ``hidden_link``, category ``hidden_link``) when it points off
the site and off the allow-list (``HiddenPolicy``); it is serious when its text or address
matches the sensitive list (gambling, porn, invoices). ``cloaking`` findings come from the
home page fetched a second time as a search engine's crawler: links and sensitive words
served only to it. Both are made on the check worker, from the page the text checks read.
No Scrapy here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree

from crawler.domains import registrable_domain, under
from crawler.textcheck.codes import SENSITIVE
from crawler.textcheck.hits import Hit, make_key
from crawler.textcheck.privacy import mask_personal

if TYPE_CHECKING:
    from crawler.textcheck.extract import PageText
    from crawler.textcheck.matcher import TextChecker

KIND = "hidden_link"
HIDDEN_LINK, CLOAKING = "hidden_link", "cloaking"  # categories
KIND_LABELS = {KIND: "暗链"}
CATEGORY_LABELS = {HIDDEN_LINK: "隐藏的外部链接（暗链）", CLOAKING: "对搜索引擎显示不同内容（搜索引擎作弊）"}
FIELD = "link"  # where on the page (occurrences.element): a link, not the text
# Hosts whose links a page may hide (a 纠错 widget, the 党政机关 badge, statistics): these
# domains and their subdomains. Extended by the allow-list of the config.
DEFAULT_ALLOW = ("gov.cn", "conac.cn")
# Baidu's own crawler; spam injected into hacked portals is often served to it alone.
SEARCH_ENGINE_AGENT = "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"
_DECL = re.compile(r"([a-zA-Z-]+)\s*:\s*([^;]+)")
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_SIMPLE_SELECTOR = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9]*)?(?:[.#][\w-]+)?$")
_SCRIPT_LINK = re.compile(r"""<a\s[^>]*?href\s*=\s*\\?["']?([^"'\\\s>]+)[^>]*>(.*?)</a""", re.I | re.S)
_PX = re.compile(r"(-?\d+(?:\.\d+)?)(px|em|pt|%)?")
FAR = 500  # pixels off screen that no layout puts a visible link at


@dataclass(frozen=True)
class HiddenLink:
    url: str  # absolute
    anchor: str
    how: str  # why it cannot be seen, in Chinese


def _declarations(style: str) -> dict[str, str]:
    return {k.strip().lower(): v.strip().lower().replace("!important", "").strip()
            for k, v in _DECL.findall(style or "")}


def _page_rules(root: etree._Element) -> dict[str, dict[str, str]]:
    """Simple selectors (tag, .class, #id, tag.class) of the page's <style> blocks -> declarations."""
    rules: dict[str, dict[str, str]] = {}
    for style in root.iter("style"):
        css = re.sub(r"/\*.*?\*/", "", style.text or "", flags=re.S)
        for selectors, body in _RULE.findall(css):
            decls = _declarations(body)
            for selector in selectors.split(","):
                selector = selector.strip()
                if selector and _SIMPLE_SELECTOR.match(selector):
                    rules.setdefault(selector, {}).update(decls)
    return rules


def _style_of(el: etree._Element, rules: dict[str, dict[str, str]]) -> dict[str, str]:
    decls: dict[str, str] = {}
    if rules:
        tag = el.tag if isinstance(el.tag, str) else ""
        keys = [tag]
        for cls in (el.get("class") or "").split():
            keys += [f".{cls}", f"{tag}.{cls}"]
        if el.get("id"):
            keys += [f"#{el.get('id')}", f"{tag}#{el.get('id')}"]
        for key in keys:
            decls.update(rules.get(key, {}))
    decls.update(_declarations(el.get("style") or ""))
    return decls


def _px(value: str) -> float | None:
    m = _PX.match(value.strip())
    if not m:
        return None
    number, unit = float(m.group(1)), m.group(2) or "px"
    scale = {"px": 1.0, "em": 16.0, "pt": 4 / 3}.get(unit)
    return None if scale is None else number * scale


def _why_hidden(el: etree._Element, style: dict[str, str]) -> str | None:
    if el.get("hidden") is not None or style.get("display") == "none":
        return "display:none（不显示）"
    if style.get("visibility") in ("hidden", "collapse"):
        return "visibility:hidden（不可见）"
    positioned = style.get("position") in ("absolute", "fixed")
    for prop in ("left", "top", "margin-left", "margin-top", "text-indent"):
        px = _px(style.get(prop, ""))
        if px is not None and px <= -FAR and (positioned or prop.startswith(("text-indent", "margin"))):
            return f"{prop}:{style[prop]}（移出屏幕）"
    if _px(style.get("font-size", "")) == 0:
        return "font-size:0（字号为零）"
    zero = any(_px(style.get(p, "")) == 0 for p in ("width", "height", "max-height", "max-width"))
    if zero and style.get("overflow") in ("hidden", "clip"):
        return "尺寸为零（overflow:hidden）"
    if el.tag == "marquee":
        height = _px(el.get("height") or style.get("height") or "")
        if height is not None and height <= 1:
            return "高度为零的滚动字幕（marquee）"
    colour = style.get("color")
    background = style.get("background-color") or style.get("background")
    if colour and background and colour.replace(" ", "") == background.replace(" ", "").split()[0]:
        return "文字颜色与背景相同"
    return None


def find_hidden_links(root: etree._Element, page_url: str) -> list[HiddenLink]:
    """Every link of the page that a visitor cannot see, with why; off-site or not."""
    rules = _page_rules(root)
    # element -> why it is hidden (inherited); holding the elements keeps lxml's proxies
    verdicts: dict[etree._Element, str | None] = {}

    def hidden(el: etree._Element) -> str | None:
        chain = []
        node: etree._Element | None = el
        while node is not None and node not in verdicts:
            chain.append(node)
            node = node.getparent()
        inherited = verdicts.get(node) if node is not None else None
        for item in reversed(chain):
            if inherited is None and isinstance(item.tag, str):
                inherited = _why_hidden(item, _style_of(item, rules))
            verdicts[item] = inherited
        return verdicts[el]

    found: list[HiddenLink] = []
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href.lower().startswith(("http://", "https://", "//")):
            continue
        why = hidden(a)
        if why and (url := _join(page_url, href)):
            found.append(HiddenLink(url, _text(a), why))
    found.extend(_script_links(root.iter("script"), page_url))
    return found


def _script_links(scripts: Iterable[etree._Element], page_url: str) -> list[HiddenLink]:
    out = []
    for script in scripts:
        code = script.text or ""
        if "document.write" not in code and "innerHTML" not in code:
            continue
        for href, anchor in _SCRIPT_LINK.findall(code):
            if href.lower().startswith(("http://", "https://", "//")) and (url := _join(page_url, href)):
                text = re.sub(r"<[^>]+>", "", anchor).strip()
                out.append(HiddenLink(url, text, "由脚本写入（document.write）"))
    return out


def _join(base: str, href: str) -> str | None:
    """The absolute address of ``href``, or None for one that does not parse (hostile markup)."""
    try:
        url = urljoin(base, href)
        urlsplit(url).port  # noqa: B018 - raises on a bad port or bracket
    except ValueError:
        return None
    return url


def _text(el: etree._Element) -> str:
    return " ".join("".join(el.itertext()).split())[:200]


@dataclass(frozen=True)
class HiddenPolicy:
    """Which links are the site's own or allowed, and so never a hidden-link finding."""

    own_hosts: frozenset[str]  # host names of the site (start URLs, extra hosts, aliases)
    allow: tuple[str, ...] = DEFAULT_ALLOW  # domains whose links may be hidden

    @property
    def own_domains(self) -> frozenset[str]:
        return frozenset(registrable_domain(h) for h in self.own_hosts)

    def flagged(self, url: str) -> bool:
        """True for a link off the site (another registrable domain) and off the allow-list."""
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:  # an address no browser can follow (http://localhost]): no link
            return False
        if not host or host in self.own_hosts:
            return False
        return registrable_domain(host) not in self.own_domains and not under(host, self.allow)


def _bare(url: str) -> str:
    return url.split("://", 1)[-1].rstrip("/")


def _sensitive(checker: TextChecker, *texts: str) -> list[str]:
    """The sensitive-list words in ``texts`` (a link's text and its decoded address)."""
    words = []
    for text in texts:
        words += [h.text for h in checker.check_text(text, FIELD) if h.category == SENSITIVE]
    return list(dict.fromkeys(words))


def hidden_link_hits(root: etree._Element, page_url: str, policy: HiddenPolicy,
                     checker: TextChecker) -> list[Hit]:
    """A finding for each hidden link of the page that points off the site and off the
    allow-list (one per target)."""
    out: dict[str, Hit] = {}
    for link in find_hidden_links(root, page_url):
        if not policy.flagged(link.url) or _bare(link.url) in out:
            continue
        words = _sensitive(checker, link.anchor, unquote(link.url))
        context = f"「{mask_personal(link.anchor)}」{link.how}"
        if words:
            context += f"，含敏感词「{'、'.join(words)}」"
        out[_bare(link.url)] = _hit(HIDDEN_LINK, link.url, context, serious=bool(words))
    return list(out.values())


def cloaking_hits(page: PageText, hits: list[Hit], as_bot: PageText, bot_hits: list[Hit], page_url: str,
                  policy: HiddenPolicy) -> list[Hit]:
    """What the page shows a search engine's crawler only: off-site links (visible or not)
    and sensitive words that the page as a visitor gets it does not have."""
    if as_bot.root is None or page.root is None:
        return []
    seen = {_bare(u) for u, _anchor in _offsite_links(page.root, page_url, policy)}
    out: dict[str, Hit] = {}
    for url, anchor in _offsite_links(as_bot.root, page_url, policy):
        if _bare(url) not in seen and _bare(url) not in out:
            out[_bare(url)] = _hit(CLOAKING, url, f"仅对搜索引擎显示的链接「{mask_personal(anchor)}」")
    rules = {h.rule for h in hits}
    for h in bot_hits:
        if h.category == SENSITIVE and h.rule not in rules and h.rule not in out:
            out[h.rule] = _hit(CLOAKING, h.text, f"仅对搜索引擎显示：{h.context}", key=h.rule)
    return list(out.values())


def _offsite_links(root: etree._Element, page_url: str, policy: HiddenPolicy) -> list[tuple[str, str]]:
    links = [(url, _text(a)) for a in root.iter("a")
             if (a.get("href") or "").strip().lower().startswith(("http://", "https://", "//"))
             and (url := _join(page_url, (a.get("href") or "").strip()))]
    links += [(h.url, h.anchor) for h in _script_links(root.iter("script"), page_url)]
    return [(url, anchor) for url, anchor in links if policy.flagged(url)]


def _hit(category: str, text: str, context: str, serious: bool = True, key: str | None = None) -> Hit:
    return Hit(kind=KIND, category=category, rule=category, text=text, suggestion="删除",
               context=context, severity="serious" if serious else "general", field=FIELD,
               start=0, end=0, key=make_key(category, key or _bare(text)))
