"""`duwang demo`: serve the bundled portal on loopback, crawl it, show the findings."""

from __future__ import annotations

from crawler.demo.portal import SITE_NAME, demo_server
from crawler.errors import DuwangError
from crawler.render import render_findings, render_summary
from crawler.runner import CrawlOptions, run_crawl
from crawler.store import open_db
from crawler.store.queries import list_findings

DEFAULT_PORT = 8642  # fixed, so a second demo run finds the same URLs (falls back if busy)


class DemoError(DuwangError):
    pass


def _start_server(port: int | None):
    if port is None:
        try:
            return demo_server(port=DEFAULT_PORT).start()
        except OSError:
            port = 0
    try:
        return demo_server(port=port).start()
    except OSError as exc:
        raise DemoError(f"cannot serve the demo portal on port {port}: {exc.strerror}") from None


def run_demo(db_path: str, port: int | None = None) -> None:
    with _start_server(port) as server:
        print(f"演示站点「{SITE_NAME}」已在 {server.url} 启动，开始巡检…")
        # The demo portal is ours and local: no throttling, short backoff.
        opts = CrawlOptions(
            start_urls=[server.url],
            db_path=db_path,
            site=SITE_NAME,
            timeout=5,
            concurrency=8,
            extra_settings={"DUWANG_BACKOFF_BASE": 0.2},
        )
        summary = run_crawl(opts)
    print(render_summary(summary))
    db = open_db(db_path)
    try:
        rows = list_findings(db, site=summary.site, status="open")
    finally:
        db.close()
    print(render_findings(rows, "table"))
    print(f"结果已保存到 {db_path}。查看明细: duwang findings --db {db_path} --format jsonl")
