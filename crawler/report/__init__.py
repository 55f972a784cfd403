"""Monthly and annual reports: the counts that go into the 政府信息公开工作年度报告, with charts.

No Scrapy import. Modules by role: ``periods`` (--month/--year -> a date range), ``history``
(read-only SQL: each finding's status transitions, the runs), ``departments`` (URL -> 责任单位),
``counts`` (the counting rules of README "Report counting rules"), ``sentence`` (the annual
sentence and its 余 rounding), ``charts`` (pygal SVG), ``render_text`` / ``render_json`` /
``render_xlsx`` / ``render_html`` (the outputs), ``commands`` (the `duwang report` CLI wiring).
"""

from crawler.report.counts import build_report
from crawler.report.departments import UNASSIGNED, department_of
from crawler.report.errors import ReportError
from crawler.report.periods import Period, parse_month, parse_year
from crawler.report.sentence import annual_sentence, round_yu

__all__ = [
    "build_report", "department_of", "UNASSIGNED", "ReportError", "Period", "parse_month",
    "parse_year", "annual_sentence", "round_yu",
]
