"""Stable finding keys. A key is scoped to its site: the same typo or the same dead
external link on two portals belongs to two owners, so it is two findings."""

from __future__ import annotations


def text_key(site: str, hit_key: str) -> str:
    """Key of a wording/privacy finding, from textcheck's Hit.key."""
    return f"text:{site}|{hit_key}"


def link_key(site: str, url_key: str) -> str:
    """Key of a dead/unverified link finding, from the target's url_key."""
    return f"link:{site}|{url_key}"
