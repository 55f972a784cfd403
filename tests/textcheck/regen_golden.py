"""Rewrite tests/textcheck/golden/*.expected.json from the current checker.

    python tests/textcheck/regen_golden.py

Review the diff before committing: the golden files are the specification.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from test_golden_pages import PAGES, expected_path, render  # noqa: E402

from crawler.textcheck import TextChecker  # noqa: E402


def main() -> None:
    checker = TextChecker()
    for page in PAGES:
        hits = render(checker, page)
        out = expected_path(page)
        out.write_text(json.dumps(hits, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"{out}: {len(hits)} hits")


if __name__ == "__main__":
    main()
