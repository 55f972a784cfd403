"""`duwang report monthly|annual|scorecard`: argparse wiring and the commands themselves."""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crawler.report.counts import build_report
from crawler.report.errors import ReportError
from crawler.report.periods import Period, parse_month, parse_year, today
from crawler.store import open_db

FORMATS = ("html", "xlsx", "json")
REPORTS_DIR = Path("reports")
# Renderers by format, imported when used: pygal and openpyxl cost every other command.
_RENDERERS = {"html": "render_html", "xlsx": "render_xlsx", "json": "render_json"}


def _renderer(fmt: str) -> Callable[[dict[str, Any]], str | bytes]:
    name = _RENDERERS[fmt]
    return getattr(importlib.import_module(f"crawler.report.{name}"), name)


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add `report` with its `monthly`, `annual` and `scorecard` sub-commands to the duwang parser."""
    p = subparsers.add_parser(
        "report", help="monthly and annual reports (HTML with charts, XLSX, JSON)",
        description="Count findings found and rectified in a month or a year, for the "
        "政府信息公开工作年度报告. See README 'Report counting rules'.",
    )
    sub = p.add_subparsers(dest="report_kind", metavar="KIND", required=True)
    m = sub.add_parser("monthly", help="the report for one month",
                       description="Write the report for one month (default: this month).")
    m.add_argument("--month", metavar="YYYY-MM", help="the month, e.g. 2026-11 (default: this month)")
    _common(m)
    m.set_defaults(func=cmd_monthly)
    a = sub.add_parser("annual", help="the report for one year, with the annual-report sentence",
                       description="Write the report for one year (default: this year). It ends with "
                       "the sentence 全年整改错敏词N个，清除错链、死链M条.")
    a.add_argument("--year", metavar="YYYY", help="the year, e.g. 2026 (default: this year)")
    _common(a)
    a.set_defaults(func=cmd_annual)
    s = sub.add_parser("scorecard", help="the self-check scorecard (指标自检): veto items and deductions",
                       description="Print each veto item of the national inspection (单项否决) with its "
                       "state (正常, 预警, 不合格, 数据不足), the figures behind it and its findings, and "
                       "the deductions duwang can measure, weighted by the config's [scorecard] table.")
    s.add_argument("--db", help="SQLite database file (default: the config's db, else duwang.db)")
    s.add_argument("--config", metavar="FILE",
                   help="TOML config file: its db and [scorecard] weights (default: the weights the "
                   "last crawl --config saved, else the defaults)")
    s.add_argument("--site", help="only this site (default: every site in the database)")
    s.add_argument("--json", action="store_true", help="print JSON instead of text")
    s.set_defaults(func=cmd_scorecard)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", default="duwang.db", help="SQLite database file (default: duwang.db)")
    p.add_argument("--format", choices=FORMATS,
                   help="html (charts and tables), xlsx (one sheet per table) or json; "
                   "default: from the -o extension, else html")
    p.add_argument("-o", "--output", metavar="PATH",
                   help="write the report to PATH ('-' for stdout, html/json only); "
                   "default: reports/PERIOD.FORMAT, and a summary is printed")
    p.add_argument("--site", help="only this site (default: all sites in the database)")


def cmd_monthly(args: argparse.Namespace) -> int:
    period = parse_month(args.month if args.month is not None else today()[:7])
    return _run(args, period)


def cmd_annual(args: argparse.Namespace) -> int:
    period = parse_year(args.year if args.year is not None else today()[:4])
    return _run(args, period)


def cmd_scorecard(args: argparse.Namespace) -> int:
    import json

    from crawler.inspection.scorecard import build_scorecards
    from crawler.report.render_scorecard import scorecard_text

    weights, db_path = None, args.db
    if args.config:
        from crawler.siteconfig import load_config

        config = load_config(args.config)
        weights, db_path = config.scorecard, db_path or config.db
    db = open_db(db_path or "duwang.db", create=False, read_only_ok=True)  # it only reads
    try:
        if args.site:
            _check_site(db, args.site)
        cards = build_scorecards(db, args.site, weights)
    finally:
        db.close()
    if args.json:
        sys.stdout.write(json.dumps([c.to_dict() for c in cards], ensure_ascii=False, indent=2) + "\n")
    elif cards:
        sys.stdout.write(scorecard_text([c.to_dict() for c in cards]))
    else:
        print("数据库中还没有站点：先运行 duwang crawl。")
    return 0


def _format_of(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    if args.output and args.output != "-":
        suffix = Path(args.output).suffix.lower().lstrip(".")
        if suffix in FORMATS:
            return suffix
        if suffix == "htm":
            return "html"
    return "html"


def default_path(period: Period, fmt: str, site: str | None) -> Path:
    name = period.label
    if site:
        name += "-" + re.sub(r"[^A-Za-z0-9._-]+", "_", site)
    return REPORTS_DIR / f"{name}.{fmt}"


def _check_site(db: Any, site: str) -> None:
    from crawler.inspection.scorecard import sites_of

    known = sites_of(db)
    if site not in known:
        hint = "known sites: " + ", ".join(known) if known else "the database has no runs yet"
        raise ReportError(f"--site {site}: no runs or findings for this site ({hint})")


def _run(args: argparse.Namespace, period: Period) -> int:
    fmt = _format_of(args)
    if args.output == "-" and fmt == "xlsx":
        raise ReportError("-o -: an XLSX report cannot go to stdout; give a file name")
    db = open_db(args.db, create=False, read_only_ok=True)  # a report only reads
    try:
        if args.site:
            _check_site(db, args.site)
        report = build_report(db, period, site=args.site)
    finally:
        db.close()
    content = _renderer(fmt)(report)
    if args.output == "-":
        sys.stdout.write(content if isinstance(content, str) else content.decode())
        return 0
    path = Path(args.output) if args.output else default_path(period, fmt, args.site)
    if not args.output:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ReportError(f"cannot create folder {path.parent}: {exc.strerror}") from None
    write_report(path, content)
    if not args.output:
        from crawler.report.render_text import render_text

        sys.stdout.write(render_text(report))
    print(f"报告已写入 {path}")
    return 0


def write_report(path: Path, content: str | bytes) -> None:
    """Write the whole file or raise ReportError naming the path."""
    if path.is_dir():
        raise ReportError(f"cannot write {path}: it is a folder")
    try:
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"cannot write {path}: {exc.strerror}") from None
