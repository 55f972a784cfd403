"""What a person reads: times in the configured zone (北京时间 by default) and Chinese labels
for every code and raw error (crawler.localtime, crawler.labels)."""

from __future__ import annotations

import re

import pytest

from crawler import labels, localtime
from crawler.outcomes import CATEGORY_LABELS
from crawler.report import build_report, parse_year
from crawler.store import open_db
from tests.conftest import closed_port, run_cli

LATIN = re.compile(r"[A-Za-z]")


@pytest.mark.parametrize(("stored", "minute", "day"), [
    ("2026-11-30T19:22:30+00:00", "2026-12-01 03:22", "2026-12-01"),  # a UTC server clock
    ("2026-11-30T19:22:30+08:00", "2026-11-30 19:22", "2026-11-30"),
    ("2026-11-30T19:22:30", "2026-12-01 03:22", "2026-12-01"),  # no offset: taken as UTC
    ("", "", ""),
    (None, "", ""),
])
def test_times_show_in_beijing_time(monkeypatch, stored, minute, day):
    monkeypatch.delenv(localtime.ENV, raising=False)
    assert localtime.minute(stored) == minute
    assert localtime.day(stored) == day


def test_the_zone_is_a_setting(monkeypatch):
    monkeypatch.setenv(localtime.ENV, "Europe/Berlin")
    assert localtime.minute("2026-11-30T19:22:30+08:00") == "2026-11-30 12:22"
    monkeypatch.setenv(localtime.ENV, "Mars/Olympus")
    with pytest.raises(localtime.TimeZoneError, match="DUWANG_TIMEZONE: unknown time zone 'Mars/Olympus'"):
        localtime.zone()


def test_a_bad_zone_is_a_one_line_error(tmp_path, monkeypatch):
    open_db(tmp_path / "x.db").close()
    monkeypatch.setenv(localtime.ENV, "Nowhere/Town")
    proc = run_cli("report", "annual", "--year", "2026", "--db", str(tmp_path / "x.db"), "-o", "-")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "DUWANG_TIMEZONE" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_fix_on_new_years_morning_in_beijing_counts_in_the_new_year(tmp_path, monkeypatch):
    """The server's clock is UTC: 2026-12-31 23:30 there is 2027-01-01 07:30 in Beijing."""
    monkeypatch.delenv(localtime.ENV, raising=False)
    db = open_db(tmp_path / "x.db")
    seen = "2026-12-01T02:00:00+00:00"
    db["findings"].insert({"id": 1, "key": "k", "site": "s", "kind": "wording", "category": "typo",
                           "severity": "general", "status": "rectified", "first_seen": seen,
                           "last_seen": seen, "first_run": 1, "last_run": 1})
    db["events"].insert({"finding_id": 1, "at": "2026-12-31T23:30:00+00:00", "actor": "zhang",
                         "from_status": "open", "to_status": "rectified", "note": "", "run_id": None})
    assert build_report(db, parse_year("2026"))["headline"]["wording_rectified"] == 0
    assert build_report(db, parse_year("2027"))["headline"]["wording_rectified"] == 1
    db.close()


@pytest.mark.parametrize("code", sorted(CATEGORY_LABELS))
def test_every_link_category_has_a_chinese_label(code):
    label = labels.category_label(code)
    assert label and not LATIN.search(label), (code, label)


@pytest.mark.parametrize(("category", "status", "label"), [
    ("http_4xx", 404, "页面不存在（404）"),
    ("http_4xx", 418, "网页打不开（418）"),
    ("http_5xx", 502, "网关错误（502）"),
    ("dns", None, "域名无法解析"),
    ("blocked", 403, "被防火墙拦截（待核实）"),
    (None, None, "其他访问错误"),
])
def test_error_labels(category, status, label):
    assert labels.error_label(category, status) == label


@pytest.mark.parametrize(("detail", "label"), [
    # what crawler/recheck.py writes for a page or a link target
    ("refused", "连接被拒绝"),
    ("dns: [Errno -2] Name or service not known", "域名无法解析"),
    ("timeout", "访问超时"),
    ("HTTP 404", "页面不存在（404）"),
    ("链接仍不可用：HTTP 404 (http_4xx)", "链接仍不可用：页面不存在（404）"),
    ("链接仍不可用：HTTP 200, 页面提示「页面不存在」(soft_404)", "链接仍不可用：页面提示「页面不存在」"),
    ("链接已可访问：HTTP 200", "链接已可访问：可以访问（200）"),
    ("链接仍不可用：tls: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed",
     "链接仍不可用：安全证书或加密连接错误"),
    ("重定向循环或次数过多 (HTTP 302)", "重定向循环或次数过多"),
    ("不是 http(s) 地址，无法访问", "链接地址无效，无法访问"),
    ("CannotResolveHostError: DNS lookup failed: no results", "其他访问错误"),
    ("页面仍有「Hello」", "页面仍有「Hello」"),  # the page's own words, quoted
    ("页面已无该问题", "页面已无该问题"),
])
def test_recheck_details_in_chinese(detail, label):
    assert labels.recheck_detail_label(detail) == label


def test_run_states_and_actors():
    assert labels.run_state_label("complete", "finished") == "完整"
    assert labels.run_state_label("incomplete", "max_pages") == "不完整（达到页面数上限）"
    assert labels.run_state_label("incomplete", "something_new") == "不完整（其他原因）"
    assert labels.actor_label("machine") == "系统" and labels.actor_label("王") == "王"


def test_a_bad_zone_stops_a_crawl_with_a_webhook_before_it_starts(tmp_path, monkeypatch):
    config = tmp_path / "duwang.toml"
    config.write_text(f'[[site]]\nname = "测试"\nstart_urls = ["http://127.0.0.1:{closed_port()}/"]\n'
                      f'webhook = "http://127.0.0.1:{closed_port()}/hook"\n', encoding="utf-8")
    monkeypatch.setenv(localtime.ENV, "Nowhere/Town")
    proc = run_cli("crawl", "--config", str(config), "--db", str(tmp_path / "x.db"))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "DUWANG_TIMEZONE" in proc.stderr
    assert not (tmp_path / "x.db").exists()  # nothing was crawled
