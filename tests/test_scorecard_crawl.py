"""The scorecard after a real crawl of the generated inspection portal (tests/inspection_portal.py),
as of its fixed today: the webhook summary a failing veto item opens, the states `duwang report
scorecard` prints, the weights the crawl kept, and the monthly report's 指标自检."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from crawler.demo.server import PortalServer
from tests.conftest import run_cli
from tests.inspection_portal import TODAY, build_routes, config

SITE = "测试区"


class _Receiver(BaseHTTPRequestHandler):
    bodies: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length") or 0)
        _Receiver.bodies.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"errcode":0}')

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scorecard")
    db, cfg = tmp / "duwang.db", tmp / "duwang.toml"
    receiver = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{receiver.server_address[1]}/robot"
    _Receiver.bodies = []
    try:
        with PortalServer(routes=build_routes()) as server:
            text = config(server.url, str(db)).replace(
                'name = "测试区"\n', f'name = "测试区"\nwebhook = "{hook}"\nwebhook_style = "json"\n')
            cfg.write_text(text + "\n[scorecard]\nhome_link = 2\nwordling = 1\n", encoding="utf-8")
            bad = run_cli("crawl", "--config", str(cfg), check_exit=2)
            line = len(cfg.read_text(encoding="utf-8").splitlines())
            cfg.write_text(text + "\n[scorecard]\nhome_link = 2\nprivacy = 3\n", encoding="utf-8")
            run_cli("crawl", "--config", str(cfg), "-s", f"DUWANG_TODAY={TODAY.isoformat()}", check_exit=1)
    finally:
        receiver.shutdown()
    return {"db": db, "cfg": cfg, "bodies": list(_Receiver.bodies), "bad": bad, "line": line}


def test_a_bad_weight_stops_the_crawl_before_it_starts(crawled):
    [said] = crawled["bad"].stderr.strip().splitlines()
    assert said.startswith(f"duwang crawl: error: {crawled['cfg']}:{crawled['line']}: scorecard.wordling: "
                           "unknown key")


def test_each_veto_item_after_the_crawl(crawled):
    [card] = json.loads(run_cli("report", "scorecard", "--db", str(crawled["db"]), "--site", SITE, "--json",
                                check_exit=0).stdout)
    assert {v["code"]: (v["state"], v["count"], v["warnings"]) for v in card["vetoes"]} == {
        # news/stale, notice/stale and nodate over their window; news/near, notice/near near it
        "stale_columns": ("warning", 3, 2),
        "long_stale_columns": ("warning", 1, 1),  # other/stale over, other/near near
        "empty_columns": ("ok", 1, 0),
        "stale_home": ("failing", 1, 0),  # its newest item is 29 days old
        "backdated": ("ok", 0, 0),  # one night only: nothing to compare with
        "availability": ("no_data", 0, 0),  # never watched
        "serious_wording": ("ok", 0, 0),
    }
    [home] = [v for v in card["vetoes"] if v["code"] == "stale_home"]
    assert home["figures"] == "首页最近一条信息发布于 2024-06-01，已 29 天（预警 10 天，否决线 14 天）"
    assert card["verdict"] == "failing" and card["score"] == 100
    # The weights the crawl ran with are kept: the report uses them without the config.
    assert card["weights"] == {"home_link": 2, "other_link": 0.1, "wording_serious": 1,
                               "wording_general": 0.5, "privacy": 3}


def test_the_webhook_summary_opens_with_the_failing_item(crawled):
    [body] = crawled["bodies"]
    first = body["text"].splitlines()[0]
    assert first == ("【单项否决】首页2周未更新："
                     "首页最近一条信息发布于 2024-06-01，已 29 天（预警 10 天，否决线 14 天）")
    assert "指标自检：不合格，估算得分 100（扣分 0，60 分合格）" in body["text"]
    assert "预警：栏目不更新（动态要闻类2周、通知公告政策文件类6个月）、应更新栏目长期未更新" in body["text"]
    assert body["scorecard"]["verdict"] == "failing"


def test_the_monthly_report_holds_the_scorecard(crawled, tmp_path):
    data = json.loads(run_cli("report", "monthly", "--db", str(crawled["db"]), "--format", "json", "-o", "-",
                              check_exit=0).stdout)
    [card] = data["scorecard"]
    assert card["site"] == SITE and card["verdict"] == "failing"
    html = tmp_path / "r.html"
    run_cli("report", "monthly", "--db", str(crawled["db"]), "-o", str(html), check_exit=0)
    page = html.read_text(encoding="utf-8")
    assert '<h2 id="scorecard">指标自检</h2>' in page
    assert "测试区：指标自检：不合格，单项否决：首页2周未更新" in page
    annual = json.loads(run_cli("report", "annual", "--db", str(crawled["db"]), "--format", "json", "-o", "-",
                                check_exit=0).stdout)
    assert "scorecard" not in annual  # a year's report counts; the scorecard is a month's view
