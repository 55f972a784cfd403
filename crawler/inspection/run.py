"""Run the inspection checks on one site's stored run (see the package docstring)."""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database

from crawler.inspection.backdate import backdated_findings
from crawler.inspection.columns import column_findings, home_findings
from crawler.inspection.found import Found
from crawler.inspection.policy import Policy
from crawler.inspection.site import load_view
from crawler.inspection.standard import standard_findings
from crawler.localtime import today as local_today


def inspect_site(db: Database, run_id: int, site: str, policy: Policy,
                 ident: Callable[[str], str] = str) -> list[Found]:
    """The inspection findings of `site` as its run `run_id` leaves the store.

    `ident` maps a URL to its site identity (crawler.urls.SiteIdentity), so a column keeps its
    finding when the site moves to https or another host name.
    """
    today = policy.today or local_today()

    def key_of(kind: str, what: str) -> str:
        value = ident(what) if "://" in what else what
        return f"inspect:{site}|{kind}|{value}"

    view = load_view(db, run_id, site)
    return [
        *column_findings(view, policy, today, key_of),
        *home_findings(view, today, key_of),
        *backdated_findings(db, view, today, key_of),
        *standard_findings(view, policy, key_of),
    ]

