"""What reading attachments (附件) costs a crawl: the same portal with and without them.

Two portals from gen_portal.py with the same seed, one with ``--attachments N`` (PDF, DOCX,
XLSX, XLS with text, about ``--attachment-kb`` each), are served by nginx; each round crawls
both, in alternating order, with a fresh database, all checks on. The table gives medians of
wall time, CPU time (the crawl and its check worker) and peak RSS, and the ratios: the
target is a crawl with attachments within 1.5x of the time without.

    python benchmarks/attachments_bench.py                      # 3,000 pages, 300 files, 3 rounds
    python benchmarks/attachments_bench.py --pages 20000 --rounds 1   # memory at 20,000 pages
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import ExitStack, closing
from pathlib import Path
from typing import Any

from _common import HarnessError, RunResult, median, nginx_serving, raise_on_sigterm, run_measured

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def generate(out: Path, args: argparse.Namespace, attachments: int) -> dict[str, Any]:
    cmd = [sys.executable, str(HERE / "gen_portal.py"), "--out", str(out), "--pages", str(args.pages),
           "--seed", str(args.seed), "--attachments", str(attachments),
           "--attachment-kb", str(args.attachment_kb)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise HarnessError(f"gen_portal failed:\n{done.stdout}{done.stderr}")
    print(done.stdout.strip(), flush=True)
    return json.loads((out / "_manifest.json").read_text("utf-8"))


def crawl(url: str, db: Path, log: Path, args: argparse.Namespace) -> RunResult:
    cmd = [sys.executable, "-m", "crawler.cli", "crawl", url, "--db", str(db),
           "--concurrency", str(args.concurrency)]
    result = run_measured(cmd, log, timeout=args.timeout, cwd=REPO)
    if result.returncode not in (0, 1):
        raise HarnessError(f"duwang crawl exited {result.returncode}; see {log}")
    return result


def files_read(db: Path) -> tuple[int, int]:
    """(attachments read whole, attachments not read) by the crawl."""
    with closing(sqlite3.connect(db)) as con:
        return con.execute("SELECT sum(read_full), sum(1 - read_full) FROM pages "
                           "WHERE file_kind IS NOT NULL").fetchone()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=3000)
    ap.add_argument("--attachments", type=int, default=300)
    ap.add_argument("--attachment-kb", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--json", type=Path, help="write the results here")
    ap.add_argument("--keep", action="store_true", help="keep the work dir (portals, logs, databases)")
    args = ap.parse_args(argv)
    raise_on_sigterm()
    work = Path(tempfile.mkdtemp(prefix="duwang-files-bench-"))
    runs: dict[str, list[RunResult]] = {"without": [], "with": []}
    try:
        sites = {"without": generate(work / "without", args, 0),
                 "with": generate(work / "with", args, args.attachments)}
        with ExitStack() as stack:
            urls = {key: stack.enter_context(nginx_serving(work / key)) for key in sites}
            for rnd in range(1, args.rounds + 1):
                order = ["without", "with"] if rnd % 2 else ["with", "without"]
                for key in order:
                    db = work / f"{key}-{rnd}.db"
                    result = crawl(urls[key], db, work / f"{key}-{rnd}.log", args)
                    read, unread = files_read(db)
                    print(f"round {rnd} {key}: {result.wall_s:.2f} s wall, {result.cpu_s:.2f} s CPU, "
                          f"{result.peak_rss_mb:.0f} MB, attachments read {read}, not read {unread}",
                          flush=True)
                    runs[key].append(result)
                    if not args.keep:
                        db.unlink()
    except HarnessError as exc:
        print(f"attachments_bench: {exc} (work dir kept: {work})", file=sys.stderr)
        return 2
    summary = {key: {"wall_s": median([r.wall_s for r in rs]), "cpu_s": median([r.cpu_s for r in rs]),
                     "peak_rss_mb": max(r.peak_rss_mb for r in rs), "runs": [vars(r) for r in rs]}
               for key, rs in runs.items()}
    wall = summary["with"]["wall_s"] / summary["without"]["wall_s"]
    cpu = summary["with"]["cpu_s"] / summary["without"]["cpu_s"]
    base = summary["without"]
    print(f"\n| portal | wall (median) | CPU (median) | peak RSS |\n|---|---|---|---|\n"
          f"| {args.pages} pages | {base['wall_s']:.2f} s | {base['cpu_s']:.2f} s | "
          f"{base['peak_rss_mb']:.0f} MB |\n"
          f"| {args.pages} pages + {sites['with']['attachments']} attachments "
          f"({sites['with']['attachment_bytes'] / 1e6:.1f} MB) | {summary['with']['wall_s']:.2f} s | "
          f"{summary['with']['cpu_s']:.2f} s | {summary['with']['peak_rss_mb']:.0f} MB |\n"
          f"\nwith / without: wall {wall:.2f}x, CPU {cpu:.2f}x (target: wall at most 1.5x)")
    if args.json:
        args.json.write_text(json.dumps({"config": {k: str(v) for k, v in vars(args).items()},
                                         "sites": sites, "summary": summary,
                                         "ratios": {"wall": wall, "cpu": cpu}}, indent=1, default=str))
    if args.keep:
        print(f"work dir kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
