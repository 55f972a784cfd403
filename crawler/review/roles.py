"""Who is asking: the web office (admin) sees everything, a department only its own pages.

With `duwang serve --no-login` there is no login and the local user is the web office. Behind a
login the account's role decides (crawler.review.accounts). A department's scope is applied
here, to every list, detail page, snapshot and export, never left to the templates.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import abort, current_app, g

from crawler.review.accounts import ADMIN, Account, get_account
from crawler.review.app import get_db

ADMIN_ONLY = "只有网站管理单位（管理员）可以进行此操作。"


def account() -> Account:
    """The signed-in account (cached for the request)."""
    if "account" not in g:
        if not current_app.config["REVIEW_LOGIN_REQUIRED"]:
            g.account = Account(g.user, ADMIN)
        else:
            found = get_account(get_db(), g.user) if g.user else None
            if found is None:  # the account was removed while signed in
                abort(403, description="该账号已不存在，请重新登录。")
            g.account = found
    return g.account


def is_admin() -> bool:
    return account().is_admin


def department() -> str | None:
    """The 责任单位 a department account is bound to; None for the web office."""
    a = account()
    return None if a.is_admin else a.department


def require_admin() -> None:
    if not is_admin():
        abort(403, description=ADMIN_ONLY)


def visible(finding: dict) -> bool:
    """Whether this finding (annotated by listing) has a page the account may see."""
    own = department()
    return own is None or bool(finding.get("shown_count", len(finding["shown"])))


def check_ids(ids: Iterable[int]) -> list[int]:
    """The ids, or 404 when a department names a finding that is not on its own pages."""
    ids = list(ids)
    own = department()
    if own is None or not ids:
        return ids
    from crawler.review.listing import owned_ids

    mine = owned_ids(get_db(), own, ids)
    foreign = [i for i in ids if i not in mine]
    if foreign:
        abort(404, description="没有编号为 " + "、".join(map(str, foreign)) + " 的本单位问题。")
    return ids
