"""Build findings in a database without a crawl: pages, links and text hits, then finish_run."""

from __future__ import annotations

import re

from crawler.items import LinkCheck, Page
from crawler.store.finalize import finish_run
from crawler.store.writer import RunWriter
from crawler.textcheck import Hit
from crawler.textcheck.pool import snapshot

SITE = "www.x.gov.cn"
ROOT = "http://www.x.gov.cn/"
HOME = ROOT
A = ROOT + "xwzx/a.html"
B = ROOT + "tzgg/b.html"
DEAD = ROOT + "files/gone.pdf"


def hit(text: str = "再接再励", context: str = "让我们再接再励，共创佳绩", key: str | None = None,
        suggestion: str = "再接再厉", category: str = "typo") -> Hit:
    return Hit(kind="wording", category=category, rule=f"{category}:{text}", text=text,
               suggestion=suggestion, context=context, severity="general", field="body",
               start=context.find(text), end=context.find(text) + len(text),
               key=key or f"{text}|{context}")


def crawl(db, pages: dict[str, list[str]], *, dead=(), hits: dict[str, list[Hit]] | None = None,
          complete: bool = True, site: str = SITE, home: str = HOME,
          html: dict[str, str] | None = None, anchor: str = "附件") -> int:
    """One run: the pages with their links, a check per target, the text hits; then finish_run."""
    writer = RunWriter(db, site, [home])
    for url, targets in pages.items():
        writer.add_page(Page(
            url=url, final_url=url, status=200, title=f"标题 {url}", content_type="text/html",
            encoding="utf-8", depth=0 if url == home else 1, is_home=url == home,
            outlinks=[(t, t, "a", "href", anchor) for t in targets],
        ))
    for target in dict.fromkeys(t for ts in pages.values() for t in ts):
        if target in dead:
            writer.add_link(LinkCheck(target, True, "dead", "http_4xx", 404, "HTTP 404", target, "HEAD"))
        else:
            writer.add_link(LinkCheck(target, True, "ok", None, 200, "", target, "HEAD"))
    for url in pages:
        page_hits = (hits or {}).get(url, [])
        kept = snapshot(html[url]) if html and url in html and page_hits else None
        writer.set_page_hits(url, page_hits, "", kept)
    writer.flush()
    finish_run(db, writer.run_id, site, complete=complete, reason="finished" if complete else "max_pages")
    return writer.run_id


def status_of(db, finding_id: int) -> str:
    return db.execute("SELECT status FROM findings WHERE id = ?", [finding_id]).fetchone()[0]


def finding_id(db, *, kind: str | None = None, text: str | None = None) -> int:
    sql, params = "SELECT id FROM findings WHERE 1", []
    if kind:
        sql += " AND kind = ?"
        params.append(kind)
    if text:
        sql += " AND text = ?"
        params.append(text)
    return db.execute(sql + " ORDER BY id", params).fetchone()[0]


def events(db, finding_id: int | None = None) -> list[tuple]:
    sql = "SELECT finding_id, actor, from_status, to_status, note FROM events"
    params = []
    if finding_id is not None:
        sql += " WHERE finding_id = ?"
        params.append(finding_id)
    return db.execute(sql + " ORDER BY id", params).fetchall()


CSRF_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def signed_in(app, name: str, password: str = "correct horse"):
    """A test client of `app` logged in as `name`."""
    c = app.test_client()
    tok = CSRF_TOKEN.search(c.get("/login").get_data(as_text=True)).group(1)
    r = c.post("/login", data={"name": name, "password": password, "csrf_token": tok})
    assert r.status_code == 302
    return c


def traced_app(db_path):
    """A testing app for `db_path`, and the list of SQL statements its requests run (sqlite3's
    trace callback on each request's own connection)."""
    from crawler.review.app import create_app, get_db

    app = create_app(db_path)
    app.testing = True
    statements: list[str] = []

    @app.before_request
    def _trace() -> None:
        get_db().conn.set_trace_callback(statements.append)

    return app, statements
