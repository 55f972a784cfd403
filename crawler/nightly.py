"""The nightly job around the crawls: log file, the crawls themselves, webhook notices."""

from __future__ import annotations

import logging
from dataclasses import asdict

from crawler.inspection.weights import Weights
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
                retries: int = 0, weights: Weights | None = None) -> list[SiteResult]:
    """Crawl the sites (one process, or `workers` processes with shards), then notify.

    `weights`: the config's [scorecard] table, kept in the database for the review UI and the
    reports, and used for the webhook's scorecard."""
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
    notified = [(opts, result) for opts, result in zip(all_opts, results, strict=True)
                if opts.webhook and result.summary is not None]
    cards = _after_crawl(all_opts[0].db_path, weights, [result.site for _, result in notified])
    for opts, result in notified:
        _notify(opts, result, cards.get(result.site))
    return results


def _after_crawl(db_path: str, weights: Weights | None, sites: list[str]) -> dict[str, dict]:
    """Keep the config's [scorecard] weights in the database, for the review UI and the reports,
    and make the scorecards of `sites` for their webhooks. A failure is logged and never the
    night's result: the crawl did its job, and a notice still goes out without its scorecard."""
    if weights is None and not sites:
        return {}
    import sqlite3

    from crawler.errors import DuwangError
    from crawler.inspection.scorecard import build_scorecard, save_weights
    from crawler.store import open_db

    try:
        db = open_db(db_path)
        try:
            if weights is not None:
                save_weights(db, weights)
            return {site: build_scorecard(db, site, weights).to_dict() for site in sites}
        finally:
            db.close()
    except (DuwangError, sqlite3.Error) as exc:
        logger.warning("scorecard not saved or made in %s: %s", db_path, exc)
        return {}


def _notify(opts: CrawlOptions, result: SiteResult, scorecard: dict | None = None) -> None:
    from crawler.notify import NotifyError, build_payload, post_webhook

    fields = summary_fields(result)
    fields["scorecard"] = scorecard
    try:
        post_webhook(opts.webhook, build_payload(fields, opts.webhook_style))
    except NotifyError as exc:
        # A missed notice must not fail a crawl that did its job.
        logger.warning("webhook for %s failed: %s", result.site, exc)
