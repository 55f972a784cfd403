"""`duwang demo`: serve the bundled portal on loopback, crawl it, show the findings.

With ``--serve`` the portal stays up, served from a copy of its files that can be edited,
and the review UI starts beside it: fix a page, press 复核, and see the recheck decide.
"""

from __future__ import annotations

import multiprocessing
import shutil
import signal
import sys
from pathlib import Path

from crawler.demo.portal import (
    DEMO_COLUMNS,
    DEMO_DEPARTMENTS,
    DEMO_TODAY,
    SITE_DIR,
    SITE_NAME,
    demo_server,
    night_before,
)
from crawler.errors import DuwangError
from crawler.inspection.scorecard import build_scorecard
from crawler.render import render_findings, render_summary
from crawler.report.render_scorecard import scorecard_text
from crawler.runner import CrawlOptions, run_crawl
from crawler.store import open_db
from crawler.store.queries import list_findings

DEFAULT_PORT = 8642  # fixed, so a second demo run finds the same URLs (falls back if busy)
DEFAULT_UI_PORT = 8643


class DemoError(DuwangError):
    pass


def _start_server(port: int | None, root: Path):
    if port is None:
        try:
            return demo_server(port=DEFAULT_PORT, root=root).start()
        except OSError:
            port = 0
    try:
        return demo_server(port=port, root=root).start()
    except OSError as exc:
        raise DemoError(f"cannot serve the demo portal on port {port}: {exc.strerror}") from None


def site_copy(db_path: str) -> Path:
    """The demo portal's files beside the database, copied on first use and kept: edits
    made there (a fixed typo) are what the next recheck and crawl see."""
    db = Path(db_path)
    folder = db.with_name(db.stem + "-site")
    if not folder.exists():
        try:
            shutil.copytree(SITE_DIR, folder)
        except OSError as exc:
            raise DemoError(f"cannot copy the demo portal to {folder}: {exc.strerror or exc}") from None
    elif not (folder / "index.html").is_file():
        raise DemoError(f"{folder} exists but holds no demo portal; remove it or use another --db")
    return folder


def _read_the_night_before(server, opts: CrawlOptions) -> None:
    """Crawl the portal as it was the night before, in a process of its own (one crawl per
    process: the reactor cannot restart), then put it back as it is tonight. Between the two
    nights 工作动态 lists an item dated 19 days earlier: backdating (伪造发稿日期) shows only
    against a list duwang read before."""
    before, tonight = night_before()
    for path, route in before.items():
        server.add_route(path, route)
    print("先按前一晚的站点巡检一次（比对补发的信息）…")
    child = multiprocessing.get_context("spawn").Process(target=_crawl, args=(opts,))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise DemoError("the crawl of the night before failed; see the lines above")
    for path, route in tonight.items():
        server.add_route(path, route)


def _crawl(opts: CrawlOptions) -> None:
    """The night before's crawl, in the child process: its failure is one line and exit 1."""
    try:
        run_crawl(opts)
    except DuwangError as exc:
        print(f"duwang demo: error: {exc}", file=sys.stderr)
        sys.exit(1)


def run_demo(db_path: str, port: int | None = None, serve: bool = False, ui_port: int | None = None) -> None:
    root = site_copy(db_path) if serve else SITE_DIR
    with _start_server(port, root) as server:
        print(f"演示站点「{SITE_NAME}」已在 {server.url} 启动，开始巡检…")
        # The demo portal is ours and local: no throttling, short backoff.
        opts = CrawlOptions(
            start_urls=[server.url],
            db_path=db_path,
            site=SITE_NAME,
            timeout=5,
            concurrency=8,
            columns={server.url + path: name for path, name in DEMO_COLUMNS.items()},
            departments={server.url + path: name for path, name in DEMO_DEPARTMENTS.items()},
            # Read as of the portal's own days: its columns and home page are judged then.
            extra_settings={"DUWANG_BACKOFF_BASE": 0.2, "DUWANG_TODAY": DEMO_TODAY},
        )
        _read_the_night_before(server, opts)
        summary = run_crawl(opts)
        print(render_summary(summary))
        db = open_db(db_path)
        try:
            rows = list_findings(db, site=summary.site, status="open")
            card = build_scorecard(db, summary.site)
        finally:
            db.close()
        print(render_findings(rows, "table"))
        print(scorecard_text([card.to_dict()]))
        print(f"结果已保存到 {db_path}。查看明细: duwang findings --db {db_path} --format jsonl")
        if not serve:
            print(f"下一步: duwang demo --serve 会保持演示站点运行并打开读网复查页面；"
                  f"或 duwang serve --db {db_path} 查看整改清单。")
            return
        _serve_review(db_path, root, ui_port)


def _serve_review(db_path: str, root: Path, ui_port: int | None) -> None:
    from crawler.review.server import ServeError, build_server

    try:
        ui = build_server(db_path, "127.0.0.1", DEFAULT_UI_PORT if ui_port is None else ui_port,
                          no_login=True)
    except ServeError:
        if ui_port is not None:
            raise
        ui = build_server(db_path, "127.0.0.1", 0, no_login=True)  # the usual port is busy: any free one
    print(f"读网复查: http://127.0.0.1:{ui.server_port}/ "
          "（演示站点保持运行；无需登录，仅供本机使用；Ctrl-C 停止）")
    print(f"演示站点的文件在 {root}。例如把 {root / 'xwzx' / '2024-03-15-chungeng.html'} "
          "里的「迫不急待」改为「迫不及待」，再在复查页面对该条点「复核」：复核通过；未改的复核不通过。")
    # The crawl's signal handlers are Scrapy's: Ctrl-C (and a TERM) now stop the UI.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        ui.serve_forever()
    except KeyboardInterrupt:
        print("已停止。")
    finally:
        ui.server_close()
