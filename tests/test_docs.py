"""The docs match the code: every command has help, every setting and config key is documented,
and the README's set-up commands are the ones CI runs."""

from __future__ import annotations

import re

import pytest

from crawler import settings
from crawler.cli import build_parser
from crawler.siteconfig import _SITE_KEYS
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _subcommands():
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return action.choices


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_every_command_has_help_and_is_in_the_readme(name):
    sub = _subcommands()[name]
    assert sub.format_help().strip()
    assert f"duwang {name}" in README


@pytest.mark.parametrize("name", sorted(n for n in dir(settings) if n.startswith("DUWANG_")))
def test_every_duwang_setting_is_documented(name):
    assert f"`{name}`" in README


@pytest.mark.parametrize("key", sorted(_SITE_KEYS))
def test_every_config_key_is_documented(key):
    assert re.search(rf"`(\[site\.)?{key}\]?`", README), key


def test_set_up_commands_and_ci():
    assert "pip install . && duwang demo" in README
    test_command = 'pip install -e ".[test]" && python -m pytest'
    assert test_command in README
    assert test_command in (REPO / ".ci" / "run").read_text()
