"""Which encoding a page is really in. No Scrapy import: the crawl and recheck share it.

Servers get it wrong: Scrapy trusts the Content-Type charset over the page's own <meta>,
and with no declaration at all it falls back to cp1252, which turns GBK into mojibake.
A page is judged whole: one bad byte (a truncated character, a pasted fragment) is
replaced when decoding, never a reason to decode the other 30 KB in another codec.
"""

from __future__ import annotations

import codecs
import threading

from w3lib.encoding import html_body_declared_encoding, html_to_unicode, resolve_encoding

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
# A codec fits a page whose bad bytes are at most 1 in 200 of its non-ASCII characters,
# or a handful on a page with 10 good characters per bad byte: a GBK page read as UTF-8
# has about 5 bad bytes per good character, a UTF-8 page read as GB18030 1 in 20 to 50.
_RATIO = 200
_HANDFUL = 8
_HANDFUL_RATIO = 10


def better_encoding(body: bytes, declared: str | None) -> str | None:
    """The encoding to use instead of `declared` (the header's charset), or None to keep it.

    A declared codec fits when it decodes all but a tiny fraction of the body (see
    `mostly_decoded`); a single-byte one must decode all of it. One that does not fit
    loses to the <meta> one, else to the guess; a single-byte header (Tomcat's
    ISO-8859-1 "decodes" anything) loses to a multi-byte <meta>; a declared codec that
    needs replacements loses to the <meta> one or UTF-8 if that needs fewer, but UTF-8
    that fits is kept (UTF-8 text often reads as GBK with few errors, never the other
    way). An undeclared body is UTF-8 if it fits, else GB18030 (a GBK superset). A BOM
    is authoritative and kept.
    """
    if not body or body.startswith(_BOMS):
        return None
    misfit = _Misfit(body)
    meta = html_body_declared_encoding(body)
    if declared:
        bad = misfit(declared)
        if bad is None:
            return _fitting_meta(misfit, meta) or _guess(misfit)
        if meta and _single_byte(declared) and not _single_byte(meta):
            return _fitting_meta(misfit, meta)  # bad is 0: a single-byte codec fits only whole
        return _fewer_bad(misfit, declared, bad, (meta, "utf-8"))
    if meta:
        bad = misfit(meta)
        return _guess(misfit) if bad is None else _fewer_bad(misfit, meta, bad, ("utf-8",))
    return _guess(misfit)


def page_encoding(body: bytes, declared: str | None) -> str:
    """The encoding to decode `body` with, outside Scrapy."""
    return better_encoding(body, declared) or declared or html_body_declared_encoding(body) or "utf-8"


def decode_html(body: bytes, encoding: str) -> str:
    """Bytes to text the way Scrapy's response.text does (a BOM wins; bad bytes replaced)."""
    return html_to_unicode(f"charset={encoding}", body)[1]


def decode_counted(body: bytes, encoding: str) -> tuple[str, int]:
    """`body` decoded with each undecodable sequence replaced by U+FFFD, and how many
    bytes were replaced. `encoding` must be known to Python (LookupError otherwise)."""
    _counter.bad = 0
    text = body.decode(encoding, _COUNT)
    return text, _counter.bad


def mostly_decoded(text: str, bad: int) -> bool:
    """Whether `bad` replaced bytes are a tiny fraction of decoded `text`."""
    if not bad:
        return True
    chars = len(text) - len(text.encode("ascii", "ignore")) - text.count("\ufffd")
    return bad * _RATIO <= chars or (bad <= _HANDFUL and bad * _HANDFUL_RATIO <= chars)


def too_many_replaced(text: str, bad: int) -> bool:
    """Whether the page lost more than a tiny fraction to replaced bytes: more than a
    handful, and more than 1 in 200 of its non-ASCII characters."""
    return bad > _HANDFUL and not mostly_decoded(text, bad)


_COUNT = "duwang-count"
_counter = threading.local()


def _count_and_replace(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    _counter.bad += exc.end - exc.start
    return "\ufffd", exc.end


codecs.register_error(_COUNT, _count_and_replace)


class _Misfit:
    """Per body and codec: None if the codec does not fit, else how many bytes it replaces."""

    def __init__(self, body: bytes):
        self.body = body
        self._seen: dict[str, int | None] = {}

    def __call__(self, encoding: str) -> int | None:
        name = resolve_encoding(encoding)
        if not name:
            return None
        if name not in self._seen:
            self._seen[name] = self._measure(name)
        return self._seen[name]

    def _measure(self, name: str) -> int | None:
        try:
            self.body.decode(name)
            return 0
        except UnicodeDecodeError:
            if _single_byte(name):
                return None  # a byte a single-byte codec leaves undefined: another codec
            text, bad = decode_counted(self.body, name)
            return bad if mostly_decoded(text, bad) else None
        except LookupError:
            return None


def _fitting_meta(misfit: _Misfit, meta: str | None) -> str | None:
    if not meta:
        return None
    bad = misfit(meta)
    return None if bad is None else _fewer_bad(misfit, meta, bad, ("utf-8",)) or meta


def _fewer_bad(misfit: _Misfit, chosen: str, bad: int, others: tuple[str | None, ...]) -> str | None:
    """The codec among `others` that fits with fewer replaced bytes than `chosen`, if any."""
    if not bad or resolve_encoding(chosen) == "utf-8":
        return None
    best = None
    for other in others:
        n = misfit(other) if other else None
        if n is not None and n < bad:
            best, bad = other, n
    return best


def _single_byte(encoding: str) -> bool:
    name = (resolve_encoding(encoding) or "").lower().replace("_", "-")
    return name.startswith(("cp125", "iso8859", "iso-8859", "latin", "ascii", "windows-125"))


def _guess(misfit: _Misfit) -> str:
    return "utf-8" if misfit("utf-8") is not None else "gb18030"
