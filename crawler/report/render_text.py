"""The compact summary printed on the terminal; the annual one ends with the sentence."""

from __future__ import annotations

import unicodedata
from typing import Any

from crawler.labels import run_state_label
from crawler.report.labels import suspect_note, unproven_note

_COLUMNS = (("found", "新发现"), ("rectified", "已整改"), ("rectified_staff", "人工"),
            ("rectified_machine", "机器"), ("false_positive", "误报"), ("open_at_end", "期末待整改"))


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _ljust(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _rjust(text: str, width: int) -> str:
    return " " * max(0, width - _width(text)) + text


def render_text(report: dict[str, Any]) -> str:
    site = report["site"] or "全部站点"
    lines = [f"{report['title']}网站巡检报告 · 站点 {site} · 统计时限 {report['start']} 至 {report['end']}"]
    rows = [(r["label"], r) for r in report["by_kind"]] + [("合计", report["totals"])]
    first = max(_width(label) for label, _ in rows) + 2
    widths = [max(_width(h), 4) + 2 for _, h in _COLUMNS]
    lines.append(_ljust("问题类型", first) + "".join(_rjust(h, w) for (_, h), w in zip(_COLUMNS, widths,
                                                                                       strict=True)))
    for label, row in rows:
        lines.append(_ljust(label, first) + "".join(
            _rjust(str(row[k]), w) for (k, _), w in zip(_COLUMNS, widths, strict=True)))
    runs = report["runs"]
    median = report["totals"]["median_days"]
    lines.append(
        f"巡检 {runs['runs']} 次(完整 {runs['complete']}，不完整 {runs['incomplete']})，"
        f"巡检页面 {runs['pages']} 个；整改中位天数 "
        + (f"{median} 天" if median is not None else "—")
    )
    for c in report.get("last_crawls", []):
        done = "" if c["status"] == "complete" else f"；最近一次完整巡检 {c['last_complete_night'] or '无'}"
        state = run_state_label(c["status"], c["reason"])
        lines.append(f"  {c['site']}：最近巡检 {c['night']}，{state}{done}")
    h = report["headline"]
    parts = "，".join(f"{c['label']} {c['rectified']}" for c in h["wording_rectified_by_category"])
    lines.append(
        f"整改错敏词 {h['wording_rectified']} 个({parts})；清除错链、死链 {h['dead_links_cleared']} 条；"
        f"清除隐私信息 {h['privacy_removed']} 条"
    )
    if h["unverified_links_found"]:
        lines.append(f"另有待核实链接 {h['unverified_links_found']} 条(被拦截或限流，不计入错链、死链)")
    if report.get("unproven_rectified"):
        lines.append(unproven_note(report["unproven_rectified"]))
    if report.get("unconfirmed_suspects"):
        lines.append(suspect_note(report["unconfirmed_suspects"]))
    if report.get("scorecard"):
        from crawler.report.render_scorecard import headline

        lines += [f"{card['site']} {headline(card)}" for card in report["scorecard"]]
    if report.get("sentence"):
        lines.append("年报语句：")
        lines.append("  " + report["sentence"]["exact"])
        lines.append("  " + report["sentence"]["rounded"])
    return "\n".join(lines) + "\n"
