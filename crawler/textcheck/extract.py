"""HTML -> the text a reader sees, by field: title, meta description, body, image alt/title.

Never script, style, noscript, template, comments, or elements hidden with the ``hidden``
attribute, ``aria-hidden="true"`` or an inline ``display:none`` / ``visibility:hidden``.
Block elements become line breaks so words from adjacent cells don't join.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag

FIELD_TITLE = "title"
FIELD_META = "meta"
FIELD_BODY = "body"
FIELD_ALT = "alt"

_SKIP = frozenset({"script", "style", "noscript", "template", "head", "iframe", "object"})
_BLOCK = frozenset(
    {
        *("address", "article", "aside", "blockquote", "body", "caption", "center", "dd"),
        *("details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure"),
        *("footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "html"),
        *("li", "main", "menu", "nav", "ol", "option", "p", "pre", "section", "summary"),
        *("table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"),
    }
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_CJK = r"\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
# A line break in the source between two CJK characters renders as nothing (CSS Text 3).
_CJK_BREAK = re.compile(f"(?<=[{_CJK}])[ \\t\\r]*\\n\\s*(?=[{_CJK}])")
_SPACES = re.compile(r"[^\S\n]+")
_BREAKS = re.compile(r" ?\n[\s]*")
_BREAK = object()


def _hidden(tag: Tag) -> bool:
    if tag.has_attr("hidden") or str(tag.get("aria-hidden", "")).lower() == "true":
        return True
    style = tag.get("style")
    return bool(style) and bool(_HIDDEN_STYLE.search(str(style)))


def _clean_string(s: str) -> str:
    return _SPACES.sub(" ", _CJK_BREAK.sub("", s).replace("\n", " "))


def _tidy(text: str) -> str:
    return _BREAKS.sub("\n", _SPACES.sub(" ", text)).strip()


def _walk(root: Tag) -> tuple[str, list[str]]:
    parts: list[str] = []
    alts: list[str] = []
    stack: list[object] = [root]
    while stack:
        node = stack.pop()
        if node is _BREAK:
            parts.append("\n")
        elif isinstance(node, NavigableString):
            if type(node) is NavigableString:  # not a Comment, CData, Doctype, ...
                parts.append(_clean_string(node))
        elif isinstance(node, Tag):
            if node.name in _SKIP or _hidden(node):
                continue
            if node.name == "br":
                parts.append("\n")
            elif node.name == "img":
                alts.extend(str(node[a]) for a in ("alt", "title") if node.get(a))
            else:
                if node.name in _BLOCK:
                    parts.append("\n")
                    stack.append(_BREAK)
                stack.extend(reversed(node.contents))
    return _tidy("".join(parts)), alts


def extract_visible(html: str) -> list[tuple[str, str]]:
    """[(field, text)] for the non-empty fields: title, meta, body, alt (one alt text a line)."""
    soup = BeautifulSoup(html, "lxml")
    head = soup.head or soup
    title = head.find("title")
    meta_texts = [
        str(m.get("content", ""))
        for m in soup.find_all("meta")
        if str(m.get("name", "")).lower() == "description"
    ]
    body, alts = _walk(soup.body or soup)
    fields = [
        (FIELD_TITLE, _tidy(title.get_text()) if title else ""),
        (FIELD_META, _tidy("\n".join(meta_texts))),
        (FIELD_BODY, body),
        (FIELD_ALT, _tidy("\n".join(alts))),
    ]
    return [(name, text) for name, text in fields if text]
