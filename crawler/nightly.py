"""The nightly job around the crawls: log file, the crawls themselves, webhook notices."""

from __future__ import annotations

import logging
from dataclasses import asdict

from crawler.runner import CrawlOptions, SiteResult, run_crawls

logger = logging.getLogger(__name__)


def summary_fields(result: SiteResult) -> dict:
    """A run summary as plain fields (for webhooks and other tools), with its duration."""
    data = asdict(result.summary) if result.summary else {"site": result.site}
    data["duration_s"] = result.summary.duration_s if result.summary else None
    data["error"] = result.error
    return data


def crawl_sites(all_opts: list[CrawlOptions], log_file: str | None = None,
                workers: int = 1, shards: str | None = None, queue: str | None = None,
                retries: int = 0) -> list[SiteResult]:
    """Crawl the sites (one process, or `workers` processes with shards), then notify."""
    if log_file:
        from crawler.logs import setup_file_logging

        setup_file_logging(log_file)
    if any(opts.webhook for opts in all_opts):
        from crawler.localtime import zone

        zone()  # a bad DUWANG_TIMEZONE fails before the crawl, not in the notice after it
    if queue:
        from crawler.distributed.jobs import run_queued

        results = run_queued(all_opts, queue, shards or "", retries=retries)
    elif workers > 1:
        from crawler.distributed.local import run_local

        results = run_local(all_opts, workers, shards)
    else:
        results = run_crawls(all_opts)
    for opts, result in zip(all_opts, results, strict=True):
        if opts.webhook and result.summary is not None:
            _notify(opts, result)
    return results


def _notify(opts: CrawlOptions, result: SiteResult) -> None:
    from crawler.notify import NotifyError, build_payload, post_webhook

    try:
        post_webhook(opts.webhook, build_payload(summary_fields(result), opts.webhook_style))
    except NotifyError as exc:
        # A missed notice must not fail a crawl that did its job.
        logger.warning("webhook for %s failed: %s", result.site, exc)
