"""Throughput of TextChecker.check_text on ~20 MB of government-style Chinese text.

The text is deterministic: sentences of the seed annual report recombined, with a few
planted errors (typos, outdated names, a spaced-out spam term, an identity number). Each
figure is the median of 3 runs, next to references measured in the same run: a bare
Aho-Corasick scan of the same terms over the str, the checker's own lexicon scan alone
(scan.Scanner: a prefix table over code points for a long text), and naive jieba
segmentation of a 1 MB slice.

    python benchmarks/bench_textcheck.py            # ~20 MB
    python benchmarks/bench_textcheck.py --mb 5 --page-kb 8
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import ahocorasick  # noqa: E402

from crawler.textcheck import TextChecker, load_wordlists  # noqa: E402
from crawler.textcheck.scan import Scanner  # noqa: E402
from crawler.textcheck.segment import new_tokenizer  # noqa: E402

SEED = HERE.parent.parent / "shared" / "seed" / "annual-report-2022.txt"
PLANTED = [
    "全体干部要再接再励，推动各项工作迈上新台阶。",
    "区国土资源局会同环境保护局开展联合执法检查。",
    "有关单位迫不急待地启动了项目前期工作。",
    "页面底部被植入“代 开 各 类 发 票”等广告信息。",
    "经办人身份证号360426199101010071已公开。",
]


def make_text(megabytes: float, seed: int = 2022) -> str:
    """Seed sentences in a deterministic shuffle, one planted error every ~200 sentences."""
    sentences = [s for s in re.split(r"(?<=[。！？\n])", SEED.read_text(encoding="utf-8")) if s.strip()]
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    parts: list[str] = []
    size = 0
    while size < target:
        s = PLANTED[rng.randrange(len(PLANTED))] if rng.random() < 0.005 else rng.choice(sentences)
        parts.append(s)
        size += len(s.encode("utf-8"))
    return "".join(parts)


def median_time(fn: Callable[[], object], rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _cli_time(text: str) -> float:
    """Median wall time of the whole `duwang check-text` process (start-up included)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "draft.txt"
        path.write_text(text, encoding="utf-8")
        command = [sys.executable, "-m", "crawler.cli", "check-text", str(path), "--format", "jsonl"]

        def run() -> None:
            proc = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if proc.returncode not in (0, 1):
                raise RuntimeError(proc.stderr.decode()[-500:])

        return median_time(run)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="text size in MB (UTF-8)")
    parser.add_argument("--page-kb", type=float, default=8.0, help="page size for the per-page run")
    args = parser.parse_args()

    text = make_text(args.mb)
    mb = len(text.encode("utf-8")) / 1e6
    page_chars = int(args.page_kb * 1000 / 3)
    pages = [text[i : i + page_chars] for i in range(0, len(text), page_chars)]

    wordlists = load_wordlists()
    started = time.perf_counter()
    checker = TextChecker(wordlists)
    build = time.perf_counter() - started
    started = time.perf_counter()
    checker.tokenizer  # noqa: B018  (jieba dictionary load, once per process)
    jieba_load = time.perf_counter() - started

    automaton = ahocorasick.Automaton()
    for entry in wordlists.entries():
        automaton.add_word(entry.term, entry.term)
    automaton.make_automaton()
    scanner = Scanner({entry.term: entry for entry in wordlists.entries()})

    hits = checker.check_text(text)
    t_whole = median_time(lambda: checker.check_text(text))
    t_pages = median_time(lambda: [checker.check_text(p) for p in pages])
    # As the crawl's check worker does: whole pages, 8 to a batch (CheckPool's batch_size).
    htmls = [f"<html><head><title>{p[:20]}</title></head><body><p>{p}</p></body></html>" for p in pages]
    t_batches = median_time(lambda: [checker.check_pages(htmls[i : i + 8]) for i in range(0, len(htmls), 8)])
    t_ac = median_time(lambda: sum(1 for _ in automaton.iter(text)))
    t_scan = median_time(lambda: scanner.find(text))
    one_mb = text[: 1_000_000 // 3]
    one_mb_size = len(one_mb.encode("utf-8")) / 1e6
    plain = new_tokenizer([])
    t_jieba = median_time(lambda: list(plain.cut(one_mb, HMM=False)))
    t_jieba_hmm = median_time(lambda: list(plain.cut(one_mb)))
    t_cli = _cli_time(text)

    rate = {
        "check_text, one call": mb / t_whole,
        f"check_text, {len(pages)} pages of ~{args.page_kb:g} KB": mb / t_pages,
        "check_pages, the same as HTML pages, 8 a call (the check worker)": mb / t_batches,
        "Aho-Corasick scan alone (str)": mb / t_ac,
        "lexicon scan alone (Scanner, as TextChecker scans)": mb / t_scan,
        "jieba.cut HMM=False (1 MB slice)": one_mb_size / t_jieba,
        "jieba.cut default (1 MB slice)": one_mb_size / t_jieba_hmm,
        "whole `duwang check-text FILE` process": mb / t_cli,
    }
    by_category: dict[str, int] = {}
    for h in hits:
        by_category[h.category] = by_category.get(h.category, 0) + 1
    print(f"text: {mb:.1f} MB, {len(text):,} chars; {sum(1 for _ in wordlists.entries())} terms")
    print(f"build TextChecker: {build * 1000:.0f} ms; jieba dictionary + user words: {jieba_load:.2f} s")
    print(f"hits: {len(hits)} {dict(sorted(by_category.items()))}, {len({h.key for h in hits})} keys")
    width = max(map(len, rate))
    for name, value in rate.items():
        print(f"  {name:<{width}}  {value:8.1f} MB/s")
    whole = rate["check_text, one call"]
    for ref in ("Aho-Corasick scan alone (str)", "lexicon scan alone (Scanner, as TextChecker scans)"):
        print(f"check_text / {ref}: {whole / rate[ref]:.2f}")
    print(f"check_text / jieba.cut default: {whole / rate['jieba.cut default (1 MB slice)']:.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
