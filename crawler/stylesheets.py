"""CSS references: `url()` and `@import` in style attributes, `<style>` and stylesheets.

A missing background image, web font or imported stylesheet is a dead link like any
other. CSS is read with tinycss2's tokenizer (CSS Syntax Level 3), not a regex: it knows
comments, strings, escapes and the unquoted `url(...)` token, so `content: "url(x)"` and
`/* url(old.png) */` are no links, and `url( "a b.png" )` is one. No Scrapy import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import tinycss2
from tinycss2.bytes import decode_stylesheet_bytes
from webencodings import lookup

IMPORT, URL = "@import", "url()"
STYLESHEET_EXTENSION = ".css"
# Templates repeat the same <style> block (and many style attributes) on every page: each
# text is tokenized once, up to this many characters of cached texts.
_CACHE_CHARS = 4_000_000
_cache: dict[str, tuple[tuple[str, str], ...]] = {}
_cached_chars = 0
_GB18030 = lookup("gb18030")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)


def may_reference(text: str) -> bool:
    """False when `text` cannot hold a reference: the cheap test before tokenizing."""
    lower = text.lower()
    return "url(" in lower or "@import" in lower


def css_references(text: str, cache: bool = True) -> tuple[tuple[str, str], ...]:
    """((raw URL, IMPORT or URL), ...) in source order, as written (unresolved, not
    stripped of fragments). Comments, strings that are no URL and bad `url(` tokens are
    skipped. `cache=False` for a stylesheet file, read once a run."""
    global _cached_chars
    hit = _cache.get(text) if cache else None
    if hit is None:
        found: list[tuple[str, str]] = []
        _walk(tinycss2.parse_component_value_list(text, skip_comments=True), found)
        hit = tuple(found)
        if cache:
            if _cached_chars + len(text) > _CACHE_CHARS:
                _cache.clear()
                _cached_chars = 0
            _cache[text] = hit
            _cached_chars += len(text)
    return hit


def _url_of(token) -> str | None:
    """The URL of a `url` token or a `url("...")` function, else None."""
    if token.type == "url":
        return token.value
    if token.type == "function" and token.lower_name == "url":
        args = [a for a in token.arguments if a.type not in ("whitespace", "comment")]
        if args and args[0].type == "string":
            return args[0].value
    return None


def _walk(tokens: Iterable, found: list[tuple[str, str]]) -> None:
    tokens = list(tokens)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        kind = token.type
        if kind == "at-keyword" and token.lower_value == "import":
            j = i + 1
            while j < len(tokens) and tokens[j].type in ("whitespace", "comment"):
                j += 1
            if j < len(tokens):
                target = tokens[j]
                url = target.value if target.type == "string" else _url_of(target)
                if url is not None:
                    found.append((url, IMPORT))
                    i = j + 1
                    continue
        elif (url := _url_of(token)) is not None:
            found.append((url, URL))
        elif kind == "function":  # image-set(url(a.png) 1x), var() fallbacks ...
            _walk(token.arguments, found)
        elif kind in ("{} block", "() block", "[] block"):
            _walk(token.content, found)
        i += 1


def decode_stylesheet(body: bytes, content_type: str = "") -> tuple[str, str]:
    """A stylesheet's text and the encoding it was read in, as browsers choose it (BOM,
    the HTTP charset, `@charset`), then UTF-8 when it is UTF-8, else GB18030: a Chinese
    site's undeclared CSS is GBK as often as its pages are. Bad bytes are replaced: they
    cannot be in a URL that works."""
    charset = _CHARSET.search(content_type)
    environment = None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        environment = _GB18030
    text, encoding = decode_stylesheet_bytes(body, charset.group(1) if charset else None, environment)
    return text, encoding.name


def is_stylesheet(url_path: str, content_type: str) -> bool:
    """A response to read as CSS: it says text/css, or says nothing more specific than
    plain text or bytes and its path ends in .css."""
    ctype = content_type.split(";", 1)[0].strip().lower()
    if ctype == "text/css":
        return True
    return ctype in ("", "text/plain", "application/octet-stream") and url_path.lower().endswith(
        STYLESHEET_EXTENSION
    )
