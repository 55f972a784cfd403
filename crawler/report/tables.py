"""The report's tables, shared by the HTML and XLSX renderers so both show the same numbers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crawler.labels import run_state_label
from crawler.report.labels import COLUMNS, HEADLINE_LABELS, RUN_LABELS

Cell = str | int | float | None


@dataclass(frozen=True)
class Table:
    name: str  # also the XLSX sheet name (at most 31 characters)
    headers: list[str]
    rows: list[list[Cell]]


def _count_cells(row: dict[str, Any]) -> list[Cell]:
    return [row[key] for key, _ in COLUMNS]


def headline_table(report: dict[str, Any]) -> Table:
    h = report["headline"]
    rows: list[list[Cell]] = [[HEADLINE_LABELS["wording_rectified"], h["wording_rectified"]]]
    rows += [[f"　其中{c['label']}", c["rectified"]] for c in h["wording_rectified_by_category"]]
    rows += [[HEADLINE_LABELS[key], h[key]] for key in (
        "dead_links_cleared", "privacy_removed", "wording_found", "dead_links_found", "privacy_found",
        "unverified_links_found")]
    return Table("主要数据", ["指标", "数量"], rows)


def runs_table(report: dict[str, Any]) -> Table:
    rows: list[list[Cell]] = [[label, report["runs"][key]] for key, label in RUN_LABELS.items()]
    return Table("巡检情况", ["指标", "数量"], rows)


def crawls_table(report: dict[str, Any]) -> Table:
    """Each site's last crawl by the period's end: which night, and whether it was complete."""
    rows: list[list[Cell]] = [
        [c["site"], c["night"], run_state_label(c["status"], c["reason"]), c["pages"],
         c["last_complete_night"] or "无"]
        for c in report.get("last_crawls", [])]
    headers = ["站点", "最近巡检日期", "是否完整", "读取页面数", "最近一次完整巡检"]
    return Table("各站点最近巡检", headers, rows)


def kind_table(report: dict[str, Any]) -> Table:
    rows = [[r["label"], *_count_cells(r)] for r in report["by_kind"]]
    rows.append(["合计", *_count_cells(report["totals"])])
    return Table("按问题类型", ["问题类型", *(label for _, label in COLUMNS)], rows)


def category_table(report: dict[str, Any]) -> Table:
    # The category codes stay in the JSON report; people read the labels.
    rows = [[r["kind_label"], r["label"], *_count_cells(r)] for r in report["by_category"]]
    return Table("按类别", ["问题类型", "类别", *(label for _, label in COLUMNS)], rows)


def department_table(report: dict[str, Any]) -> Table:
    rows = [[r["department"], *_count_cells(r)] for r in report["by_department"]]
    return Table("按责任单位", ["责任单位", *(label for _, label in COLUMNS)], rows)


def trend_table(report: dict[str, Any]) -> Table:
    rows = [[r["month"], r["found"], r["rectified"], r["dead_links_cleared"], r["wording_rectified"],
             r["open_at_end"]] for r in report["trend"]]
    headers = ["月份", "新发现", "已整改", "其中清除错链、死链", "其中整改错敏词", "月末待整改"]
    return Table("按月趋势", headers, rows)


def sentence_table(report: dict[str, Any]) -> Table | None:
    s = report.get("sentence")
    if not s:
        return None
    return Table("年报语句", ["形式", "语句"], [["精确数字", s["exact"]], ["约数(余)", s["rounded"]]])


def all_tables(report: dict[str, Any]) -> list[Table]:
    tables = [headline_table(report), runs_table(report), crawls_table(report), kind_table(report),
              category_table(report), department_table(report), trend_table(report)]
    if report.get("scorecard"):
        from crawler.report.render_scorecard import scorecard_table

        tables.append(scorecard_table(report["scorecard"]))
    sentence = sentence_table(report)
    return [sentence, *tables] if sentence else tables
