"""External hosts (crawler/external.py): what a probe reads, and which changes are findings."""

from __future__ import annotations

import pytest

from crawler.domains import registrable_domain
from crawler.external import PARKING_RE, HostSeen, changes, read_host


@pytest.mark.parametrize(
    "host, domain",
    [
        ("www.a.example.gov.cn", "example.gov.cn"),
        ("news.sina.com.cn:8080", "sina.com.cn"),
        ("user.github.io", "user.github.io"),  # a private suffix: each user is an owner
        ("localhost:8642", "localhost"),
        ("127.0.0.1:99", "127.0.0.1"),
    ],
)
def test_registrable_domain_from_the_bundled_public_suffix_list(host, domain):
    assert registrable_domain(host) == domain


@pytest.mark.parametrize("text", ["该域名正在出售", "此域名转让，有意者请联系", "This domain is for sale!",
                                  "Buy this domain", "域名停放"])
def test_parking_pages(text):
    assert PARKING_RE.search(text)


@pytest.mark.parametrize("text", ["域名注册管理办法", "出售农产品", "domain name system"])
def test_not_parking_pages(text):
    assert not PARKING_RE.search(text)


def test_a_probe_reads_title_icp_and_words():
    from crawler.textcheck import TextChecker

    checker = TextChecker()
    html = ("<html><head><title>友好单位</title></head><body><p>百家乐 真人荷官</p>"
            "<p>备案号：京ICP备 12345678号-1</p></body></html>")
    [(page, hits)] = checker.read_pages([html])
    probe = HostSeen("a.example", "http://a.example/", True, True, 200, "http://a.example/")
    seen = read_host(probe, page, hits)
    assert (seen.title, seen.icp, seen.parked, seen.sensitive) == ("友好单位", "京ICP备12345678号-1", False,
                                                                 ["百家乐", "真人荷官"])


def _row(**kw):
    row = {"resolved": 1, "answered": 1, "final_url": "http://a.example/", "final_domain": "a.example",
           "title": "友好单位", "parked": 0, "sensitive": [], "base_resolved": 1,
           "base_final_domain": "a.example", "base_title": "友好单位"}
    return {**row, **kw}


@pytest.mark.parametrize(
    "now, base, expected",
    [
        (_row(), _row(), []),
        (_row(resolved=0, answered=0, final_url="", final_domain=""), _row(), ["host_gone"]),
        # never resolved: no baseline
        (_row(resolved=0, answered=0, final_url="", final_domain=""), None, []),
        (_row(answered=0, final_url="", final_domain=""), _row(), []),  # a timeout proves nothing
        (_row(final_url="http://bet.example/", final_domain="bet.example"), _row(), ["redirect_away"]),
        # its own domain
        (_row(final_url="https://www.a.example/", final_domain="a.example"), _row(), []),
        # it redirected there from the start: not a change
        (_row(final_url="http://b.example/", final_domain="b.example"),
         _row(base_final_domain="b.example"), []),
        (_row(parked=1), _row(), ["parked"]),
        (_row(parked=1), None, ["parked"]),  # parked when first seen is still a finding
        (_row(sensitive=["百家乐"]), _row(), ["sensitive_content"]),
    ],
)
def test_which_changes_are_findings(now, base, expected):
    assert [category for category, _what in changes("a.example", base, now)] == expected
