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

Only what the page itself says is read: no layout engine, no external stylesheets. The
caller decides which links matter (off-site, not allow-listed). No Scrapy here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin

from lxml import etree

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
        if why:
            found.append(HiddenLink(urljoin(page_url, href), _text(a), why))
    found.extend(_script_links(root.iter("script"), page_url))
    return found


def _script_links(scripts: Iterable[etree._Element], page_url: str) -> list[HiddenLink]:
    out = []
    for script in scripts:
        code = script.text or ""
        if "document.write" not in code and "innerHTML" not in code:
            continue
        for href, anchor in _SCRIPT_LINK.findall(code):
            if href.lower().startswith(("http://", "https://", "//")):
                text = re.sub(r"<[^>]+>", "", anchor).strip()
                out.append(HiddenLink(urljoin(page_url, href), text, "由脚本写入（document.write）"))
    return out


def _text(el: etree._Element) -> str:
    return " ".join("".join(el.itertext()).split())[:200]
