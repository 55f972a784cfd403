"""duwang command line: parse arguments, call the library, turn its errors into messages."""

from __future__ import annotations

import argparse
import datetime
import os
import sqlite3
import sys
import threading
from collections.abc import Callable, Sequence

from crawler import __version__
from crawler.errors import DuwangError

# The store, the renderers of findings and the other commands' modules are imported where
# they are used: `duwang check-text` needs none of them, and they cost 0.4 s of its start-up.

# Exit codes (README "Exit codes").
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INCOMPLETE = 0, 1, 2, 3
_SEVERITY = {EXIT_OK: 0, EXIT_FINDINGS: 1, EXIT_INCOMPLETE: 2, EXIT_ERROR: 3}  # worst wins


class UsageError(DuwangError):
    pass


def _add_check_text(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check-text", help="check a draft (text or HTML) for 错敏词 and ID numbers",
                       description="Check a draft before publishing. Exits 1 when it finds anything.")
    p.add_argument("file", metavar="FILE", help="a text or HTML file, or - for standard input")
    p.add_argument("--format", choices=("text", "jsonl"), default="text")
    p.add_argument("--html", dest="html", action="store_true", default=None,
                   help="treat the input as HTML (default: guessed from the name and content)")
    p.add_argument("--plain", dest="html", action="store_false", help="treat the input as plain text")
    p.add_argument("--wordlists", action="append", default=[], metavar="DIR",
                   help="a folder of extra wordlists (repeatable)")
    p.add_argument("--date", metavar="YYYY-MM-DD",
                   help="when the draft is (or was) published: a name that was still current then "
                   "is not flagged as outdated (default: the draft's PubDate meta or 发布时间 line)")
    p.set_defaults(func=cmd_check_text)


def _check_text_parser() -> argparse.ArgumentParser:
    """The command line with only `check-text` in it: what parsing `duwang check-text ...`
    needs, without importing the other commands' modules."""
    parser, sub = _top_parser()
    _add_check_text(sub)
    return parser


def _add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", default="duwang.db", help="SQLite database file (default: duwang.db)")


def _crawl_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--timeout", type=float, help="seconds before a request times out (default 20)")
    p.add_argument("--max-pages", type=int, help="stop after this many pages (default 50000)")
    p.add_argument("--concurrency", type=int,
                   help="requests in flight per host; turns AutoThrottle off (default: polite, 4)")
    p.add_argument("--extra-host", action="append", default=[], metavar="HOST",
                   help="another host that belongs to the site (repeatable)")
    p.add_argument("--wordlists", action="append", default=[], metavar="DIR",
                   help="a folder of extra wordlists (repeatable)")
    p.add_argument("--obey-robots", action="store_true", help="honour robots.txt (off by default)")
    p.add_argument("--accept-shrink", action="store_true",
                   help="the site really shrank: a run reading far fewer pages than the last one "
                   "may still be complete")
    p.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a Scrapy or DUWANG_* setting (repeatable)")
    p.add_argument("-v", "--verbose", action="store_true", help="log Scrapy's progress at INFO")


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, not the usage block: nightly scripts log stderr."""

    def error(self, message: str):  # noqa: ANN201 - never returns
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _top_parser() -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:
    parser = _Parser(
        prog="duwang",
        description="读网: crawl a government portal, find dead links (错链/死链), "
        "wording errors (错敏词) and leaked personal data.",
    )
    parser.add_argument("--version", action="version", version=f"duwang {__version__}")
    return parser, parser.add_subparsers(dest="command", metavar="COMMAND")


def build_parser() -> argparse.ArgumentParser:
    from crawler.distributed.commands import add_commands as add_distributed_commands
    from crawler.report.commands import add_commands as add_report_commands
    from crawler.review.commands import add_commands as add_review_commands
    from crawler.store.queries import KINDS, STATUSES

    parser, sub = _top_parser()
    p = sub.add_parser("crawl", help="crawl a site and record its findings",
                       description="Crawl the site at URL (and its own hosts) and check every link.")
    p.add_argument("urls", nargs="*", metavar="URL", help="start URL(s); or use --config")
    p.add_argument("--db", help="SQLite database file (default: the config's db, else duwang.db)")
    p.add_argument("--config", metavar="FILE", help="TOML config file with one [[site]] per portal")
    p.add_argument("--site", metavar="NAME", help="with --config: crawl only this site")
    p.add_argument("--log-file", metavar="FILE", help="also log to FILE (rotated at 10 MB, 5 kept)")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="crawl N sites at a time, each in its own process and shard, ingested as "
                   "each ends (default 1: all sites in this process)")
    p.add_argument("--shards", metavar="DIR",
                   help="with --workers: publish each site's shard in DIR and keep it (default: a "
                   "temporary folder)")
    p.add_argument("--queue", metavar="URL",
                   help="the coordinator of a distributed crawl: one job per site on this Redis queue "
                   "(redis://, rediss://, unix://), run by 'duwang worker'; needs --shards")
    p.add_argument("--retries", type=int, default=0, metavar="N",
                   help="with --queue: run a failed site job again up to N times (default 0)")
    _crawl_options(p)
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("findings", help="list findings (table, JSONL or CSV)",
                       description="List findings from the database.")
    _add_db(p)
    p.add_argument("--kind", choices=KINDS)
    p.add_argument("--status", choices=STATUSES)
    p.add_argument("--site", help="only this site")
    p.add_argument("--format", choices=("table", "jsonl", "csv"), default="table")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.set_defaults(func=cmd_findings)

    _add_check_text(sub)

    p = sub.add_parser("demo", help="crawl the bundled demo portal (offline) and show what it finds",
                       description="Serve the bundled demo portal on 127.0.0.1, crawl it, print the summary.")
    p.add_argument("--db", default="duwang-demo.db", help="database file (default: duwang-demo.db)")
    p.add_argument("--port", type=int, help="port for the demo portal (default: 8642, or any free one)")
    p.add_argument("--serve", action="store_true",
                   help="keep the portal up (served from an editable copy beside the database) and "
                   "start the review UI, so rechecks can pass and fail")
    p.add_argument("--ui-port", type=int,
                   help="port for the review UI with --serve (default: 8643, or any free one)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("watch", help="probe home pages on a schedule: availability (网站可用性)",
                       description="Probe each site's home page (and its watch_urls) every few minutes, "
                       "record every probe and keep the unavailable findings current. Runs until "
                       "stopped (Ctrl-C, SIGTERM), or one round with --once.")
    p.add_argument("urls", nargs="*", metavar="URL",
                   help="URL(s) to probe, each on its own site; or use --config")
    p.add_argument("--db", help="SQLite database file (default: the config's db, else duwang.db)")
    p.add_argument("--config", metavar="FILE",
                   help="TOML config file: each site's first start URL and watch_urls")
    p.add_argument("--site", metavar="NAME", help="with --config: watch only this site")
    p.add_argument("--interval", type=float, default=10.0, metavar="MINUTES",
                   help="minutes between rounds (default 10: 144 probes a day; the rule asks for 20)")
    p.add_argument("--timeout", type=float, default=15.0, metavar="SECONDS",
                   help="a probe not answered in full within this many seconds is slow "
                   "(default 15, the rule's line)")
    p.add_argument("--warn", type=float, default=3.0, metavar="PERCENT",
                   help="the warning line: share of failed or slow probes over the week (default 3; "
                   "the veto line is 5)")
    p.add_argument("--once", action="store_true", help="one round of probes, then print each URL's state")
    p.set_defaults(func=cmd_watch)
    add_report_commands(sub)
    add_review_commands(sub)
    add_distributed_commands(sub)
    return parser


def cmd_crawl(args: argparse.Namespace) -> int:
    from crawler.nightly import crawl_sites
    from crawler.render import render_summary
    from crawler.runner import CrawlOptions, options_from_config
    from crawler.siteconfig import load_config

    overrides = dict(
        timeout=args.timeout, max_pages=args.max_pages, concurrency=args.concurrency,
        extra_hosts=args.extra_host, wordlists=args.wordlists, obey_robots=args.obey_robots,
        accept_shrink=args.accept_shrink,
        log_level="INFO" if args.verbose else "WARNING", extra_settings=_parse_sets(args.set),
    )
    log_file = args.log_file
    if args.config:
        if args.urls:
            raise UsageError("give start URLs or --config, not both")
        config = load_config(args.config)
        if args.db:
            config.db = args.db
        log_file = log_file or config.log_file
        all_opts = [options_from_config(config, site, **overrides) for site in config.select(args.site)]
    else:
        if not args.urls:
            raise UsageError("give a start URL, or --config FILE")
        if args.site:
            raise UsageError("--site only works with --config")
        all_opts = [CrawlOptions(start_urls=args.urls, db_path=args.db or "duwang.db", **overrides)]
    if args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    if args.queue and not args.shards:
        raise UsageError("--queue needs --shards DIR, the shard directory the workers share")
    if args.shards and args.workers < 2 and not args.queue:
        raise UsageError("--shards works with --workers 2 or more, or --queue")
    results = crawl_sites(all_opts, log_file=log_file, workers=args.workers, shards=args.shards,
                          queue=args.queue, retries=args.retries,
                          weights=config.scorecard if args.config else None)
    code = EXIT_OK
    for result in results:
        if result.summary is not None:
            print(render_summary(result.summary))
        if result.error and not result.incomplete:
            print(f"duwang crawl: error: {result.site}: {result.error}", file=sys.stderr)
            site_code = EXIT_ERROR
        elif result.problem:
            print(f"duwang crawl: incomplete: {result.site}: {result.problem}", file=sys.stderr)
            site_code = EXIT_INCOMPLETE
        else:
            site_code = EXIT_FINDINGS if result.summary and result.summary.new_findings else EXIT_OK
        code = max(code, site_code, key=_SEVERITY.__getitem__)
    return code


def _parse_sets(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"-s expects NAME=VALUE, got {pair!r}")
        out[name.strip()] = value
    return out


def cmd_findings(args: argparse.Namespace) -> int:
    from crawler.render import render_findings
    from crawler.store import open_db
    from crawler.store.queries import list_findings

    db = open_db(args.db, create=False, read_only_ok=True)
    rows = list_findings(db, kind=args.kind, status=args.status, site=args.site)
    text = render_findings(rows, args.format)
    if args.output:
        encoding = "utf-8-sig" if args.format == "csv" else "utf-8"
        try:
            with open(args.output, "w", encoding=encoding, newline="") as fh:
                fh.write(text)
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror}") from None
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_check_text(args: argparse.Namespace) -> int:
    from pathlib import Path

    # Before numpy is imported (it reads this then): without transparent huge pages for its
    # large arrays, a 20 MB draft took 0.40-0.55 s of kernel time against 0.74-1.02 s, and
    # 2.8 s against 3.2 s wall at the median of six interleaved rounds (likely the huge
    # pages the forked pieces share, copied whole when one of them writes there).
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    from crawler.render_draft import render_document_hits
    from crawler.textcheck import TextChecker, load_wordlists
    from crawler.textcheck.document import check_document, decode, looks_like_html

    date = _parse_date(args.date) if args.date else None
    checker = TextChecker(load_wordlists([Path(d) for d in args.wordlists]))
    if args.file == "-":
        data, name = sys.stdin.buffer.read(), "-"
    else:
        try:
            data, name = Path(args.file).read_bytes(), args.file
        except OSError as exc:
            raise UsageError(f"cannot read {args.file}: {exc.strerror}") from None
    text = decode(data)
    html = looks_like_html(name, text) if args.html is None else args.html
    found = check_document(checker, text, html, date)
    sys.stdout.write(render_document_hits(name, found, args.format))
    return EXIT_FINDINGS if found else EXIT_OK


def _parse_date(value: str) -> datetime.date:
    try:
        if len(value) == 10 and value[4] == value[7] == "-":
            return datetime.date.fromisoformat(value)
    except ValueError:
        pass
    raise UsageError(f"--date expects a date as YYYY-MM-DD, got {value!r}")


def cmd_demo(args: argparse.Namespace) -> int:
    from crawler.demo.run import run_demo

    run_demo(args.db, args.port, serve=args.serve, ui_port=args.ui_port)
    return EXIT_OK




def cmd_watch(args: argparse.Namespace) -> int:
    from crawler.store import open_db
    from crawler.store.availability import Rule
    from crawler.watch import (
        Watcher,
        check_number,
        check_targets,
        run,
        stop_on_signals,
        targets_from_config,
        targets_from_urls,
        watch_lock,
    )

    check_number("--interval", args.interval, "minutes")
    check_number("--timeout", args.timeout, "seconds")
    check_number("--warn", args.warn, "percent")
    if args.warn > 5:
        raise UsageError(f"--warn must be at most the veto line, 5 (percent), got {args.warn:g}")
    db_path = args.db
    if args.config:
        from crawler.siteconfig import load_config

        if args.urls:
            raise UsageError("give URLs or --config, not both")
        config = load_config(args.config)
        db_path = db_path or config.db
        targets = targets_from_config(config.select(args.site))
    else:
        if not args.urls:
            raise UsageError("give a URL, or --config FILE")
        if args.site:
            raise UsageError("--site only works with --config")
        targets = targets_from_urls(args.urls)
    stop = threading.Event()
    rounds = 0
    with stop_on_signals(stop):
        check_targets(targets)
        db_path = db_path or "duwang.db"
        db = open_db(db_path)
        with watch_lock(db_path):
            watcher = Watcher(db, targets, timeout=args.timeout, rule=Rule(warn=args.warn / 100), stop=stop)
            if not args.once:
                sites = len({t.site for t in targets})
                print(f"duwang watch: {len(targets)} URL(s) of {sites} site(s) every {args.interval:g} min, "
                      f"timeout {args.timeout:g} s, database {db_path}", flush=True)
            rounds = run(watcher, interval=args.interval, once=args.once, out=sys.stdout, log=sys.stderr)
    if stop.is_set():
        print(f"duwang watch: stopped after {rounds} round(s)", file=sys.stderr)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    as_program = argv is None  # run as `duwang ...`, not called from Python
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _check_text_parser() if argv[:1] == ["check-text"] else build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return EXIT_ERROR
    try:
        code = func(args)
        if as_program and args.command == "check-text":
            # Nothing is left to close: exit without freeing jieba's dictionary and the
            # checker's tables object by object, 0.1 s of a check-text run.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        return code
    except DuwangError as exc:
        print(f"duwang {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except sqlite3.Error as exc:  # disk full, I/O error: nothing half-written is kept
        print(f"duwang {args.command}: error: database: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # e.g. `duwang findings | head`
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return EXIT_OK
    except KeyboardInterrupt:
        print(f"duwang {args.command}: interrupted", file=sys.stderr)
        return EXIT_INCOMPLETE if args.command == "crawl" else EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
