"""Stable finding keys. A key is scoped to its site: the same typo or the same dead
external link on two portals belongs to two owners, so it is two findings.

Link findings are keyed "link:<site>|<url_key>", built in SQL by store/finalize.py."""

from __future__ import annotations


def text_key(site: str, hit_key: str) -> str:
    """Key of a wording/privacy finding, from textcheck's Hit.key."""
    return f"text:{site}|{hit_key}"

