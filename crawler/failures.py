"""Map download exceptions (Scrapy/Twisted) to dead-link categories."""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from twisted.internet import error as txerror

from crawler.addresses import BLOCKED_ADDRESS, MARKER, REFUSED_NAMES
from crawler.outcomes import DEAD, UNVERIFIED, Verdict

_TLS_WORDS = ("ssl", "tls", "certificate", "handshake")


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    # ResponseNeverReceived and friends carry a list of twisted Failures.
    reasons = getattr(exc, "reasons", None)
    if reasons:
        text = "; ".join(str(getattr(r, "value", r)) for r in reasons) or text
    return f"{type(exc).__name__}: {text}"[:500]


def classify_exception(exc: BaseException, redirect_urls: list[str] | None = None) -> Verdict:
    """Verdict for a request that ended in an exception (after retries)."""
    detail = _describe(exc)
    lowered = detail.lower()
    if isinstance(exc, IgnoreRequest) and "redirection" in lowered:
        urls = redirect_urls or []
        loop = len(set(urls)) < len(urls)
        return Verdict(DEAD, "redirect_loop" if loop else "too_many_redirects", detail)
    if MARKER in detail:  # crawler.addresses refused it: never requested
        return Verdict(DEAD, BLOCKED_ADDRESS, detail)
    if isinstance(exc, CannotResolveHostError | txerror.DNSLookupError):
        host = (urlsplit(redirect_urls[-1]).hostname or "") if redirect_urls else ""
        if host in REFUSED_NAMES:  # resolved, to an address that is refused
            return Verdict(DEAD, BLOCKED_ADDRESS, f"{MARKER}: {REFUSED_NAMES[host]}")
        return Verdict(DEAD, "dns", detail)
    if isinstance(exc, DownloadConnectionRefusedError | txerror.ConnectionRefusedError):
        return Verdict(DEAD, "refused", detail)
    if isinstance(exc, DownloadTimeoutError | txerror.TimeoutError | txerror.TCPTimedOutError):
        return Verdict(DEAD, "timeout", detail)
    if isinstance(exc, DownloadCancelledError) and "maxsize" in lowered.replace(" ", ""):
        return Verdict(UNVERIFIED, "too_large", detail)
    if isinstance(exc, IgnoreRequest) and "download_maxsize" in lowered:  # a gzip body expanding past it
        return Verdict(UNVERIFIED, "too_large", detail)
    if any(word in lowered for word in _TLS_WORDS):
        return Verdict(DEAD, "tls", detail)
    if isinstance(
        exc,
        DownloadFailedError
        | ResponseDataLossError
        | txerror.ConnectionLost
        | txerror.ConnectionDone
        | txerror.ConnectError,
    ) or type(exc).__name__ in ("ResponseNeverReceived", "ResponseFailed"):
        return Verdict(DEAD, "reset", detail)
    return Verdict(DEAD, "error", detail)


# Failures worth one more try with GET after a HEAD: servers that mishandle HEAD
# often drop the connection or hang instead of answering 405.
HEAD_RETRY_CATEGORIES = frozenset({"reset", "timeout", "error", "too_many_redirects", "redirect_loop"})
