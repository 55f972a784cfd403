"""Which encoding a page is really in. No Scrapy import: the crawl and recheck share it.

Servers get it wrong: Scrapy trusts the Content-Type charset over the page's own <meta>,
and with no declaration at all it falls back to cp1252, which turns GBK into mojibake.
"""

from __future__ import annotations

from w3lib.encoding import html_body_declared_encoding, html_to_unicode, resolve_encoding

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def better_encoding(body: bytes, declared: str | None) -> str | None:
    """The encoding to use instead of `declared` (the header's charset), or None to keep it.

    A declared encoding that does not decode the body loses to the <meta> one; a
    single-byte header (Tomcat's ISO-8859-1 "decodes" anything) loses to a multi-byte
    <meta>; an undeclared body is UTF-8 if it decodes as such, else GB18030 (a GBK superset).
    A BOM is authoritative and kept.
    """
    if not body or body.startswith(_BOMS):
        return None
    meta = html_body_declared_encoding(body)
    if declared:
        if not _decodes(body, declared):
            return meta if meta and _decodes(body, meta) else _guess(body)
        if meta and _single_byte(declared) and not _single_byte(meta) and _decodes(body, meta):
            return meta
        return None
    if meta:
        return None if _decodes(body, meta) else _guess(body)
    return _guess(body)


def page_encoding(body: bytes, declared: str | None) -> str:
    """The encoding to decode `body` with, outside Scrapy."""
    return better_encoding(body, declared) or declared or html_body_declared_encoding(body) or "utf-8"


def decode_html(body: bytes, encoding: str) -> str:
    """Bytes to text the way Scrapy's response.text does (a BOM wins; bad bytes replaced)."""
    return html_to_unicode(f"charset={encoding}", body)[1]


def _decodes(body: bytes, encoding: str) -> bool:
    name = resolve_encoding(encoding)
    if not name:
        return False
    try:
        body.decode(name)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _single_byte(encoding: str) -> bool:
    name = (resolve_encoding(encoding) or "").lower().replace("_", "-")
    return name.startswith(("cp125", "iso8859", "iso-8859", "latin", "ascii", "windows-125"))


def _guess(body: bytes) -> str:
    return "utf-8" if _decodes(body, "utf-8") else "gb18030"
