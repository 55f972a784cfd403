"""`duwang crawl --workers N` against `--workers 1` on many generated portals (issue 17).

Each site is the generated portal (gen_portal.py) served by its own nginx on its own port, so
each is its own host (its own lane). Every round crawls all sites with each variant into a
fresh database, the variants' order alternating round by round (ABBA...); the table shows
the median wall time, CPU time (the whole process tree) and peak memory, and each
variant's ratio to the first, the median of the per-round ratios.

    python benchmarks/distributed_bench.py                        # 40 sites of 500 pages
    python benchmarks/distributed_bench.py --rounds 3 --spawn --json /tmp/d.json
    python benchmarks/distributed_bench.py --sites 4 --pages 50 --rounds 1

``--spawn`` adds ``--workers N`` with DUWANG_START_METHOD=spawn: each site process starts
Python, Scrapy and the text checker itself (the way before the preloaded, forking parent).

Exit status: 0, or 2 when a crawl did not complete (its log is kept and named).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path

from _common import median, nginx_serving, run_measured

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen_portal import generate  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sites", type=int, default=40)
    ap.add_argument("--pages", type=int, default=500, help="HTML pages per site (default 500)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--spawn", action="store_true",
                    help="also measure each --workers N above 1 with DUWANG_START_METHOD=spawn")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    variants: list[tuple[str, int, dict[str, str]]] = [(f"--workers {n}", n, {}) for n in args.workers]
    if args.spawn:
        variants += [(f"--workers {n} (spawn)", n, {"DUWANG_START_METHOD": "spawn"})
                     for n in args.workers if n > 1]
    work = Path(tempfile.mkdtemp(prefix="duwang-dbench-"))
    portal = work / "portal"
    generate(portal, pages=args.pages)
    runs: dict[str, list[dict]] = {name: [] for name, _, _ in variants}
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(nginx_serving(portal)) for _ in range(args.sites)]
        config = work / "duwang.toml"
        config.write_text("".join(f'[[site]]\nname = "站点{i:03d}"\nstart_urls = ["{u}"]\n\n'
                                  for i, u in enumerate(urls)), "utf-8")
        for r in range(args.rounds):
            order = variants if r % 2 == 0 else variants[::-1]
            for v, (name, n, extra) in enumerate(order):
                db, log = work / f"r{r}-v{v}.db", work / f"r{r}-v{v}.log"
                result = run_measured([sys.executable, "-m", "crawler.cli", "crawl", "--config", str(config),
                                       "--db", str(db), "--workers", str(n), "--concurrency", "8"],
                                      log, cwd=HERE.parent, env={**os.environ, **extra})
                if result.returncode not in (0, 1):
                    print(f"{name}: exit {result.returncode}, see {log}", file=sys.stderr)
                    return 2
                runs[name].append({"wall_s": result.wall_s, "cpu_s": result.cpu_s,
                                   "max_process_mb": result.maxrss_mb, "tree_mb": result.tree_rss_mb})
                for f in work.glob(f"{db.name}*"):  # the database, its WAL and lock files
                    f.unlink()
                print(f"round {r + 1}: {name}: {result.wall_s:.1f} s wall, {result.cpu_s:.1f} s CPU, "
                      f"largest process {result.maxrss_mb:.0f} MB, tree {result.tree_rss_mb:.0f} MB",
                      flush=True)
    base = variants[0][0]
    figures = {}
    for name, rows in runs.items():
        ratios = [row["wall_s"] / ref["wall_s"] for row, ref in zip(rows, runs[base], strict=True)]
        figures[name] = {key: median([row[key] for row in rows]) for key in rows[0]}
        figures[name]["ratio"] = median(ratios)
        figures[name]["ratios"] = ratios
    pages = args.sites * args.pages
    print(f"\n{args.sites} sites of {args.pages} pages, median of {args.rounds} round(s):")
    for name, f in figures.items():
        print(f"  {name}: {f['wall_s']:.1f} s wall ({f['ratio']:.2f}x), {f['cpu_s']:.1f} s CPU "
              f"({1000 * f['cpu_s'] / pages:.1f} ms a page), largest process {f['max_process_mb']:.0f} MB, "
              f"tree {f['tree_mb']:.0f} MB")
    if args.json:
        data = {"sites": args.sites, "pages": args.pages, "rounds": args.rounds, "figures": figures,
                "runs": runs}
        args.json.write_text(json.dumps(data, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
