"""Table-driven rules: 余 rounding, periods, departments."""

from __future__ import annotations

import pytest

from crawler.errors import DuwangError
from crawler.report import UNASSIGNED, annual_sentence, department_of, parse_month, parse_year, round_yu


@pytest.mark.parametrize(("n", "text"), [
    (0, "0"), (7, "7"), (9, "9"), (10, "10"), (11, "10余"), (48, "40余"), (99, "90余"), (100, "100"),
    (301, "300余"), (937, "900余"), (999, "900余"), (1000, "1000"), (1234, "1200余"), (1200, "1200"),
    (9999, "9900余"), (25678, "25000余"),
])
def test_round_yu(n, text):
    assert round_yu(n) == text


def test_the_sentence_of_the_2022_report():
    assert annual_sentence(937, 312) == {
        "exact": "全年整改错敏词937个，清除错链、死链312条",
        "rounded": "全年整改错敏词900余个，清除错链、死链300余条",
    }


@pytest.mark.parametrize(("text", "start", "end"), [
    ("2026-11", "2026-11-01", "2026-11-30"),
    ("2024-02", "2024-02-01", "2024-02-29"),
    ("2026-12", "2026-12-01", "2026-12-31"),
])
def test_parse_month(text, start, end):
    p = parse_month(text)
    assert (p.start, p.end, p.label) == (start, end, text)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-1", "202611", "11-2026", "", "2026-11-01"])
def test_bad_month(text):
    with pytest.raises(DuwangError, match="--month expects YYYY-MM"):
        parse_month(text)


@pytest.mark.parametrize("text", ["26", "20266", "year", "0000"])
def test_bad_year(text):
    with pytest.raises(DuwangError, match="--year expects"):
        parse_year(text)


def test_parse_year():
    p = parse_year("2026")
    assert (p.start, p.end, p.title) == ("2026-01-01", "2026-12-31", "2026年度")


MAPPING = {
    "https://www.example.gov.cn/zwgk/": "区政府办公室",
    "www.example.gov.cn/zwgk/jyj/": "区教育局",
    "http://other.gov.cn/": "外部单位",
}


@pytest.mark.parametrize(("url", "department"), [
    ("https://www.example.gov.cn/zwgk/jyj/1.html", "区教育局"),  # the longest prefix wins
    ("http://www.example.gov.cn/zwgk/2.html", "区政府办公室"),  # the scheme is not compared
    ("https://WWW.EXAMPLE.GOV.CN/zwgk/3.html", "区政府办公室"),
    ("https://www.example.gov.cn/", UNASSIGNED),
    ("https://other.gov.cn/x", "外部单位"),
    (None, UNASSIGNED),
])
def test_department_of(url, department):
    assert department_of(url, MAPPING) == department


def test_department_of_without_a_mapping():
    assert department_of("https://www.example.gov.cn/zwgk/jyj/1.html") == UNASSIGNED
    assert department_of("https://www.example.gov.cn/", {}) == UNASSIGNED
