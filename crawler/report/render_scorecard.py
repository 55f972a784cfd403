"""The scorecard (指标自检) as terminal text, and as the monthly report's table.

Both read the scorecard's JSON shape (crawler.inspection.scorecard.Scorecard.to_dict), the one
the JSON report and the webhook carry. The review UI has its own template
(crawler/review/templates/scorecard.html), with links to the findings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crawler.inspection.scorecard import SHOWN_IDS
from crawler.localtime import minute
from crawler.report.render_text import _ljust, _width
from crawler.report.tables import Table

Card = dict[str, Any]


def ids_text(ids: list[int]) -> str:
    shown = " ".join(f"#{i}" for i in ids[:SHOWN_IDS])
    return shown + (f" 等 {len(ids)} 个" if len(ids) > SHOWN_IDS else "")


def headline(card: Card) -> str:
    """One line: the verdict, the failing veto items and the score."""
    failing = [v["label"] for v in card["vetoes"] if v["state"] == "failing"]
    said = f"指标自检：{card['verdict_label']}"
    if failing:
        said += "，单项否决：" + "、".join(failing)
    return (said + f"；估算得分 {card['score']:g}（扣 {card['deducted']:g} 分，"
            f"{card['pass_mark']:g} 分合格）")


def _lines(items: list, cells: Callable[[Any, int], str]) -> list[str]:
    """One line per item: its cells (the label padded to the widest), then its findings' ids."""
    width = max(_width(i["label"]) for i in items) + 2
    return [f"  {cells(i, width)}" + (f"  问题 {ids_text(i['findings'])}" if i["findings"] else "")
            for i in items]


def scorecard_text(cards: list[Card]) -> str:
    """Each site's scorecard: veto items, then deductions, with the finding ids behind them."""
    out = []
    for card in cards:
        done = minute(card["last_complete"]) if card["last_complete"] else "尚无"
        out.append(f"指标自检 · 站点 {card['site']} · {card['verdict_label']} · 最近一次完整巡检 {done}")
        out.append("单项否决指标：")
        out += _lines(card["vetoes"], lambda v, w: f"{_ljust(v['state_label'], 10)}{_ljust(v['label'], w)}"
                                                   f"{v['figures']}")
        out.append("扣分指标（仅含可自动检测的项目）：")
        out += _lines(card["deductions"], lambda d, w: f"{_ljust(d['label'], w)}{d['count']} 个 × "
                                                       f"{d['weight']:g} 分 = {d['points']:g} 分")
        if card["unconfirmed_suspects"]:
            out.append(f"  另有疑似错误 {card['unconfirmed_suspects']} 个未经人工确认，不扣分")
        out.append(headline(card))
        out.append("")
    return "\n".join(out)


def scorecard_table(cards: list[Card]) -> Table:
    """Every site's veto items and deductions in one table (the report's HTML and XLSX)."""
    rows: list[list[Any]] = []
    for card in cards:
        rows.append([card["site"], "结论", "", card["verdict_label"], headline(card), None, ""])
        for v in card["vetoes"]:
            rows.append([card["site"], v["label"], "单项否决", v["state_label"], v["figures"], None,
                         ids_text(v["findings"])])
        for d in card["deductions"]:
            rows.append([card["site"], d["label"], "扣分", f"{d['count']} 个 × {d['weight']:g} 分",
                         "", d["points"], ids_text(d["findings"])])
    return Table("指标自检", ["站点", "指标", "类型", "状态", "数据", "扣分", "问题编号"], rows)
