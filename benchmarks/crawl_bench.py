"""Crawl speed of `duwang crawl` against linkinator 7.6.1 on a generated portal served by nginx.

Each round runs the tools one after the other (linkinator, duwang, duwang re-crawl), so
slow drift of the machine hits every tool alike; the table shows medians over the rounds.

    python benchmarks/crawl_bench.py                       # 3,000 pages, 3 rounds
    python benchmarks/crawl_bench.py --pages 200 --rounds 1 --recrawl --json /tmp/b.json

linkinator is installed into benchmarks/node_modules from package-lock.json when missing.
A tool's exit code 0 or 1 ("found broken links") counts as a completed run; anything else
marks the tool failed and keeps its logs. Exit status: 0 unless the harness itself failed
(2), or 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import closing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from _common import HarnessError, RunResult, median, nginx_serving, raise_on_sigterm, run_measured

HERE = Path(__file__).resolve().parent
LINKINATOR_VERSION = "7.6.1"
LINKINATOR = HERE / "node_modules" / ".bin" / "linkinator"
OK_CODES = (0, 1)  # 1: the tool completed and found broken links


@dataclass
class Tool:
    key: str
    label: str
    runs: list[RunResult] = field(default_factory=list)
    skipped: str = ""
    failed: str = ""
    notes: list[str] = field(default_factory=list)

    def summary(self, pages: int, reference: Tool | None) -> dict[str, Any]:
        out: dict[str, Any] = {"label": self.label, "runs": [asdict(r) for r in self.runs]}
        for key in ("skipped", "failed"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.notes:
            out["notes"] = self.notes
        if self.runs and not self.failed:
            wall = median([r.wall_s for r in self.runs])
            out |= {
                "median_wall_s": round(wall, 3),
                "pages_per_s": round(pages / wall, 1),
                "peak_rss_mb": round(max(r.peak_rss_mb for r in self.runs), 1),
            }
            if reference and reference.runs and not reference.failed:
                ref = median([r.wall_s for r in reference.runs])
                out["ratio_to_linkinator"] = round(wall / ref, 3)
        return out


def ensure_linkinator() -> None:
    """Install the pinned linkinator with npm unless node_modules already has it."""
    pkg = HERE / "node_modules" / "linkinator" / "package.json"
    if LINKINATOR.exists() and pkg.exists() and json.loads(pkg.read_text())["version"] == LINKINATOR_VERSION:
        return
    npm = shutil.which("npm")
    if not npm:
        raise HarnessError("npm not found: it is needed to install linkinator")
    verb = "ci" if (HERE / "package-lock.json").exists() else "install"
    print(f"installing linkinator {LINKINATOR_VERSION}: npm {verb} in {HERE}", flush=True)
    done = subprocess.run([npm, verb, "--no-audit", "--no-fund"], cwd=HERE, capture_output=True, text=True)
    if done.returncode != 0 or not LINKINATOR.exists():
        raise HarnessError(f"npm {verb} failed:\n{done.stdout}{done.stderr}")


def make_site(args: argparse.Namespace, work: Path) -> tuple[Path, dict[str, Any]]:
    """Generate the portal in a subprocess, which keeps the harness's own RSS small."""
    site = args.site or work / "site"
    if args.site is None:
        cmd = [
            sys.executable,
            str(HERE / "gen_portal.py"),
            "--out",
            str(site),
            "--pages",
            str(args.pages),
            "--seed",
            str(args.seed),
            "--gbk-share",
            str(args.gbk_share),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise HarnessError(f"gen_portal failed:\n{done.stdout}{done.stderr}")
        print(done.stdout.strip(), flush=True)
    manifest = site / "_manifest.json"
    if not manifest.exists():
        raise HarnessError(f"{manifest} missing: --site must be made by gen_portal.py")
    return site, json.loads(manifest.read_text("utf-8"))


def check_linkinator_log(log: Path, dead: list[dict[str, Any]]) -> list[str]:
    """Compare the broken links linkinator printed with the planted ones."""
    text = log.read_text(errors="replace")
    found = {urlsplit(u).path for u in re.findall(r"^\s*\[(?:404|0)\] (\S+)", text, re.M)}
    planted = {str(d["url"]) for d in dead}
    notes = []
    if found != planted:
        notes.append(
            f"linkinator's broken links differ from the planted ones: "
            f"missed {sorted(planted - found)}, extra {sorted(found - planted)}"
        )
    summary = re.search(r"Scanned (?:total of )?(\d+) links", text)
    if summary:
        notes.append(f"linkinator scanned {summary.group(1)} links, {len(found)} broken targets")
    return notes


def measure(tool: Tool, cmd: list[str], log: Path, timeout: float) -> RunResult:
    result = run_measured(cmd, log, timeout=timeout)
    tag = "timed out" if result.timed_out else f"exit {result.returncode}"
    print(
        f"  {tool.label:<34} {result.wall_s:7.2f} s {result.peak_rss_mb:7.1f} MB  ({tag})",
        flush=True,
    )
    if result.timed_out or result.returncode not in OK_CODES:
        tail = log.read_text(errors="replace")[-1500:]
        tool.failed = f"{tag}; log {log}:\n{tail}"
    tool.runs.append(result)
    return result


def check_duwang_db(tool: Tool, db: Path, pages: int, dead: list[dict[str, Any]]) -> None:
    """A run that did not crawl the whole site or missed a planted dead link is a failure,
    whatever its exit code (1 also means "found dead links")."""
    if tool.failed:
        return
    try:
        with closing(sqlite3.connect(db)) as conn:
            # The site's stylesheet is read too and is a row of pages: count the HTML pages.
            row = conn.execute(
                "SELECT status, (SELECT count(*) FROM pages p WHERE p.last_run = runs.id "
                "AND coalesce(p.content_type, '') NOT LIKE 'text/css%') FROM runs ORDER BY id DESC LIMIT 1"
            ).fetchone()
            found = {urlsplit(u).path for (u,) in conn.execute(
                "SELECT url FROM links WHERE outcome = 'dead' AND last_run = (SELECT MAX(id) FROM runs)")}
    except sqlite3.Error as exc:
        tool.failed = f"cannot read {db}: {exc}"
        return
    planted = {str(d["url"]) for d in dead}
    # "/" and "/index.html" are two URLs of one file: one page more than the files.
    if row != ("complete", pages + 1) or not planted <= found:
        tool.failed = (f"last run {row} (want ('complete', {pages + 1})); "
                       f"missed dead links {sorted(planted - found)}")


def markdown(
    tools: list[Tool],
    summaries: dict[str, dict[str, Any]],
    manifest: dict[str, Any],
    args: argparse.Namespace,
) -> str:
    lines = [
        "| tool | median wall (s) | pages/s | peak RSS (MB) | time vs linkinator | runs (s) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for tool in tools:
        s = summaries[tool.key]
        if tool.skipped or tool.failed or not tool.runs:
            why = "skipped" if tool.skipped else "failed" if tool.failed else "not run"
            lines.append(f"| {tool.label} | {why} | | | | |")
            continue
        ratio = s.get("ratio_to_linkinator")
        runs = ", ".join(f"{r.wall_s:.2f}" for r in tool.runs)
        lines.append(
            f"| {tool.label} | {s['median_wall_s']:.2f} | {s['pages_per_s']:.0f} "
            f"| {s['peak_rss_mb']:.0f} | {f'{ratio:.2f}×' if ratio else '–'} | {runs} |"
        )
    lines.append("")
    lines.append(
        f"{manifest['pages']:,} HTML pages ({manifest['link_occurrences']:,} link occurrences, "
        f"{len(manifest['dead_links'])} dead targets, seed {manifest['seed']}, "
        f"{manifest['gbk_pages']} GBK pages) served by nginx on 127.0.0.1; "
        f"{os.cpu_count()} cores; median of {args.rounds} interleaved rounds."
    )
    return "\n".join(lines)


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    ensure_linkinator()
    site, manifest = make_site(args, work)
    pages = int(manifest["pages"])
    duwang_cmd = shlex.split(args.duwang_cmd)
    linkinator = Tool("linkinator", f"linkinator {LINKINATOR_VERSION} `--recurse`")
    duwang = Tool("duwang", f"duwang crawl `--concurrency {args.concurrency}`")
    recrawl = Tool("duwang_recrawl", "duwang re-crawl (unchanged site)")
    tools = [linkinator, duwang] + ([recrawl] if args.recrawl else [])
    if not shutil.which(duwang_cmd[0]):
        duwang.skipped = recrawl.skipped = f"command not found: {duwang_cmd[0]}"
        print(f"duwang SKIPPED: {duwang.skipped} (measuring linkinator only)", flush=True)

    with nginx_serving(site) as url:
        print(f"serving {site} at {url}", flush=True)
        for rnd in range(1, args.rounds + 1):
            print(f"round {rnd}/{args.rounds}", flush=True)
            log = work / f"linkinator-{rnd}.log"
            measure(linkinator, [str(LINKINATOR), url, "--recurse"], log, args.timeout)
            if rnd == 1:
                linkinator.notes = check_linkinator_log(log, manifest["dead_links"])
            if duwang.skipped or duwang.failed:
                continue
            db = work / f"duwang-{rnd}.db"
            cmd = [
                *duwang_cmd,
                "crawl",
                url,
                "--db",
                str(db),
                "--concurrency",
                str(args.concurrency),
            ]
            measure(duwang, cmd, work / f"duwang-{rnd}.log", args.timeout)
            check_duwang_db(duwang, db, pages, manifest["dead_links"])
            if args.recrawl and not duwang.failed:
                measure(recrawl, cmd, work / f"duwang-recrawl-{rnd}.log", args.timeout)
                check_duwang_db(recrawl, db, pages, manifest["dead_links"])
            if db.exists():
                size_mb = db.stat().st_size / 2**20
                duwang.notes.append(f"duwang db after round {rnd}: {size_mb:.1f} MB")
                if not args.keep:
                    db.unlink()

    summaries = {t.key: t.summary(pages, linkinator) for t in tools}
    return {
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "site": {k: v for k, v in manifest.items() if k != "dead_links"}
        | {"dead_targets": len(manifest["dead_links"])},
        "tools": summaries,
        "markdown": markdown(tools, summaries, manifest, args),
        "failed": any(t.failed for t in tools),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=3000, help="portal size (default 3000)")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--gbk-share", type=float, default=0.0, help="share of GBK pages (0..1)")
    ap.add_argument("--site", type=Path, help="reuse a portal made by gen_portal.py")
    ap.add_argument(
        "--duwang-cmd",
        default="duwang",
        help='command for duwang, e.g. "python -m crawler.cli" (default duwang)',
    )
    ap.add_argument("--concurrency", type=int, default=64, help="duwang --concurrency")
    ap.add_argument(
        "--recrawl",
        action="store_true",
        help="also time a second duwang crawl on the same db (unchanged site)",
    )
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per tool run")
    ap.add_argument("--json", type=Path, help="write the results here")
    ap.add_argument("--keep", action="store_true", help="keep the work dir (site, logs, dbs)")
    args = ap.parse_args(argv)
    if args.rounds < 1:
        ap.error("--rounds must be at least 1")

    raise_on_sigterm()
    work = Path(tempfile.mkdtemp(prefix="duwang-bench-"))
    keep = args.keep
    try:
        results = run(args, work)
        keep = keep or bool(results["failed"])
        print()
        for tool in results["tools"].values():
            for note in tool.get("notes", []):
                print(f"note: {note}")
            if "skipped" in tool:
                print(f"{tool['label']}: SKIPPED ({tool['skipped']})")
            if "failed" in tool:
                print(f"{tool['label']}: FAILED ({tool['failed']})")
        print()
        print(results["markdown"])
        if args.json:
            args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
            print(f"\nresults written to {args.json}")
        return 0
    except HarnessError as exc:
        keep = any(work.iterdir())  # logs to look at, if it got that far
        print(f"crawl_bench: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("crawl_bench: interrupted", file=sys.stderr)
        return 130
    finally:
        if keep:
            print(f"work dir kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
