"""Wording checks on real text: recall on ECSpell's slips, false positives on clean text.

Reads ../shared/corpus (see its README) relative to the repository root, or --corpus:

- ecspell-odw-train.tsv: official-document sentences with slips (label = number of slips,
  written, corrected). An error span is a run of characters where written and corrected
  differ. Recall counts the error spans a finding covers ("found") and those whose
  suggestion restores the corrected text ("fixed"); false positives are findings on the
  corrected sentences, which are clean.
- gov-reports/*.txt: 3.4 MB of carefully edited prose. Every finding is a false positive
  or a rare real slip of the source; reported per MB, by severity.

Each checker is run on its own: TextChecker (wordlists), and the near-miss and suspect-typo
finders, which TextChecker does not run yet. When it gains an option for them, add a row.
Figures on the ECSpell file are development figures (it was used to tune the finders).

    python benchmarks/bench_corpus.py
    python benchmarks/bench_corpus.py --page-kb 8     # the reports as a crawl sees pages
    python benchmarks/bench_corpus.py --corpus /path/to/corpus --show 20
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from crawler.textcheck import TextChecker, load_wordlists  # noqa: E402
from crawler.textcheck.nearmiss import NearMissFinder  # noqa: E402
from crawler.textcheck.segment import new_tokenizer  # noqa: E402
from crawler.textcheck.suspect import THOROUGH_MARGIN, SuspectFinder  # noqa: E402

DEFAULT_CORPUS = HERE.parent.parent / "shared" / "corpus"


@dataclass(frozen=True)
class Finding:
    start: int
    end: int
    text: str
    suggestion: str | None
    severity: str


Check = Callable[[str], list[Finding]]


@dataclass
class Result:
    name: str
    build: float
    spans: int = 0
    found: int = 0
    fixed: int = 0
    clean_sentences: int = 0
    clean_fp: int = 0
    gov_mb: float = 0.0
    gov_seconds: float = 0.0
    gov_by_severity: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)


def error_spans(written: str, corrected: str) -> list[tuple[int, int]]:
    """Runs of differing characters (the two sides have the same length)."""
    spans: list[tuple[int, int]] = []
    for i, (a, b) in enumerate(zip(written, corrected, strict=False)):
        if a != b:
            if spans and spans[-1][1] == i:
                spans[-1] = (spans[-1][0], i + 1)
            else:
                spans.append((i, i + 1))
    return spans


def read_ecspell(path: Path) -> list[tuple[int, str, str]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 3:
            raise SystemExit(f"{path}:{number}: expected label, written, corrected")
        rows.append((int(fields[0]), fields[1], fields[2]))
    return rows


def evaluate(name: str, build: float, check: Check, rows: Sequence[tuple[int, str, str]],
             reports: Sequence[Path], show: int, page_chars: int = 0) -> Result:
    result = Result(name, build)
    for label, written, corrected in rows:
        if label and len(written) == len(corrected):
            findings = check(written)
            for s, e in error_spans(written, corrected):
                hit = [f for f in findings if f.start <= s and e <= f.end]
                result.spans += 1
                result.found += bool(hit)
                result.fixed += any(f.suggestion == corrected[f.start : f.end] for f in hit)
        result.clean_sentences += 1
        for f in check(corrected):
            result.clean_fp += 1
            if len(result.examples) < show:
                result.examples.append(f"clean: {f.text} -> {f.suggestion}  | {_context(corrected, f)}")
    for path in reports:
        whole = path.read_text(encoding="utf-8")
        result.gov_mb += len(whole.encode("utf-8")) / 1e6
        step = page_chars or len(whole) or 1
        for text in (whole[i : i + step] for i in range(0, len(whole), step)):
            started = time.perf_counter()
            findings = check(text)
            result.gov_seconds += time.perf_counter() - started
            for f in findings:
                result.gov_by_severity[f.severity] += 1
                if len(result.examples) < 2 * show:
                    result.examples.append(f"{path.name}: {f.text} -> {f.suggestion}  | {_context(text, f)}")
    return result


def _context(text: str, f: Finding, width: int = 12) -> str:
    before, after = text[max(0, f.start - width) : f.start], text[f.end : f.end + width]
    return f"{before}【{f.text}】{after}".replace("\n", " ")


def timed(build: Callable[[], object]) -> tuple[object, float]:
    started = time.perf_counter()
    built = build()
    return built, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the shared corpus directory")
    parser.add_argument("--show", type=int, default=10, help="false positives to print per checker")
    parser.add_argument(
        "--page-kb", type=float, default=0, help="check the reports in pages this big (0: each file whole)"
    )
    args = parser.parse_args()
    ecspell = args.corpus / "ecspell-odw-train.tsv"
    reports = sorted((args.corpus / "gov-reports").glob("*.txt"))
    if not ecspell.exists() or not reports:
        print(f"corpus not found under {args.corpus}", file=sys.stderr)
        return 2
    rows = read_ecspell(ecspell)

    wordlists = load_wordlists()
    tokenizer, jieba_load = timed(lambda: new_tokenizer(()))
    print(f"jieba dictionary (shared by all): {jieba_load:.2f} s")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    checker, build = timed(lambda: TextChecker(wordlists))
    checker.tokenizer  # noqa: B018  (its own jieba copy, as in production)

    def run_checker(text: str) -> list[Finding]:
        return [Finding(h.start, h.end, h.text, h.suggestion, h.severity) for h in checker.check_text(text)]

    near, near_build = timed(lambda: NearMissFinder.from_wordlists(wordlists, tokenizer))

    def run_near(text: str) -> list[Finding]:
        return [Finding(m.start, m.end, m.text, m.suggestion, "serious") for m in near.find(text)]

    suspects, suspect_build = timed(lambda: SuspectFinder(tokenizer))
    memory = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024

    def run_suspects(text: str) -> list[Finding]:
        return [Finding(s.start, s.end, s.text, s.suggestion, s.severity) for s in suspects.find(text)]

    thorough, thorough_build = timed(lambda: SuspectFinder(tokenizer, margin=THOROUGH_MARGIN))

    def run_thorough(text: str) -> list[Finding]:
        return [Finding(s.start, s.end, s.text, s.suggestion, s.severity) for s in thorough.find(text)]

    page = int(args.page_kb * 1000 / 3)  # characters: Chinese text is ~3 bytes a character
    results = [
        evaluate("TextChecker (wordlists)", build, run_checker, rows, reports, args.show, page),
        evaluate("NearMissFinder", near_build, run_near, rows, reports, args.show, page),
        evaluate("SuspectFinder", suspect_build, run_suspects, rows, reports, args.show, page),
        evaluate("SuspectFinder thorough", thorough_build, run_thorough, rows, reports, args.show, page),
    ]
    spans = results[0].spans
    print(f"ECSpell odw-train: {len(rows)} sentences, {spans} error spans; "
          f"gov reports: {results[0].gov_mb:.2f} MB in {len(reports)} files"
          + (f", checked in pages of {args.page_kb:g} KB" if page else ", each file as one text"))
    print(f"build times: the first finder built loads readings and shapes (readings.py); "
          f"peak memory growth, TextChecker and both finders: {memory:.0f} MB")
    header = (f"{'checker':<24} {'build s':>8} {'found':>12} {'fixed':>12} {'FP clean':>9} "
              f"{'gov /MB by severity':<34} {'MB/s':>6}")
    print(header)
    print("-" * len(header))
    for r in results:
        per_mb = ", ".join(f"{k} {v / r.gov_mb:.2f}" for k, v in sorted(r.gov_by_severity.items())) or "none"
        print(
            f"{r.name:<24} {r.build:>8.2f} {r.found:>5} {r.found / r.spans:>6.1%} "
            f"{r.fixed:>5} {r.fixed / r.spans:>6.1%} {r.clean_fp:>9} {per_mb:<34} "
            f"{r.gov_mb / r.gov_seconds:>6.1f}"
        )
    for r in results:
        if r.examples:
            print(f"\n{r.name}: false positives (or slips of the source)")
            for line in r.examples:
                print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
