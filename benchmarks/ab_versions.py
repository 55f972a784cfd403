"""What a change costs: two versions of duwang crawl the same portal in interleaved rounds.

    python benchmarks/ab_versions.py 57f94e3 c2c2af0 --rounds 8

Each version is taken from git (``git archive``) into a work directory and run from there
with the installed dependencies. A round runs a first crawl and a re-crawl of the unchanged
portal (served by nginx) for each version, in alternating order, on a fresh database. Wall
time and the CPU time of the whole process tree (the crawl and its check worker) are
reported as medians, with the median of the per-round ratios. CPU time depends far less on
other load than wall time does, which matters on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import nginx_serving

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PHASES = ("crawl", "recrawl")


def _export(rev: str, into: Path) -> Path:
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def _run(code: Path, url: str, db: Path, log: Path) -> tuple[float, float, int]:
    env = dict(os.environ, PYTHONPATH=str(code), DUWANG_CACHE_DIR=str(code / ".cache"))
    cmd = [sys.executable, "-m", "crawler.cli", "crawl", url, "--db", str(db), "--concurrency", "64"]
    start = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=code)
        _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--pages", type=int, default=3000)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="duwang-ab-"))
    site = work / "site"
    subprocess.run([sys.executable, str(HERE / "gen_portal.py"), "--pages", str(args.pages),
                    "--out", str(site)], check=True)
    code = {v: _export(rev, work / v) for v, rev in (("old", args.old), ("new", args.new))}
    times: dict[tuple[str, str], list[tuple[float, float]]] = {
        (v, p): [] for v in code for p in PHASES}
    with nginx_serving(site) as url:
        for rnd in range(args.rounds):
            for v in ("old", "new") if rnd % 2 == 0 else ("new", "old"):
                db = work / f"{v}-{rnd}.db"
                for phase in PHASES:
                    wall, cpu, rc = _run(code[v], url, db, work / f"{v}-{rnd}-{phase}.log")
                    if rc not in (0, 1):
                        print(f"{v} {phase} failed (exit {rc}); logs in {work}", file=sys.stderr)
                        return 2
                    times[v, phase].append((wall, cpu))
                    print(f"round {rnd} {v} {phase}: wall {wall:.2f} s, cpu {cpu:.2f} s, "
                          f"load {os.getloadavg()[0]:.1f}", flush=True)
    print(f"\n{args.old} (old) against {args.new} (new), {args.rounds} interleaved rounds")
    for phase in PHASES:
        for i, what in enumerate(("wall", "cpu")):
            old = [t[i] for t in times["old", phase]]
            new = [t[i] for t in times["new", phase]]
            ratio = statistics.median(b / a for a, b in zip(old, new, strict=True))
            print(f"{phase:8} {what:4}: old {statistics.median(old):6.2f} s, new "
                  f"{statistics.median(new):6.2f} s, new/old median of rounds {ratio:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
