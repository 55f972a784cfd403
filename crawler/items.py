"""Items the spider yields. Plain dataclasses (no Scrapy import): the store takes them as they are."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawler.pagefacts import PageFacts


@dataclass(slots=True)
class Page:
    """An internal HTML page, or stylesheet, that was fetched and parsed."""

    url: str  # url_key of the requested URL
    final_url: str
    status: int
    title: str
    content_type: str
    encoding: str
    depth: int
    is_home: bool
    content_hash: str = ""
    etag: str = ""
    last_modified: str = ""
    # (target url_key, href as linked, element, attr, anchor), one per distinct target
    outlinks: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    partial: str | None = None  # why the page was not read whole (decode or parse), else None
    body: bytes = b""  # the page as received (in `encoding`), for the text checks; not stored
    # The verdict on the page's own URL, carried here: one item a page instead of two.
    check: LinkCheck | None = None
    stylesheet: bool = False  # a CSS file: its url() and @import are its links; no text checks
    facts: PageFacts | None = None  # page tags, footer, list items (inspection checks), else None
    # An internal attachment (附件: PDF, DOCX ...): its text is extracted and checked on the
    # check worker; `partial` says why it was not read (too large). Not a page in the counts.
    attachment: bool = False
    # The page again as a search engine's crawler got it (the home page only): cloaking.
    as_bot: tuple[bytes, str] | None = None  # (body, encoding)


@dataclass(slots=True)
class UnchangedPages:
    """Internal pages that answered 304, or 200 with the same content, and were checked
    with the same wordlists: their stored outlinks and findings carry forward.

    Batched: Scrapy's cost per item (about 0.15 ms) was an eighth of a re-crawl.
    """

    pages: list[tuple[str, LinkCheck]]  # (url_key, the verdict on the page's own URL)
    attachments: bool = False  # these are attachments (附件), not pages


@dataclass(slots=True)
class HostProbe:
    """The home page of an external host the site links to, fetched once a run to compare
    with its baseline (crawler/external.py). ``body`` is read on the check worker."""

    host: str  # netloc_key
    url: str
    resolved: bool
    http_status: int | None = None
    final_url: str = ""
    body: bytes = b""
    encoding: str = "utf-8"
    error: str = ""  # the link category when no answer came


@dataclass(slots=True)
class LinkCheck:
    """The verdict on one distinct target, checked once per run."""

    url: str  # url_key
    internal: bool
    outcome: str  # ok | dead | unverified
    category: str | None
    http_status: int | None
    error: str
    final_url: str
    method: str  # HEAD | GET | cache (a recent verdict reused, no request made)
