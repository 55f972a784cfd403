"""HTML -> the text a reader sees, by field: title, meta description, body, image alt/title.

Never script, style, noscript, template, comments, ruby annotations (``<rt>``/``<rp>``: the
pinyin that 无障碍/适老化 tools put over each character), or elements hidden with the
``hidden`` attribute, ``aria-hidden="true"`` or an inline ``display:none`` /
``visibility:hidden``. Block elements become line breaks so words from adjacent cells don't
join.

Walks an lxml tree: this runs on every crawled page, and lxml builds the same libxml2
parse that BeautifulSoup's "lxml" builder wraps, 20 times faster than BeautifulSoup
builds its own tree (1.3 ms a page, most of the text checks' time).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from .dates import page_date
from .privacy import MOBILE_RE, is_valid_id

FIELD_TITLE = "title"
FIELD_META = "meta"
FIELD_BODY = "body"
FIELD_ALT = "alt"

# rt/rp/rtc: a ruby annotation is read with the character it sits over, never as text of its own
# (再<ruby>接<rt>jiē</rt></ruby>再励 reads 再接再励).
_SKIP = frozenset(
    {"script", "style", "noscript", "template", "head", "iframe", "object", "rt", "rp", "rtc"}
)
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
_LINE = "\x00"  # a block or <br> boundary while the text is assembled


def _hidden(el: etree._Element) -> bool:
    get = el.get
    if get("hidden") is not None or (get("aria-hidden") or "").lower() == "true":
        return True
    style = get("style")
    return bool(style) and bool(_HIDDEN_STYLE.search(style))


def _tidy(text: str) -> str:
    return _BREAKS.sub("\n", _SPACES.sub(" ", text)).strip()


def _walk(root: etree._Element) -> tuple[str, list[str]]:
    """Visible text under root, and the alt/title texts of its visible images.

    The stack holds elements and strings (text, tails, line marks) in reading order.
    """
    parts: list[str] = []
    alts: list[str] = []
    add = parts.append
    stack: list[etree._Element | str] = [root]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        if type(node) is str:
            add(node)
            continue
        tag = node.tag
        if type(tag) is not str or tag in _SKIP or _hidden(node):
            continue  # a comment, processing instruction or invisible element; its tail shows
        if tag == "br":
            add(_LINE)
            continue
        if tag == "img":
            alts.extend(v for v in (node.get("alt"), node.get("title")) if v)
            continue
        block = tag in _BLOCK
        if block:
            add(_LINE)
            push(_LINE)
        if node.text:
            add(node.text)
        for child in reversed(node):
            if child.tail:
                push(child.tail)
            push(child)
    # Line breaks in the source: dropped between CJK characters, else a space.
    text = _CJK_BREAK.sub("", "".join(parts)).replace("\n", " ").replace(_LINE, "\n")
    return _tidy(text), alts


_local = threading.local()


def html_parser(encoding: str | None = None) -> etree.HTMLParser:
    """This thread's lxml HTML parser for bytes in `encoding` (None: for str input).

    Recovering, and with huge_tree: without it libxml2 stops at 256 levels of nesting
    (300 unclosed <font> reach them) and drops the rest of the page; with it the limit
    is 2048. One per thread, so its error_log tells about this thread's last parse.
    """
    parsers = getattr(_local, "parsers", None)
    if parsers is None:
        parsers = _local.parsers = {}
    parser = parsers.get(encoding)
    if parser is None:
        parser = parsers[encoding] = lxml.html.HTMLParser(encoding=encoding, recover=True, huge_tree=True)
    return parser


def parse_with(source: str | bytes, parser: etree.HTMLParser) -> etree._Element | None:
    """The lxml tree of a whole page, or None for a document with no element at all."""
    if isinstance(source, str) and source.startswith("<?xml"):
        # lxml refuses a str that declares its encoding; the declaration means nothing here.
        source = source[source.find(">") + 1 :]
    try:
        root = lxml.html.document_fromstring(source, parser=parser)
    except (etree.ParserError, ValueError):  # empty, or nothing but a comment
        return None
    _adopt_trailing(root)
    return root


def _adopt_trailing(root: etree._Element) -> None:
    """Move what follows </html> to the end of the body, where browsers show it.

    libxml2 puts it in sibling <html> elements that root.iter() never reaches: the
    statistics script, or a whole second page, that CMSs append after </html>.
    """
    if root.getnext() is None:
        return
    body = root.find("body")
    into = root if body is None else body
    for sibling in list(root.itersiblings()):
        if isinstance(sibling.tag, str):  # not a comment or processing instruction
            if sibling.tag == "html":
                sibling.tag = "div"
            into.append(sibling)


def parse(html: str) -> etree._Element:
    """The lxml tree of decoded HTML; a document with no element at all is an empty page."""
    root = parse_with(html, html_parser())
    return lxml.html.document_fromstring("<html/>") if root is None else root


@dataclass(frozen=True)
class PersonalList:
    """A table whose rows pair names with identity or mobile numbers: a list that leaks."""

    header: str  # the header row's cells, joined by " | "
    columns: tuple[str, ...]  # the headers of the columns holding the numbers
    rows: int  # rows with such a number
    first: str  # the first such number, as written (to locate it in the text)


@dataclass(frozen=True)
class PageText:
    """What a reader sees of a page, by field, and when the page says it was published."""

    fields: list[tuple[str, str]]  # (field, text) for the non-empty fields
    published: dt.date | None  # PubDate meta, else the 发布时间 line (see dates.py)
    lists: tuple[PersonalList, ...] = ()
    # The parsed page, for checks that read its markup too (hidden links, crawler/hidden.py)
    root: etree._Element | None = field(default=None, compare=False, repr=False)


_NAME_HEADER = "姓名"
_MIN_ROWS = 2  # a list, not one person's contact


def personal_lists(root: etree._Element) -> tuple[PersonalList, ...]:
    """Tables with a 姓名 column and a column whose values are mostly valid, unmasked
    identity or mobile numbers (masked ones, 3604**********0071, are published correctly)."""
    found = []
    for table in root.iter("table"):
        rows = [[_tidy(cell.text_content()) for cell in tr if cell.tag in ("td", "th")]
                for tr in table.iter("tr")]
        if (one := personal_list(rows)) is not None:
            found.append(one)
    return tuple(found)


def personal_list(rows: list[list[str]]) -> PersonalList | None:
    """The rows of a table (HTML or a spreadsheet's sheet) as a name list, if they are one."""
    at = next((i for i, row in enumerate(rows) if any(_NAME_HEADER in c and len(c) <= 8 for c in row)), None)
    if at is None:
        return None
    header, data = rows[at], [r for r in rows[at + 1 :] if r]
    columns, count, first = [], 0, ""
    for j, title in enumerate(header):
        values = [r[j] for r in data if j < len(r) and r[j]]
        personal = [v for v in values if _is_personal_number(v)]
        if len(personal) >= _MIN_ROWS and 2 * len(personal) >= len(values):
            columns.append(title)
            count = max(count, len(personal))
            first = first or personal[0]
    return PersonalList(" | ".join(header), tuple(columns), count, first) if columns else None


def _is_personal_number(value: str) -> bool:
    value = value.replace(" ", "")
    return is_valid_id(value) or (len(value) == 11 and MOBILE_RE.fullmatch(value) is not None)


def read_page(html: str) -> PageText:
    """The visible text of a page and its publish date, from one parse."""
    root = parse(html)
    head = root.find("head")
    title = (root if head is None else head).find(".//title")
    meta_texts = []
    metas = []  # (name, content) of every named meta, for the publish date
    for m in root.iter("meta"):
        name = m.get("name")
        if name:
            metas.append((name, m.get("content") or ""))
            if name.lower() == "description":
                meta_texts.append(m.get("content") or "")
    body = root.find("body")
    body_text, alts = _walk(root if body is None else body)
    fields = [
        (FIELD_TITLE, _tidy(title.text_content()) if title is not None else ""),
        (FIELD_META, _tidy("\n".join(meta_texts))),
        (FIELD_BODY, body_text),
        (FIELD_ALT, _tidy("\n".join(alts))),
    ]
    # Tables are read only on a page that names a 姓名 column at all (most never do).
    lists = personal_lists(root) if _NAME_HEADER in body_text else ()
    return PageText([(name, text) for name, text in fields if text], page_date(metas, body_text), lists, root)


def extract_visible(html: str) -> list[tuple[str, str]]:
    """[(field, text)] for the non-empty fields: title, meta, body, alt (one alt text a line)."""
    return read_page(html).fields
