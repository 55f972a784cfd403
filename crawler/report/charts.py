"""Charts as inline SVG, drawn by pygal (no JavaScript needed, prints as vectors).

Each function takes the report data and returns one `<svg>` element as text.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import pygal
from pygal.style import Style

FONT = ('"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC","WenQuanYi Micro Hei",'
        '"SimHei",sans-serif')
FOUND, RECTIFIED, BACKLOG = "#d9534f", "#3c9d5d", "#3a6ea5"

_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#333333",
    foreground_strong="#111111",
    foreground_subtle="#dddddd",
    font_family=FONT,
    title_font_size=18,
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    value_font_size=12,
    colors=(FOUND, RECTIFIED, BACKLOG, "#e0a030", "#8e6bb8"),
)


def _config(title: str, height: int = 360, **extra: Any) -> dict[str, Any]:
    return {
        "title": title,
        "style": _STYLE,
        "width": 860,
        "height": height,
        "explicit_size": False,  # the page's CSS sizes the SVG; the viewBox keeps it sharp
        "js": [],  # pygal's tooltip script lives on a CDN; the report must work offline
        "disable_xml_declaration": True,
        "no_data_text": "暂无数据",
        "legend_at_bottom": True,
        "print_values": True,
        "print_zeroes": False,
        **extra,
    }


def count_axis(*series: list[int]) -> list[int]:
    """Whole-number ticks from 0 past the largest count, at most ten steps of 1, 2 or 5 x 10^k."""
    top = max([v for values in series for v in values] + [1])
    step = next(m * 10**k for k in range(20) for m in (1, 2, 5) if top <= 10 * m * 10**k)
    return list(range(0, -(-top // step) * step + 1, step))


def _render(chart: pygal.graph.graph.Graph) -> str:
    return chart.render(is_unicode=True)


def month_labels(trend: list[dict[str, Any]]) -> list[str]:
    years = {row["month"][:4] for row in trend}
    if len(years) <= 1:
        return [f"{int(row['month'][5:])}月" for row in trend]
    return [f"{row['month'][:4]}年{int(row['month'][5:])}月" for row in trend]


def trend_chart(report: dict[str, Any]) -> str:
    """Findings and rectifications per month."""
    trend = report["trend"]
    found, rectified = [row["found"] for row in trend], [row["rectified"] for row in trend]
    chart = pygal.Bar(**_config("每月新发现与已整改", y_labels=count_axis(found, rectified)))
    chart.x_labels = month_labels(trend)
    if trend:
        chart.add("新发现", found)
        chart.add("已整改", rectified)
    return _render(chart)


def backlog_chart(report: dict[str, Any]) -> str:
    """The open backlog at the end of each month."""
    trend = report["trend"]
    backlog = [row["open_at_end"] for row in trend]
    chart = pygal.Line(**_config("月末待整改问题数", style=_style_with(BACKLOG), fill=True, dots_size=4,
                                 y_labels=count_axis(backlog)))
    chart.x_labels = month_labels(trend)
    if trend:
        chart.add("期末待整改", backlog)
    return _render(chart)


def category_chart(report: dict[str, Any]) -> str:
    """Found and rectified in the period, by kind and category."""
    rows = report["by_category"][::-1]  # pygal draws the first row at the bottom
    found, rectified = [row["found"] for row in rows], [row["rectified"] for row in rows]
    labels = [row["label"] for row in rows]  # unverified categories say 待核实 in their label
    chart = pygal.HorizontalBar(**_config("按问题类别", height=_bar_height(len(rows)),
                                          y_labels=count_axis(found, rectified), **_left_labels(labels)))
    chart.x_labels = labels
    if rows:
        chart.add("新发现", found)
        chart.add("已整改", rectified)
    return _render(chart)


def department_chart(report: dict[str, Any]) -> str:
    """Found, rectified and still open, by responsible department (责任单位)."""
    rows = report["by_department"][::-1]  # pygal draws the first row at the bottom
    series = {name: [row[key] for row in rows]
              for name, key in (("新发现", "found"), ("已整改", "rectified"), ("期末待整改", "open_at_end"))}
    labels = [row["department"] for row in rows]
    chart = pygal.HorizontalBar(**_config("按责任单位", height=_bar_height(len(rows), series=3),
                                          y_labels=count_axis(*series.values()), **_left_labels(labels)))
    chart.x_labels = labels
    if rows:
        for name, values in series.items():
            chart.add(name, values)
    return _render(chart)


def _style_with(*colors: str) -> Style:
    style = Style(**{k: getattr(_STYLE, k) for k in (
        "background", "plot_background", "foreground", "foreground_strong", "foreground_subtle",
        "font_family", "title_font_size", "label_font_size", "major_label_font_size",
        "legend_font_size", "value_font_size")})
    style.colors = colors
    return style


def _left_labels(labels: list[str]) -> dict[str, Any]:
    """Room for the category labels left of a horizontal bar chart.

    pygal sizes labels at 0.6 em a character; a Chinese character is a full em, so without
    this the plot overlaps the start of long labels.
    """
    wide = max((sum(unicodedata.east_asian_width(c) in "WF" for c in label) for label in labels), default=0)
    return {"margin_left": 20 + int(wide * 0.45 * _STYLE.label_font_size), "truncate_label": -1}


def _bar_height(n: int, series: int = 2) -> int:
    return max(240, 130 + n * (14 * series + 16))


def daily_chart(days: list[dict[str, Any]], title: str = "近30天趋势") -> str:
    """Found and rectified per day, and the open backlog at each day's end (right axis):
    the review UI's overview. `days` rows have day (YYYY-MM-DD), found, rectified, open."""
    found, rectified = [d["found"] for d in days], [d["rectified"] for d in days]
    backlog = [d["open"] for d in days]
    chart = pygal.Line(**_config(title, height=340, y_labels=count_axis(found, rectified),
                                 print_values=False, dots_size=3, show_minor_x_labels=False,
                                 x_labels_major_every=5, truncate_label=-1))
    chart.x_labels = [f"{int(d['day'][5:7])}月{int(d['day'][8:10])}日" for d in days]
    if days:
        chart.add("新发现", found)
        chart.add("已整改", rectified)
        chart.add("待整改（右轴）", backlog, secondary=True)
    return _render(chart)
