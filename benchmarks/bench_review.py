"""The review server at province size (issue 14, parts 1 and 3): the real `duwang serve` on a
generated database of 200,000 findings and 2,000,000 occurrences (gen_review_db.py, bulk SQL,
no crawl), hit by concurrent clients on list, filter, search and detail pages.

    python benchmarks/bench_review.py                       # the full size, and the old code on a tenth
    python benchmarks/bench_review.py --findings 20000 --occurrences 200000 --skip-old

Each client loops over its own shuffled share of the request mix, one request at a time (a
closed loop, no think time), so the figures are what a page costs while 19 other requests
are in the server. Reported: p50 and p95 per page type, the server's peak RSS (the kernel's
high-water mark, VmHWM), and an XLSX export of the largest list (its rows, seconds, and the
server's RSS before and during it). With --old-ref the same mix is run against the code of
that commit on a smaller database (the old code needs minutes per request at full size), and
against this code on the same smaller database, for the ratio.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from _common import free_port  # noqa: E402
from gen_review_db import generate  # noqa: E402

OLD_REF = "8e7e101"  # the last commit before the list moved to SQL (schema m018)


def _kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Server:
    """`duwang serve` of the checkout at `code` on `db`, on a free loopback port."""

    def __init__(self, code: Path, db: Path, log: Path, workers: int = 1):
        self.port = free_port()
        help_text = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "serve", "--help"],
            cwd=code,
            capture_output=True,
            text=True,
            env=_env(code),
        ).stdout
        extra = ["--no-login"] if "--no-login" in help_text else []
        if workers > 1:
            extra += ["--workers", str(workers)]
        self.log = open(log, "w")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "serve", "--db", str(db), "--port", str(self.port), *extra],
            cwd=code,
            env=_env(code),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 600  # the first open of a big database migrates it
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"duwang serve exited ({self.proc.returncode}); see {log}")
            try:
                urllib.request.urlopen(self.url + "/list", timeout=600).read()
                return
            except OSError:
                time.sleep(0.5)
        raise SystemExit(f"duwang serve did not answer; see {log}")

    def pids(self) -> list[int]:
        """The server and its worker processes (serve --workers)."""
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        except OSError:
            children = []
        return [self.proc.pid, *map(int, children)]

    def peak_kb(self) -> int:
        """The processes' high-water marks added up (an upper bound of their joint peak)."""
        return sum(_kb(pid, "VmHWM") for pid in self.pids())

    def rss_kb(self) -> int:
        return sum(_kb(pid, "VmRSS") for pid in self.pids())

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def _env(code: Path) -> dict:
    import os

    return {
        **os.environ,
        "PYTHONPATH": str(code),
        "DUWANG_CODE": str(code),
        "DUWANG_TIMEZONE": "Asia/Shanghai",
    }


def request_mix(db: Path, n: int, seed: int = 14) -> list[tuple[str, str]]:
    """`n` (page type, path) pairs: the lists, filters, searches and finding pages staff use."""
    rng = random.Random(seed)
    conn = sqlite3.connect(db)
    ids = [r[0] for r in conn.execute("SELECT id FROM findings ORDER BY random() LIMIT 400")]
    big = conn.execute(
        "SELECT finding_id FROM occurrences GROUP BY finding_id ORDER BY count(*) DESC LIMIT 3"
    ).fetchall()
    departments = [json.loads(r[0]) for r in conn.execute("SELECT departments FROM sites LIMIT 3")]
    conn.close()
    names = sorted({v for d in departments for v in d.values()})
    kinds = ["wording", "dead_link", "privacy", "unverified_link"]
    pools = {
        "list": lambda: (
            "/list?"
            + urllib.parse.urlencode(
                {"kind": rng.choice(kinds), **({"page": rng.randrange(2, 50)} if rng.random() < 0.3 else {})}
            )
        ),
        "filter": lambda: (
            "/list?"
            + urllib.parse.urlencode(
                rng.choice(
                    [
                        {"kind": "wording", "category": "typo"},
                        {"kind": "dead_link", "department": rng.choice(names)},
                        {"kind": "wording", "department": rng.choice(names), "status": ""},
                        {"kind": "privacy", "severity": "serious", "since": "2026-11-29"},
                        {"kind": "dead_link", "home": "1"},
                        {"kind": "wording", "status": "rectified", "column": "通知公告"},
                        {"kind": "wording", "queue": "waiting"},
                    ]
                )
            )
        ),
        "search": lambda: (
            "/list?"
            + urllib.parse.urlencode(
                {
                    "kind": rng.choice(kinds[:2]),
                    "q": rng.choice(
                        ["再接再励", "gone", "q03.gov.cn/bm02/lm3", "公示名单", "ext17.example", "点击下载"]
                    ),
                }
            )
        ),
        "detail": lambda: (
            f"/finding/{rng.choice(ids + [b[0] for b in big])}?"
            + urllib.parse.urlencode({"back": "/list?kind=wording&status=open"})
        ),
    }
    return [(kind, pools[kind]()) for kind in (list(pools) * (n // len(pools) + 1))[:n]]


def run_load(url: str, mix: list[tuple[str, str]], clients: int, timeout: float,
             trace: list | None = None) -> dict:
    """Each client requests its share of `mix` one after another; latencies per page type.
    `trace` gets (start, seconds, page type, path) of every request, start from the first."""
    times: dict[str, list[float]] = {}
    trace = [] if trace is None else trace
    errors: list[str] = []
    lock = threading.Lock()
    shares = [mix[i::clients] for i in range(clients)]

    def client(share: list[tuple[str, str]]) -> None:
        for kind, path in share:
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(url + path, timeout=timeout) as r:
                    r.read()
                    ok = r.status == 200
            except OSError as exc:
                ok = False
                with lock:
                    errors.append(f"{path}: {exc}")
            elapsed = time.perf_counter() - start
            with lock:
                trace.append((round(start - started, 3), round(elapsed, 3), kind, urllib.parse.unquote(path)))
                if ok:
                    times.setdefault(kind, []).append(elapsed)

    threads = [threading.Thread(target=client, args=(s,)) for s in shares]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    out = {
        kind: {"n": len(v), "p50_s": round(_pct(v, 50), 3), "p95_s": round(_pct(v, 95), 3)}
        for kind, v in sorted(times.items())
    }
    every = [x for v in times.values() for x in v]
    out["all"] = {"n": len(every), "p50_s": round(_pct(every, 50), 3), "p95_s": round(_pct(every, 95), 3)}
    return {"pages": out, "wall_s": round(wall, 1), "errors": len(errors), "first_errors": errors[:3]}


def _pct(values: list[float], p: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def export_xlsx(server: Server, path: str, out: Path) -> dict:
    """One XLSX export: its seconds, rows, and the server's RSS before and at most during it."""
    before = server.rss_kb()
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], server.rss_kb())
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(server.url + path, timeout=1800) as r, open(out, "wb") as f:
            shutil.copyfileobj(r, f)
    finally:
        done.set()
        sampler.join()
    seconds = time.perf_counter() - start
    from openpyxl import load_workbook

    wb = load_workbook(out, read_only=True)  # a write-only sheet has no dimension: count its rows
    rows = sum(1 for ws in wb.worksheets for _ in ws.iter_rows(min_row=3, values_only=True))
    wb.close()
    return {
        "path": path,
        "rows": rows,
        "seconds": round(seconds, 1),
        "bytes": out.stat().st_size,
        "rss_before_mb": round(before / 1024),
        "rss_peak_during_mb": round(peak[0] / 1024),
    }


def migrate(code: Path, db: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from crawler.store import open_db; open_db(sys.argv[1]).close()",
            str(db),
        ],
        cwd=code,
        env=_env(code),
        check=True,
    )
    return round(time.perf_counter() - start, 1)


def measure(
    code: Path, db: Path, work: Path, label: str, args: argparse.Namespace, requests: int, export: bool
) -> dict:
    import os

    out: dict = {"migrate_s": migrate(code, db)} if label != "old" else {}
    out["load_average_before"] = round(os.getloadavg()[0], 1)  # the machine is shared: say how busy
    server = Server(code, db, work / f"serve-{label}.log", args.serve_workers if label != "old" else 1)
    try:
        out["rss_after_start_mb"] = round(server.rss_kb() / 1024)
        mix = request_mix(db, requests)
        out["distinct_paths"] = len({path for _, path in mix})  # the rest repeat one (cache hits)
        trace: list = []
        out["load"] = run_load(server.url, mix, args.clients, args.timeout, trace)
        if args.trace:
            args.trace.write_text(json.dumps(sorted(trace), ensure_ascii=False, indent=0))
        out["peak_rss_mb"] = round(server.peak_kb() / 1024)
        out["load_average_after"] = round(os.getloadavg()[0], 1)
        if export:
            out["xlsx"] = export_xlsx(server, args.export_path, work / f"export-{label}.xlsx")
            out["peak_rss_mb_with_export"] = round(server.peak_kb() / 1024)
    finally:
        server.stop()
    print(f"{label}: {json.dumps(out, ensure_ascii=False)}", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--findings", type=int, default=200_000)
    ap.add_argument("--occurrences", type=int, default=2_000_000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=400, help="requests in the mix (default 400)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds a request may take")
    ap.add_argument(
        "--export-path",
        default="/export.xlsx?kind=privacy&status=",
        help="the export to time (default: every 隐私信息 of any status, about 160,000 rows at full size)",
    )
    ap.add_argument("--old-ref", default=OLD_REF, help=f"the old code's commit (default {OLD_REF})")
    ap.add_argument("--old-findings", type=int, default=20_000)
    ap.add_argument("--old-occurrences", type=int, default=200_000)
    ap.add_argument("--old-requests", type=int, default=60)
    ap.add_argument("--skip-old", action="store_true")
    ap.add_argument("--skip-export", action="store_true", help="time the pages only, not the XLSX export")
    ap.add_argument("--serve-workers", type=int, default=1, help="duwang serve --workers (default 1)")
    ap.add_argument("--work", type=Path, help="keep the databases here (default: a temporary folder)")
    ap.add_argument("--reuse", action="store_true", help="use the database a run left in --work")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--trace", type=Path, help="write every request (start, seconds, type, path) here")
    args = ap.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="duwang-review-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    figures: dict = {"clients": args.clients}
    db = work / "full.db"
    if args.reuse and db.exists() and (work / "full.json").exists():
        figures["database"] = json.loads((work / "full.json").read_text())
    else:
        figures["database"] = generate(db, findings=args.findings, occurrences=args.occurrences, quiet=True)
        (work / "full.json").write_text(json.dumps(figures["database"]))
    print(f"generated: {json.dumps(figures['database'])}", flush=True)
    figures["new"] = measure(REPO, db, work, "new", args, args.requests, export=not args.skip_export)
    if not args.skip_old:
        old_code = work / "old-code"
        if not old_code.exists():
            subprocess.run(
                ["git", "worktree", "add", "--detach", str(old_code), args.old_ref],
                cwd=REPO,
                check=True,
                capture_output=True,
            )
        small = work / "small-old.db"
        # The old code's own schema, so that it opens the database without refusing it as newer.
        subprocess.run(
            [
                sys.executable,
                str(HERE / "gen_review_db.py"),
                str(small),
                "--findings",
                str(args.old_findings),
                "--occurrences",
                str(args.old_occurrences),
            ],
            cwd=old_code,
            env=_env(old_code),
            check=True,
            capture_output=True,
        )
        shutil.copy(small, work / "small-new.db")
        figures["small"] = {"findings": args.old_findings, "occurrences": args.old_occurrences}
        figures["old_small"] = measure(old_code, small, work, "old", args, args.old_requests, export=False)
        figures["new_small"] = measure(
            REPO, work / "small-new.db", work, "new-small", args, args.old_requests, export=False
        )
        old, new = figures["old_small"]["load"]["pages"], figures["new_small"]["load"]["pages"]
        figures["ratio_p50_new_over_old"] = {
            k: round(new[k]["p50_s"] / old[k]["p50_s"], 4) for k in old if k in new and old[k]["p50_s"]
        }
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1))
    print(json.dumps(figures, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
