"""Fixtures for the text checker: checkers are costly to build (jieba), so share them."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.textcheck import TextChecker, load_wordlists

SEED_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "seed"

# Terms a site might add itself: short ones that collide across word boundaries.
CUSTOM_SENSITIVE = "性交\n口交\n台独\t删除\n法轮功\n"


@pytest.fixture(scope="session")
def checker() -> TextChecker:
    """The default wordlists."""
    return TextChecker(load_wordlists())


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user wordlist directory: extra sensitive terms, a custom category, a whitelist."""
    d = tmp_path_factory.mktemp("site-wordlists")
    (d / "sensitive.txt").write_text(CUSTOM_SENSITIVE, encoding="utf-8")
    (d / "leaders.txt").write_text("张三县长\t张三副县长\t已调任\n", encoding="utf-8")
    (d / "whitelist.txt").write_text("台独分子\n", encoding="utf-8")
    (d / "README.md").write_text("not a wordlist", encoding="utf-8")
    return d


@pytest.fixture(scope="session")
def site_checker(site_dir: Path) -> TextChecker:
    return TextChecker(load_wordlists([site_dir]))


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The project's seed document: ordinary government text that must flag nothing."""
    path = SEED_DIR / "annual-report-2022.txt"
    if not path.exists():
        pytest.skip(f"seed document not found at {path}")
    return path.read_text(encoding="utf-8")
