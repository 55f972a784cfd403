"""The TOML config file: parsing, every error path (file:line and key), and a multi-site crawl."""

from __future__ import annotations

import json
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from crawler.demo.server import Reply
from crawler.siteconfig import ConfigFileError, load_config
from tests.conftest import REPO, findings_jsonl, run_cli
from tests.portal_site import page

GOOD = """\
db = "nightly.db"

[defaults]
timeout = 10
concurrency = 4

[[site]]
name = "区政府门户"
start_urls = ["https://www.example.gov.cn/"]
extra_hosts = ["example.gov.cn"]
exclude = ["/search\\\\?"]
soft404_patterns = ["页面不存在"]
wordlists = ["lists"]
webhook = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"

[site.columns]
"https://www.example.gov.cn/xwzx/" = "政务要闻"

[site.departments]
"https://www.example.gov.cn/zwgk/jyj/" = "区教育局"

[[site]]
name = "教育局子站"
start_urls = ["http://jyj.example.gov.cn/"]
concurrency = 2
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "duwang.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_config_parses_with_defaults_and_per_site_values(tmp_path):
    config = load_config(_write(tmp_path, GOOD))
    assert config.db == "nightly.db"
    first, second = config.sites
    assert first.name == "区政府门户" and first.timeout == 10 and first.concurrency == 4
    assert first.columns == {"https://www.example.gov.cn/xwzx/": "政务要闻"}
    assert first.departments == {"https://www.example.gov.cn/zwgk/jyj/": "区教育局"}
    assert first.wordlists == [str((tmp_path / "lists").resolve())]
    assert second.concurrency == 2 and second.timeout == 10
    assert [s.name for s in config.select("教育局子站")] == ["教育局子站"]
    with pytest.raises(ConfigFileError, match="no site named '无'"):
        config.select("无")


def test_example_config_in_the_repo_is_valid():
    config = load_config(REPO / "duwang.example.toml")
    assert config.sites and all(s.start_urls for s in config.sites)


@pytest.mark.parametrize(
    "change, expected",
    [
        (("concurrency = 2", "concurrency = -2"), ":25: site[2].concurrency: must be a positive integer"),
        (("timeout = 10", 'timeout = "ten"'), ":4: defaults.timeout"),
        (('name = "教育局子站"', 'nmae = "教育局子站"'), ":23: site[2].nmae: unknown key"),
        (('start_urls = ["http://jyj.example.gov.cn/"]', 'start_urls = ["ftp://x"]'),
         ":24: site[2].start_urls: not an http(s) URL"),
        (('exclude = ["/search\\\\?"]', 'exclude = ["(unclosed"]'), ":11: site[1].exclude: bad regular"),
        (('"https://www.example.gov.cn/zwgk/jyj/" = "区教育局"',
          '"https://www.example.gov.cn/zwgk/jyj/" = 3'), ":19: site[1].departments: must be a table"),
        (('webhook = "https://qyapi', 'webhook = "qyapi'), ":14: site[1].webhook: must be an http(s) URL"),
        (('name = "教育局子站"', 'name = "区政府门户"'), ":23: site[2].name: duplicate site name"),
        (("[defaults]", "[defaults"), ":3: not valid TOML"),
        (('db = "nightly.db"', 'database = "nightly.db"'), ":1: database: unknown key"),
    ],
)
def test_config_errors_name_line_and_key(tmp_path, change, expected):
    text = GOOD.replace(*change)
    assert text != GOOD
    with pytest.raises(ConfigFileError) as err:
        load_config(_write(tmp_path, text))
    message = str(err.value)
    assert expected in message and "\n" not in message


def test_missing_sites_and_missing_file(tmp_path):
    with pytest.raises(ConfigFileError, match=r"no \[\[site\]\] table"):
        load_config(_write(tmp_path, 'db = "x.db"\n'))
    with pytest.raises(ConfigFileError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


class _Receiver(BaseHTTPRequestHandler):
    bodies: list = []

    def do_POST(self):  # noqa: N802 - http.server API
        length = int(self.headers["Content-Length"])
        _Receiver.bodies.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"errcode":0,"errmsg":"ok"}')

    def log_message(self, *args):
        pass


def test_crawl_every_site_of_a_config_and_notify(serve, tmp_path):
    a = serve({"/": Reply(body=page("甲站", '<a href="/x.html">坏链</a>', footer=False))})
    b = serve({"/": Reply(body=page("乙站", "<p>按装</p>", footer=False))})
    receiver = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{receiver.server_address[1]}/robot"
    config = _write(tmp_path, f"""
db = "{tmp_path / 'n.db'}"
[defaults]
concurrency = 8
timeout = 2
[[site]]
name = "甲"
start_urls = ["{a.url}"]
webhook = "{hook}"
[[site]]
name = "乙"
start_urls = ["{b.url}"]
""")
    try:
        _Receiver.bodies = []
        proc = run_cli("crawl", "--config", str(config), check_exit=1)
        assert "站点 甲" in proc.stdout and "站点 乙" in proc.stdout
        rows = findings_jsonl(tmp_path / "n.db")
        assert {(r["site"], r["kind"]) for r in rows} == {("甲", "dead_link"), ("乙", "wording")}
        [body] = _Receiver.bodies
        assert body["msgtype"] == "text" and "甲" in body["text"]["content"]
        run_cli("crawl", "--config", str(config), "--site", "乙", check_exit=0)
        con = sqlite3.connect(tmp_path / "n.db")
        assert con.execute("SELECT site FROM runs ORDER BY id").fetchall()[-1] == ("乙",)
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 3
    finally:
        receiver.shutdown()
    bad = run_cli("crawl", "--config", str(config), "--site", "丙", check_exit=2)
    assert "no site named '丙'" in bad.stderr and "Traceback" not in bad.stderr
