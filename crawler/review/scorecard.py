"""指标自检: the scorecard page of the review UI (/scorecard), for the web office only.

The scorecard judges the whole site: its veto items are site-wide counts (5 stale columns,
the home page, availability), and the findings behind them belong to every department. So
it is the web office's page, like the overview and the reports; a department account gets
403 and keeps its own list (整改清单). The figures come from crawler.inspection.scorecard,
as `duwang report scorecard` prints them; every word the page shows is escaped by Jinja.
"""

from __future__ import annotations

from flask import render_template, request

from crawler.inspection.scorecard import PASS_MARK, build_scorecards, sites_of
from crawler.review import roles
from crawler.review.app import get_db
from crawler.review.listing import TABS
from crawler.review.views import bp

LIST_KINDS = {kind for kind, _ in TABS}  # kinds the list (整改清单) has a tab for


@bp.get("/scorecard")
def scorecard() -> str:
    roles.require_admin()
    db = get_db()
    known = sites_of(db)
    site = request.args.get("site") or None
    cards = build_scorecards(db, site if site in known else None)
    return render_template("scorecard.html", cards=cards, sites=known, site=site,
                           pass_mark=PASS_MARK, list_kinds=LIST_KINDS)
