"""The HTML report: one self-contained file (inline CSS and SVG, no script, no network).

Each chart is followed by its table, so the page prints as a complete paper report.
"""

from __future__ import annotations

from html import escape
from typing import Any

from crawler.localtime import minute
from crawler.report.charts import backlog_chart, category_chart, department_chart, trend_chart
from crawler.report.labels import suspect_note, unproven_note
from crawler.report.tables import (
    Cell,
    Table,
    category_table,
    crawls_table,
    department_table,
    headline_table,
    kind_table,
    runs_table,
    trend_table,
)

_CSS = """
:root { --ink: #222; --muted: #666; --line: #d5dbe3; --head: #eef2f7; --accent: #a61b1b; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 960px; padding: 24px; color: var(--ink); background: #fff;
  font: 15px/1.6 "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
  "WenQuanYi Micro Hei", "SimSun", sans-serif; }
h1 { font-size: 26px; margin: 0 0 4px; color: var(--accent); }
h2 { font-size: 19px; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 2px solid var(--accent); }
.meta { color: var(--muted); margin: 0 0 16px; }
.sentence { border: 1px solid var(--accent); background: #fdf6f6; padding: 12px 16px; margin: 16px 0; }
.sentence p { margin: 4px 0; font-size: 17px; }
.sentence .label { color: var(--muted); font-size: 13px; margin-right: 8px; }
.cards { display: grid; grid-template-columns: repeat(3, 1fr); gap: 10px; margin: 16px 0; }
.card { border: 1px solid var(--line); padding: 10px 14px; }
.card .value { font-size: 26px; font-weight: bold; }
.card .name { color: var(--muted); font-size: 13px; }
figure.chart { margin: 8px 0 12px; border: 1px solid var(--line); }
figure.chart svg { display: block; width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 18px; font-size: 13px; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
th, td { border: 1px solid var(--line); padding: 4px 8px; }
th { background: var(--head); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.rules { color: var(--muted); font-size: 13px; }
.rules li { margin: 2px 0; }
@page { size: A4; margin: 14mm; }
@media print {
  body { padding: 0; max-width: none; font-size: 12px; }
  h2 { break-after: avoid; }
  figure.chart, table, .sentence, .cards { break-inside: avoid; }
  .cards { grid-template-columns: repeat(3, 1fr); }
}
"""

_RULES = (
    "新发现：首次发现日期在统计时限内的问题(含之后判为误报的)。",
    "已整改：统计时限末状态为“已整改”、且最后一次转为“已整改”发生在统计时限内的问题；"
    "同一问题在同一时限内整改后又重新出现、再次整改，只计一次；判为误报的问题不计为整改。",
    "机器复核：完整巡检未再发现、由系统确认整改；人工标记：由工作人员标记整改。",
    "错链、死链不含待核实链接(被防火墙拦截或访问限流的链接)。",
    "整改中位天数：从发现(或重新出现)到整改的天数的中位数。",
    "日期和时间均按北京时间计(可另行设置时区)。",
)


def _cell(value: Cell) -> str:
    if value is None:
        return '<td class="num">—</td>'
    if isinstance(value, int | float):
        return f'<td class="num">{value}</td>'
    return f"<td>{escape(str(value))}</td>"


def table_html(table: Table, table_id: str) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in table.headers)
    if table.rows:
        body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in table.rows)
    else:
        body = f'<tr><td colspan="{len(table.headers)}">暂无数据</td></tr>'
    return (f'<table id="table-{table_id}"><caption>{escape(table.name)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def _chart(chart_id: str, svg: str) -> str:
    return f'<figure class="chart" id="chart-{chart_id}">{svg}</figure>'


def _cards(report: dict[str, Any]) -> str:
    h, runs, totals = report["headline"], report["runs"], report["totals"]
    median = totals["median_days"]
    items = [
        ("整改错敏词(个)", h["wording_rectified"]),
        ("清除错链、死链(条)", h["dead_links_cleared"]),
        ("清除隐私信息(条)", h["privacy_removed"]),
        ("期末待整改(个)", totals["open_at_end"]),
        (f"巡检次数(完整{runs['complete']}/不完整{runs['incomplete']})", runs["runs"]),
        ("整改中位天数", "—" if median is None else median),
    ]
    return '<div class="cards">' + "".join(
        f'<div class="card"><div class="value">{escape(str(v))}</div>'
        f'<div class="name">{escape(n)}</div></div>' for n, v in items) + "</div>"


def _scorecard(report: dict[str, Any]) -> list[str]:
    """The monthly report's 指标自检 section: the verdict of each site, then the table."""
    cards = report.get("scorecard")
    if not cards:
        return []
    from crawler.report.render_scorecard import headline, scorecard_table

    return ['<h2 id="scorecard">指标自检</h2>',
            '<p class="meta">按《政府网站与政务新媒体检查指标》自检，为生成报告时的状态；扣分只含可自动检测的'
            "项目，得分为估算。</p>",
            *(f'<p class="verdict verdict-{escape(c["verdict"])}">{escape(c["site"])}：'
              f"{escape(headline(c))}</p>" for c in cards),
            table_html(scorecard_table(cards), "scorecard")]


def render_html(report: dict[str, Any], *, back: str | None = None) -> str:
    """The whole report as one HTML page; `back` (the review UI's overview) adds a link to it."""
    title = f"{report['title']}网站巡检报告"
    site = report["site"] or "全部站点"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        *([f'<p class="meta"><a id="back" href="{escape(back)}">← 返回读网复查</a></p>'] if back else []),
        f"<header><h1>{escape(title)}</h1>",
        f'<p class="meta">站点：{escape(site)}'
        f'　统计时限：{escape(report["start"])} 至 {escape(report["end"])}'
        f"　生成时间：{escape(minute(report['generated_at']))}</p></header>",
    ]
    if report.get("sentence"):
        s = report["sentence"]
        parts.append(
            '<section class="sentence" id="sentence"><p><span class="label">年报语句</span>'
            f'<span class="exact">{escape(s["exact"])}</span></p>'
            f'<p><span class="label">约数表述</span><span class="rounded">{escape(s["rounded"])}</span></p>'
            "</section>"
        )
    if report.get("unproven_rectified"):
        note = unproven_note(report["unproven_rectified"])
        parts.append(f'<p class="meta" id="unproven">{escape(note)}</p>')
    if report.get("unconfirmed_suspects"):
        note = suspect_note(report["unconfirmed_suspects"])
        parts.append(f'<p class="meta" id="suspects">{escape(note)}</p>')
    parts += [
        _cards(report),
        "<h2>总体情况</h2>",
        table_html(headline_table(report), "headline"),
        table_html(kind_table(report), "kind"),
        table_html(runs_table(report), "runs"),
        table_html(crawls_table(report), "crawls"),
        "<h2>趋势</h2>",
        _chart("trend", trend_chart(report)),
        _chart("backlog", backlog_chart(report)),
        table_html(trend_table(report), "trend"),
        "<h2>按问题类别</h2>",
        _chart("category", category_chart(report)),
        table_html(category_table(report), "category"),
        "<h2>按责任单位</h2>",
        _chart("department", department_chart(report)),
        table_html(department_table(report), "department"),
        *_scorecard(report),
        '<h2>统计口径</h2><ul class="rules">' + "".join(f"<li>{escape(r)}</li>" for r in _RULES) + "</ul>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"
