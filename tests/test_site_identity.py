"""Site identity: a finding's key survives a move to https, to or from www., or to another port."""

from __future__ import annotations

import json

import pytest

from crawler.store import open_db
from crawler.store.migrations import _rekey_findings
from crawler.urls import SiteIdentity, default_site_name, registered_domain


@pytest.mark.parametrize(("a", "b"), [
    ("http://qu.gov.cn/a.html", "https://qu.gov.cn/a.html"),
    ("http://qu.gov.cn/a.html", "http://www.qu.gov.cn/a.html"),
    ("http://qu.gov.cn:8080/a.html", "https://www.qu.gov.cn/a.html"),
    ("http://old.qu.gov.cn/a.html?id=1", "https://qu.gov.cn/a.html?id=1"),  # an alias
])
def test_same_page_same_identity(a, b):
    ident = SiteIdentity("qu.gov.cn:8080", ["qu.gov.cn:8080", "qu.gov.cn"], aliases=["old.qu.gov.cn"])
    assert ident(a) == ident(b)


@pytest.mark.parametrize(("a", "b"), [
    ("http://qu.gov.cn/a.html", "http://qu.gov.cn/b.html"),
    ("http://qu.gov.cn/a.html?id=1", "http://qu.gov.cn/a.html?id=2"),
    # Another server on the same machine is not the site: its port stays.
    ("http://127.0.0.1:8642/a.html", "http://127.0.0.1:9000/a.html"),
    ("http://ext.example.com/x", "http://ext.example.com:8443/x"),
    ("http://qu.gov.cn/a.html", "http://shi.gov.cn/a.html"),
])
def test_different_targets_stay_apart(a, b):
    ident = SiteIdentity("127.0.0.1:8642", ["127.0.0.1:8642", "qu.gov.cn"])
    assert ident(a) != ident(b)


def test_what_is_not_a_url_is_its_own_identity():
    ident = SiteIdentity("qu.gov.cn", ["qu.gov.cn"])
    assert ident("http://localhost]") == "//localhost]"
    assert ident("mailto:x@qu.gov.cn") == "mailto:x@qu.gov.cn"


@pytest.mark.parametrize(("url", "name"), [
    ("http://127.0.0.1:8642/", "127.0.0.1"),
    ("https://www.qu.gov.cn/", "qu.gov.cn"),
    ("http://QU.gov.cn:8080/index.html", "qu.gov.cn"),
])
def test_default_site_name(url, name):
    assert default_site_name(url) == name


@pytest.mark.parametrize(("host", "domain"), [
    ("www.qu.gov.cn", "qu.gov.cn"), ("zwgk.qu.gov.cn:8080", "qu.gov.cn"),
    ("example.com", "example.com"), ("a.b.example.com", "example.com"), ("[::1]:80", "[::1]"),
])
def test_registered_domain(host, domain):
    assert registered_domain(host) == domain


def _old_finding(db, fid, key, site, kind, link=None):
    db["findings"].insert({"id": fid, "key": key, "site": site, "kind": kind, "link": link,
                           "status": "open", "first_run": 1, "last_run": 1})


def test_old_keys_are_rewritten_once_and_a_taken_key_is_left_alone(tmp_path):
    db = open_db(tmp_path / "old.db")
    db["runs"].insert({"id": 1, "site": "127.0.0.1:8642", "status": "complete",
                       "start_urls": json.dumps(["http://127.0.0.1:8642/"])})
    db["runs"].insert({"id": 2, "site": "127.0.0.1:9000", "status": "complete",
                       "start_urls": json.dumps(["http://127.0.0.1:9000/"])})
    db["runs"].insert({"id": 3, "site": "区政府", "status": "complete",
                       "start_urls": json.dumps(["https://www.qu.gov.cn/"])})
    _old_finding(db, 1, "link:127.0.0.1:8642|http://127.0.0.1:8642/gone.html", "127.0.0.1:8642",
                 "dead_link", "http://127.0.0.1:8642/gone.html")
    _old_finding(db, 2, "text:127.0.0.1:8642|abc", "127.0.0.1:8642", "wording")
    # The demo on a busy port once made the same finding under another site name.
    _old_finding(db, 3, "text:127.0.0.1:9000|abc", "127.0.0.1:9000", "wording")
    _old_finding(db, 4, "link:区政府|https://www.qu.gov.cn/x.html", "区政府", "dead_link",
                 "https://www.qu.gov.cn/x.html")
    db["page_hits"].insert({"page_url": "http://127.0.0.1:8642/", "finding_key": "text:127.0.0.1:8642|abc"})

    _rekey_findings(db)
    rows = {r["id"]: (r["key"], r["site"]) for r in db.query("SELECT id, key, site FROM findings")}
    assert rows[1] == ("link:127.0.0.1|//127.0.0.1/gone.html", "127.0.0.1")
    assert rows[2] == ("text:127.0.0.1|abc", "127.0.0.1")
    assert rows[3] == ("text:127.0.0.1:9000|abc", "127.0.0.1:9000")  # its key was taken: left as it was
    assert rows[4] == ("link:区政府|//qu.gov.cn/x.html", "区政府")  # a named site keeps its name
    assert [r["site"] for r in db.query("SELECT site FROM runs ORDER BY id")] == [
        "127.0.0.1", "127.0.0.1", "区政府"]
    assert db.execute("SELECT finding_key FROM page_hits").fetchone()[0] == "text:127.0.0.1|abc"
    _rekey_findings(db)  # a second pass changes nothing
    assert {r["id"]: (r["key"], r["site"]) for r in db.query("SELECT id, key, site FROM findings")} == rows
