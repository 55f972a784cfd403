"""JSON, XLSX and HTML carry the same numbers as build_report."""

from __future__ import annotations

import io
import json
import re

import pytest
from openpyxl import load_workbook

from crawler.report import build_report, parse_month, parse_year
from crawler.report.render_html import render_html
from crawler.report.render_json import render_json
from crawler.report.render_text import render_text
from crawler.report.render_xlsx import render_xlsx


@pytest.fixture
def annual(history_db):
    return build_report(history_db, parse_year("2026"), current_day="2026-12-31")


@pytest.fixture
def monthly(history_db):
    return build_report(history_db, parse_month("2026-11"), current_day="2026-12-31")


def test_json_round_trips(annual):
    data = json.loads(render_json(annual))
    assert data == annual
    assert data["headline"]["dead_links_cleared"] == 4
    assert "全年整改错敏词2个" in render_json(annual)  # Chinese kept, not \\u-escaped


def sheet(wb, name: str) -> list[tuple]:
    return list(wb[name].iter_rows(values_only=True))


def test_xlsx_reads_back_with_the_same_numbers(monthly):
    wb = load_workbook(io.BytesIO(render_xlsx(monthly)))
    assert wb.sheetnames == ["主要数据", "巡检情况", "各站点最近巡检", "按问题类型", "按类别", "按责任单位",
                             "按月趋势", "指标自检", "说明"]
    last = ("www.example.gov.cn", "2026-11-30", "完整", 125, "2026-11-30")
    assert sheet(wb, "各站点最近巡检")[1:] == [last]
    headline = dict(sheet(wb, "主要数据")[1:])
    assert headline["整改错敏词"] == 1
    assert headline["　其中敏感词"] == 1
    assert headline["清除错链、死链"] == 3
    assert headline["清除隐私信息"] == 1
    assert headline["待核实链接(不计入错链)"] == 0
    runs = dict(sheet(wb, "巡检情况")[1:])
    assert (runs["巡检次数"], runs["完整巡检"], runs["不完整巡检"], runs["巡检页面数"]) == (3, 3, 0, 365)
    kinds = sheet(wb, "按问题类型")
    header = kinds[0]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in kinds[1:]}
    assert rows["合计"]["新发现"] == 4
    assert rows["合计"]["已整改"] == 6
    assert rows["合计"]["其中人工标记"] == 3
    assert rows["合计"]["其中机器复核"] == 3
    assert rows["合计"]["误报"] == 1
    assert rows["合计"]["重新出现"] == 2
    assert rows["合计"]["期末待整改"] == 2
    assert rows["合计"]["整改中位天数"] == 10.0
    assert rows["错链/死链"]["已整改"] == 3
    assert rows["待核实链接"]["已整改"] == 1
    trend = {r[0]: r for r in sheet(wb, "按月趋势")[1:]}
    assert trend["2026-11"] == ("2026-11", 4, 6, 3, 1, 2)


def test_xlsx_annual_has_the_sentence_first(annual):
    wb = load_workbook(io.BytesIO(render_xlsx(annual)))
    assert wb.sheetnames[0] == "年报语句"
    assert sheet(wb, "年报语句")[1:] == [("精确数字", "全年整改错敏词2个，清除错链、死链4条"),
                                      ("约数(余)", "全年整改错敏词2个，清除错链、死链4条")]
    rows = {r[0]: r for r in sheet(wb, "按问题类型")[1:]}
    assert rows["合计"][1:3] == (12, 8)


def test_html_is_one_self_contained_file(annual):
    html = render_html(annual)
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in html
    assert html.count("<svg") == 4
    for chart in ("trend", "backlog", "category", "department"):
        assert f'id="chart-{chart}"' in html
    # Nothing is loaded from anywhere: no external script, stylesheet, image or font.
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+stylesheet", html)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html)
    assert "全年整改错敏词2个，清除错链、死链4条" in html
    assert "每月新发现与已整改" in html and "按责任单位" in html


def test_html_tables_hold_the_numbers(monthly):
    html = render_html(monthly)
    table = re.search(r'<table id="table-kind">.*?</table>', html, re.S).group(0)
    total = re.search(r"<tr><td>合计</td>(.*?)</tr>", table).group(1)
    cells = re.findall(r'<td class="num">([^<]*)</td>', total)
    assert cells == ["4", "6", "3", "3", "1", "0", "2", "2", "10.0"]


def test_html_escapes_department_names(history_db):
    r = build_report(history_db, parse_year("2026"), current_day="2026-12-31",
                     departments={"www.example.gov.cn/jyj/": "<b>教育局</b>"})
    html = render_html(r)
    assert "<b>教育局</b>" not in html
    assert "&lt;b&gt;教育局&lt;/b&gt;" in html


def test_terminal_summary(annual, monthly):
    text = render_text(annual)
    assert text.rstrip().endswith("全年整改错敏词2个，清除错链、死链4条")
    assert "2026年度网站巡检报告" in text
    assert "巡检 6 次(完整 5，不完整 1)，巡检页面 625 个" in text
    month = render_text(monthly)
    assert "2026年11月网站巡检报告" in month
    assert "年报语句" not in month
    total = next(line for line in month.splitlines() if line.startswith("合计"))
    assert total.split()[1:] == ["4", "6", "3", "3", "1", "2"]


def test_last_crawl_as_of_the_periods_end(history_db):
    """October's report: the site's last crawl that month was incomplete (the page bound);
    its last complete one came before. November's crawls do not show in October's."""
    october = build_report(history_db, parse_month("2026-10"), current_day="2026-12-31")
    assert october["last_crawls"] == [{
        "site": "www.example.gov.cn", "night": "2026-10-31", "status": "incomplete", "reason": "max_pages",
        "pages": 50, "last_complete_night": "2026-10-15"}]
    from crawler.report.render_text import render_text

    line = "www.example.gov.cn：最近巡检 2026-10-31，不完整（达到页面数上限）；最近一次完整巡检 2026-10-15"
    assert line in render_text(october)
