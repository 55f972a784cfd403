"""The docs match the code: every command and option is in docs/commands.md, every setting and
config key in docs/config.md, every category in docs/checks.md, every JSONL field in
docs/findings.md; the README's set-up commands are the ones CI runs, its example commands parse,
and every relative link in README.md and docs/*.md points at a file (and heading) that exists."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path
from urllib.parse import unquote

import pytest

from crawler import settings
from crawler.cli import build_parser
from crawler.inspection.weights import Weights
from crawler.outcomes import CATEGORY_LABELS
from crawler.siteconfig import _SITE_KEYS, _TOP_KEYS
from crawler.store.queries import FIELDS
from tests.conftest import REPO

DOCS = REPO / "docs"
README = (REPO / "README.md").read_text(encoding="utf-8")
MARKDOWN = [REPO / "README.md", *sorted(DOCS.glob("*.md"))]


def doc(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices) if actions else {}


def _commands() -> dict[str, argparse.ArgumentParser]:
    """Every command path ("crawl", "report", "report monthly", ...) and its parser."""
    found = {}
    todo = list(_subparsers(build_parser()).items())
    while todo:
        name, parser = todo.pop()
        found[name] = parser
        todo += [(f"{name} {sub}", p) for sub, p in _subparsers(parser).items()]
    return found


COMMANDS = _commands()


def without_code_blocks(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)


def sections(text: str) -> dict[str, str]:
    """The `## ` sections of a Markdown text: heading -> body (up to the next `## ` heading)."""
    parts = re.split(r"^## +(.+)$", without_code_blocks(text), flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def command_section(name: str) -> str:
    matches = [body for heading, body in sections(doc("commands.md")).items()
               if re.search(rf"`duwang {name}[` ]", heading)]
    assert len(matches) == 1, f"docs/commands.md needs one '## `duwang {name}`' section"
    return matches[0]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_and_option_is_in_docs_commands(name):
    parser = COMMANDS[name]
    assert parser.format_help().strip()
    section = command_section(name)
    for action in parser._actions:
        flags = [f for f in action.option_strings if f not in ("-h", "--help")]
        if flags:
            assert any(re.search(rf"(?<![\w-]){re.escape(f)}(?![\w-])", section) for f in flags), \
                f"duwang {name}: {'/'.join(flags)} is not in its docs/commands.md section"


@pytest.mark.parametrize("name", sorted(n for n in COMMANDS if " " not in n))
def test_every_command_is_in_the_readme(name):
    assert f"duwang {name}" in README


@pytest.mark.parametrize("name", sorted(n for n in dir(settings) if n.startswith("DUWANG_")))
def test_every_duwang_setting_is_documented(name):
    assert f"`{name}`" in doc("config.md")


@pytest.mark.parametrize("key", sorted(_SITE_KEYS) + sorted(_TOP_KEYS))
def test_every_config_key_is_documented(key):
    assert re.search(rf"`\[{{0,2}}(site\.)?{key}\]{{0,2}}`", doc("config.md")), key


@pytest.mark.parametrize("key", Weights.names())
def test_every_scorecard_weight_is_documented(key):
    assert f"`{key}`" in doc("inspection.md") and f"`{key}`" in doc("config.md"), key


@pytest.mark.parametrize("code", sorted(CATEGORY_LABELS))
def test_every_link_category_is_documented(code):
    assert f"`{code}`" in doc("checks.md")


@pytest.mark.parametrize("path", sorted(p.name for p in (REPO / "crawler" / "wordlists").glob("*.txt")))
def test_every_default_wordlist_is_documented(path):
    assert f"`{path}`" in doc("checks.md")


@pytest.mark.parametrize("field", FIELDS)
def test_every_jsonl_field_is_documented(field):
    table = sections(doc("findings.md"))["Findings format (`--format jsonl`)"]
    assert re.search(rf"^\|[^|]*`{field}`", table, flags=re.M), field


def test_set_up_commands_and_ci():
    assert "pip install . && duwang demo" in README
    test_command = 'pip install -e ".[test]" && python -m pytest'
    assert test_command in README
    assert test_command in (REPO / ".ci" / "run").read_text()


def test_readme_is_a_front_door():
    headings = sections(README)
    assert "Set-up: two commands" in headings
    assert "Finding lifecycle" in headings
    assert "Exit codes" in headings
    linked = set(re.findall(r"\]\(docs/([^)#]+\.md)", README))
    assert linked == {p.name for p in DOCS.glob("*.md")}, "the README links to every docs/*.md"


def example_commands(text: str) -> list[list[str]]:
    """The `duwang ...` commands in the text's ```sh blocks, as argv lists (without `duwang`)."""
    found = []
    for block in re.findall(r"^```sh\n(.*?)^```", text, flags=re.M | re.S):
        for line in block.splitlines():
            for part in re.split(r"&&|\|\||;|\|", line):
                argv = shlex.split(part, comments=True)
                if argv[:1] == ["duwang"]:
                    found.append(argv[1:])
    return found


def test_example_commands_parse():
    commands = [(path.name, argv) for path in MARKDOWN
                for argv in example_commands(path.read_text(encoding="utf-8"))]
    assert {argv[0] for name, argv in commands if name == "README.md"} >= {
        "demo", "crawl", "serve", "mark", "recheck", "report"}
    for name, argv in commands:
        try:
            build_parser().parse_args(argv)
        except SystemExit:
            pytest.fail(f"{name}: `duwang {shlex.join(argv)}` does not parse")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    for heading in re.findall(r"^#{1,6} +(.+?) *#*$", without_code_blocks(path.read_text(encoding="utf-8")),
                              flags=re.M):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        yield base if count == 0 else f"{base}-{count}"


def broken_links(path: Path) -> list[str]:
    broken = []
    text = without_code_blocks(path.read_text(encoding="utf-8"))
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto: ...
            continue
        file_part, _, anchor = unquote(target).partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(f"{path.name}: {target} (no such file)")
        elif anchor and linked.suffix == ".md" and anchor not in set(anchors(linked)):
            broken.append(f"{path.name}: {target} (no such heading)")
    return broken


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_resolve(path):
    assert not broken_links(path)


def test_the_link_check_finds_broken_links(tmp_path):
    (tmp_path / "other.md").write_text("# Other\n\n## `duwang crawl` options\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text("# Page\n\n[ok](other.md#duwang-crawl-options) [ok](#page) [ok](https://x.invalid/)\n"
                    "[gone](missing.md) [bad anchor](other.md#nowhere) [bad](#nothing)\n"
                    "```sh\n[not a link](in-code.md)\n```\n", encoding="utf-8")
    assert broken_links(page) == ["page.md: missing.md (no such file)",
                                  "page.md: other.md#nowhere (no such heading)",
                                  "page.md: #nothing (no such heading)"]
