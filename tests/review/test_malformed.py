"""Malformed input anywhere in the review server is a 400 (or 403, 404...), never a 500: junk
posted and asked of every route, as the web office, as a department and with no login."""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

from crawler.review.accounts import add_user
from crawler.review.app import create_app
from crawler.store.sites import SiteInfo, save_site
from tests.review.builders import DEAD, HOME, SITE, A, B, crawl, hit

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
OFFICE = "区政府办公室"

HUGE = [str(2**63), "9" * 30, "9" * 5000, "-1", "0"]
JUNK = ["%ff%fe", "%", "%zz", "%00", "\x00", "\u202e", "a" * 3000, "1e3", " 1", "１"]
# Each a query string or a form body, raw: invalid UTF-8 and percent-encoding included.
QUERIES = [
    "", "one=abc", "one=" + HUGE[0], "one=-5", "one=1&to=bogus", "to=%ff", "next=%0d%0a/x",
    "kind=%ff&status=%fe&severity=%00&since=9999-99-99&until=0000-00-00&page=" + HUGE[2],
    "page=-1&q=%ff%fe%&department=%00&column=" + "x" * 3000, "back=%0a//evil&page=%ff",
    "by_department=1&kind=all", "revoked=1", "%ff=%fe&&&==", "page=" + "\x00",
]
FORMS = [
    b"", b"ids=abc", b"ids=" + HUGE[0].encode(), b"ids=" + HUGE[1].encode(), b"ids=-1", b"ids=0",
    b"ids=1&status=bogus", b"ids=1&status=%ff%fe", b"ids=1&status=false_positive&whitelist=bogus",
    b"ids=1&status=false_positive&whitelist=everywhere", b"ids=1&ids=1&status=ignored",
    b"ids=\xff\xfe&status=\xff&note=\xff\x00", b"ids=1&note=" + b"x" * 20000 + b"&next=%0a",
    b"ids=1&ids=" + HUGE[1].encode() + b"&status=rectified&next=//evil",
    b"name=\xff\xfe&password=\x00", b"name=" + b"a" * 5000 + b"&password=" + b"b" * 5000,
    b"%ff=%fe&&&==", b"ids=%E2%80%AE1&status=open&confirmed=1",
]


@pytest.fixture
def app(fresh_db, db_path):
    save_site(fresh_db, SiteInfo(SITE, [HOME], departments={"www.x.gov.cn/tzgg/": OFFICE}))
    crawl(fresh_db, {HOME: [A, B, DEAD], A: [], B: []}, dead={DEAD}, hits={A: [hit()], B: [hit()]})
    add_user(fresh_db, "admin", "correct horse")
    add_user(fresh_db, "office", "correct horse", role="department", department=OFFICE)
    return db_path


def _client(db_path, who: str | None):
    app = create_app(db_path, login_required=who is not None, recheck_timeout=0.5)
    app.testing = True  # an exception reaches the test instead of becoming a 500 page
    c = app.test_client()
    if who:
        tok = _TOKEN.search(c.get("/login").get_data(as_text=True)).group(1)
        assert c.post("/login", data={"name": who, "password": "correct horse", "csrf_token": tok}
                      ).status_code == 302
    return app, c


def _paths(app) -> list[tuple[str, set[str], bool]]:
    """Every route with its path arguments filled with junk (and good ids), its methods, and
    whether it had arguments to fill."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        values: list[dict[str, str]] = [{}]
        for arg in rule.arguments:
            converter = rule._converters[arg]
            choices = (["1", "2", str(2**63 - 1)] if isinstance(converter, IntegerConverter)
                       else ["csv", "monthly", "2026-11.xlsx", "%ff", "x" * 300])
            values = [{**v, arg: c} for v in values for c in choices]
        for v in values:
            path = rule.rule
            for arg, value in v.items():
                path = re.sub(rf"<(?:[^<>]*:)?{arg}>", value, path)
            out.append((path, rule.methods - {"HEAD", "OPTIONS"}, bool(v)))
    return out


@pytest.mark.parametrize("who", [None, "admin", "office"])
def test_junk_to_every_route_is_never_a_server_error(app, who):
    flask_app, c = _client(app, who)
    tok = _TOKEN.search(c.get("/list").get_data(as_text=True)).group(1).encode()
    failures: list[str] = []
    for path, methods, filled in _paths(flask_app):
        for query in QUERIES[:3] if filled else QUERIES:
            url = f"{path}?{query}" if query else path
            if "GET" in methods:
                _ask(c, failures, "GET", url)
        if "POST" not in methods or path == "/logout":  # signing out would end the fuzz's session
            continue
        for query in QUERIES[:5]:
            url = f"{path}?{query}" if query else path
            for body in FORMS:
                if "recheck" in path and (b"ids=1" in body or query.startswith("one=1")):
                    continue  # a real recheck fetches the pages: the fuzz has no portal
                _ask(c, failures, "POST", url, body + b"&csrf_token=" + tok)
        for csrf in (b"%ff%fe", b"\xff", b"%E4%B8%AD"):
            _ask(c, failures, "POST", path, b"ids=1&status=ignored&csrf_token=" + csrf)
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures[:30])


@pytest.mark.parametrize("body", [
    b"csrf_token=\xff\xfe", b"csrf_token=%ff", b"csrf_token=%E4%B8%AD", b"csrf_token=" + b"x" * 10000,
])
def test_a_bad_csrf_token_is_a_400(app, body):
    _, c = _client(app, None)
    c.get("/list")
    r = c.post("/mark", data=body + b"&ids=1&status=ignored",
               content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400 and "安全令牌" in r.get_data(as_text=True)


@pytest.mark.parametrize("ids", ["9" * 30, str(2**63), "-3", "0"])
def test_an_id_out_of_range_is_a_400(app, ids):
    _, c = _client(app, None)
    tok = _TOKEN.search(c.get("/list").get_data(as_text=True)).group(1)
    r = c.post("/mark", data={"ids": ids, "status": "ignored", "csrf_token": tok})
    assert r.status_code == 400 and "问题编号" in r.get_data(as_text=True)
    r = c.post(f"/mark?one={ids}&to=ignored", data={"csrf_token": tok})
    assert r.status_code == 400


def _ask(c, failures: list[str], method: str, url: str, body: bytes | None = None) -> None:
    try:
        if method == "GET":
            r = c.get(url)
        else:
            r = c.post(url, data=body, content_type="application/x-www-form-urlencoded")
    except Exception as exc:  # noqa: BLE001 (every exception is a finding of the test)
        failures.append(f"{method} {url!r} {body!r:.200}: {type(exc).__name__}: {exc}")
        return
    if r.status_code >= 500:
        failures.append(f"{method} {url!r} {body!r:.200}: {r.status_code}")
