"""`duwang crawl --workers N` against `--workers 1` on many generated portals (issue 17).

Each site is the generated portal (gen_portal.py) served by its own nginx on its own port, so
each is its own host. Every round crawls all sites with each worker count into a fresh
database; the table shows the median wall time and the ratio to one worker.

    python benchmarks/distributed_bench.py                        # 40 sites of 500 pages
    python benchmarks/distributed_bench.py --sites 4 --pages 50 --rounds 1 --json /tmp/d.json

Exit status: 0, or 2 when a crawl did not complete (its log is kept and named).
"""

from __future__ import annotations

import argparse
import contextlib
import json
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
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="duwang-dbench-"))
    portal = work / "portal"
    generate(portal, pages=args.pages)
    walls: dict[int, list[float]] = {n: [] for n in args.workers}
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(nginx_serving(portal)) for _ in range(args.sites)]
        config = work / "duwang.toml"
        config.write_text("".join(f'[[site]]\nname = "站点{i:03d}"\nstart_urls = ["{u}"]\n\n'
                                  for i, u in enumerate(urls)), "utf-8")
        for r in range(args.rounds):
            for n in args.workers:
                db, log = work / f"r{r}-w{n}.db", work / f"r{r}-w{n}.log"
                result = run_measured([sys.executable, "-m", "crawler.cli", "crawl", "--config", str(config),
                                       "--db", str(db), "--workers", str(n), "--concurrency", "8"],
                                      log, cwd=HERE.parent)
                if result.returncode not in (0, 1):
                    print(f"--workers {n}: exit {result.returncode}, see {log}", file=sys.stderr)
                    return 2
                walls[n].append(result.wall_s)
                print(f"round {r + 1}: --workers {n}: {result.wall_s:.1f} s", flush=True)
    base = median(walls[args.workers[0]])
    figures = {n: {"wall_s": median(w), "ratio": median(w) / base} for n, w in walls.items()}
    print(f"\n{args.sites} sites of {args.pages} pages, median of {args.rounds} round(s):")
    for n, f in figures.items():
        print(f"  --workers {n}: {f['wall_s']:.1f} s, {f['ratio']:.2f}x")
    if args.json:
        data = {"sites": args.sites, "pages": args.pages, "figures": figures}
        args.json.write_text(json.dumps(data, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
