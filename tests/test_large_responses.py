"""Large responses (issue 14): a page over the size bound is "too large to verify" whether
or not it says its size, and a big attachment is alive when its first bytes arrive."""

from __future__ import annotations

import gzip

import pytest

from crawler.demo.server import Reply
from tests.conftest import findings_jsonl, run_cli
from tests.portal_site import page

BOUND = 20_000
BIG_PAGE = page("大页面", "<p>正文</p>" * 4_000, footer=False)  # about 60 KB


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(Reply(body=BIG_PAGE), id="with-content-length"),
        pytest.param(Reply(body=BIG_PAGE, no_length=True), id="without-content-length"),
        pytest.param(Reply(body=gzip.compress(BIG_PAGE.encode("utf-8")),
                           headers={"Content-Encoding": "gzip"}), id="gzip-expanding-past-the-bound"),
    ],
)
def test_a_page_over_the_bound_is_too_large_not_dead(serve, db_path, reply):
    portal = serve({"/": Reply(body=page("首页", '<a href="/big.html">大页面</a>', footer=False)),
                    "/big.html": reply})
    run_cli("crawl", portal.url, "--db", str(db_path), "-s", f"DOWNLOAD_MAXSIZE={BOUND}", check_exit=1)
    [finding] = findings_jsonl(db_path)
    assert finding["kind"] == "unverified_link", finding
    assert finding["category"] == "too_large"
    assert finding["target"].endswith("/big.html")


def test_a_big_attachment_whose_server_refuses_head_is_alive(serve, db_path):
    pdf = b"%PDF-1.4\n" + b"0" * (3 * BOUND)
    portal = serve({
        "/": Reply(body=page("首页", '<a href="/files/big.pdf">附件</a>', footer=False)),
        "/files/big.pdf": Reply(body=pdf, content_type="application/pdf", head_status=405),
    })
    run_cli("crawl", portal.url, "--db", str(db_path), "-s", f"DOWNLOAD_MAXSIZE={BOUND}", check_exit=0)
    assert findings_jsonl(db_path) == []
