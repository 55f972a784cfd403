"""`duwang ingest`: the command line of the distributed crawl (thin: parse, call, report)."""

from __future__ import annotations

import argparse
import sys

from crawler.render import render_summary

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INCOMPLETE = 0, 1, 2, 3
_SEVERITY = {EXIT_OK: 0, EXIT_FINDINGS: 1, EXIT_INCOMPLETE: 2, EXIT_ERROR: 3}


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ingest", help="copy finished shard runs into the database and end them there",
        description="Copy the run of each SHARD (made by 'duwang worker' or 'crawl --workers') into "
        "the database and apply the end of run (findings, rectified, reopened) there. Ingesting a "
        "shard twice changes nothing; a shard whose run never finished is reported, not ingested.")
    p.add_argument("shards", nargs="+", metavar="SHARD", help="published shard file(s)")
    p.add_argument("--db", default="duwang.db", help="the central SQLite database (default: duwang.db)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser(
        "worker", help="run site crawl jobs from the queue (a crawl node)",
        description="Take site crawl jobs from the Redis queue and crawl each into a shard in --shards, "
        "--slots at a time; runs until stopped, or until the queue is empty with --burst.")
    p.add_argument("--queue", required=True, metavar="URL", help="Redis URL (redis://, rediss://, unix://)")
    p.add_argument("--shards", required=True, metavar="DIR",
                   help="the shard directory, shared with the coordinator")
    p.add_argument("--slots", type=int, default=1, metavar="N", help="sites crawled at a time (default 1)")
    p.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("status", help="the queue: queued, running, finished and failed sites",
                       description="List the sites the queue knows, by state, with the worker and time.")
    p.add_argument("--queue", required=True, metavar="URL", help="Redis URL (redis://, rediss://, unix://)")
    p.set_defaults(func=cmd_status)


def cmd_ingest(args: argparse.Namespace) -> int:
    from crawler.distributed.ingest import ingest_paths

    code = EXIT_OK
    for done in ingest_paths(args.db, args.shards):
        if done.summary is not None and not done.already:
            print(render_summary(done.summary))
        if not done.ingested:
            print(f"duwang ingest: error: {done.error}", file=sys.stderr)
            site_code = EXIT_ERROR
        elif done.already:
            print(f"duwang ingest: {done.shard}: already ingested (run {done.summary.run_id}); "
                  "nothing changed", file=sys.stderr)
            site_code = EXIT_OK
        elif done.error:
            print(f"duwang ingest: error: {done.site}: {done.error}", file=sys.stderr)
            site_code = EXIT_ERROR
        elif done.summary.status != "complete":
            print(f"duwang ingest: incomplete: {done.site}: the run is incomplete ({done.summary.reason}); "
                  "nothing was marked rectified", file=sys.stderr)
            site_code = EXIT_INCOMPLETE
        else:
            site_code = EXIT_FINDINGS if done.summary.new_findings else EXIT_OK
        code = max(code, site_code, key=_SEVERITY.__getitem__)
    return code


def cmd_worker(args: argparse.Namespace) -> int:
    from crawler.distributed.jobs import run_worker

    run_worker(args.queue, args.shards, args.slots, args.burst)
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from crawler.distributed.jobs import queue_status

    rows = queue_status(args.queue)
    for state, site, worker, when in rows:
        print(f"{state:<9} {site}\t{worker}\t{when}")
    counts = {s: sum(1 for r in rows if r[0] == s) for s in ("queued", "running", "finished", "failed")}
    print(", ".join(f"{k} {v}" for k, v in counts.items()))
    return EXIT_OK
