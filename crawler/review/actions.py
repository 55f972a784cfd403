"""The changes of the review UI: every one a POST with the session's CSRF token.

The web office (admin) sets statuses, confirms suspects, whitelists, accepts or sends back a
department's 整改反馈 and revokes whitelist entries. A department reports its own findings
fixed and may recheck them; nothing else. Messages are Chinese (crawler.labels.user_message):
the library's English text is for the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort, current_app, flash, g, redirect, render_template, request
from werkzeug.wrappers import Response

from crawler.errors import DuwangError
from crawler.labels import recheck_detail_label, user_message
from crawler.recheck import GONE, RESULT_LABELS, STILL_THERE, UNREACHABLE, recheck
from crawler.review import roles
from crawler.review.app import get_db
from crawler.review.security import safe_next
from crawler.review.views import bp
from crawler.store import feedback
from crawler.store.lifecycle import (
    FALSE_POSITIVE,
    STATUS_LABELS,
    WHITELIST_EVERYWHERE,
    confirm,
    mark,
    revoke_whitelist,
)

T = TypeVar("T")
MAX_ID = 2**63 - 1


def _ids() -> list[int]:
    raw = [request.args["one"]] if "one" in request.args else request.form.getlist("ids")
    try:
        ids = [int(x) for x in raw]
    except ValueError:
        abort(400, description="问题编号必须是数字。")
    if not all(0 < i <= MAX_ID for i in ids):
        abort(400, description="问题编号超出范围。")  # SQLite's integers end at 2**63 - 1
    return roles.check_ids(ids)


def _back() -> Response:
    return redirect(safe_next(request.form.get("next")), code=303)


def _note() -> str:
    # A row's own button (?one=ID) never takes the bulk form's note or whitelist.
    return "" if "one" in request.args else request.form.get("note", "").strip()[:1000]


def _attempt(action: Callable[[], T], failed: str, done: Callable[[T], str]) -> Response:
    """Run a staff action; flash its outcome (``failed``: what could not be done) and go back."""
    try:
        result = action()
    except DuwangError as exc:
        flash(f"{failed}：{user_message(exc)}", "error")
    else:
        flash(done(result), "ok")
    return _back()


@bp.post("/mark")
def mark_findings() -> Response | str:
    roles.require_admin()
    ids = _ids()
    to = request.args.get("to") or request.form.get("status", "")
    scope = None if "one" in request.args else (request.form.get("whitelist") or None)
    if scope and to != FALSE_POSITIVE:
        scope = None  # the select is there for 误报 only; any other verdict ignores it
    if scope == WHITELIST_EVERYWHERE and request.form.get("confirmed") != "1" and ids:
        # A site-wide entry silences the text on every page: say so, and ask again.
        rows = get_db().execute(
            f"SELECT id, kind, text, target FROM findings WHERE id IN ({','.join('?' * len(ids))})", ids
        ).fetchall()
        return render_template("confirm_whitelist.html", rows=rows, ids=ids, note=_note(),
                               next=safe_next(request.form.get("next")))
    return _attempt(lambda: mark(get_db(), ids, to, actor=g.user, note=_note(), whitelist=scope),
                    "未能更改状态",
                    lambda events: f"已将 {len(events)} 个问题标记为「{STATUS_LABELS[to]}」。")


@bp.post("/confirm")
def confirm_findings() -> Response:
    roles.require_admin()
    ids = _ids()
    return _attempt(lambda: confirm(get_db(), ids, actor=g.user),
                    "未能确认", lambda _: f"已将 {len(ids)} 个疑似错误确认为错误。")


@bp.post("/feedback")
def report_fixed() -> Response:
    """整改反馈: the findings are fixed, says the department; the web office will decide."""
    ids = _ids()
    own = roles.department()
    note = request.form.get("note", "").strip()[:1000]
    return _attempt(lambda: feedback.report_fixed(get_db(), ids, actor=g.user,
                                                  department=own or "网站管理单位", note=note),
                    "未能反馈整改", lambda _: f"已反馈 {len(ids)} 个问题已整改，等待网站管理单位复核。")


@bp.post("/accept")
def accept_feedback() -> Response:
    roles.require_admin()
    ids = _ids()
    return _attempt(lambda: feedback.accept(get_db(), ids, actor=g.user, note=_note()),
                    "未能复核通过", lambda _: f"{len(ids)} 个问题复核通过，已标记为「已整改」。")


@bp.post("/reject")
def reject_feedback() -> Response:
    roles.require_admin()
    ids = _ids()
    reason = request.form.get("note", "").strip()[:1000]
    return _attempt(lambda: feedback.reject(get_db(), ids, actor=g.user, reason=reason),
                    "未能退回", lambda _: f"{len(ids)} 个问题复核不通过，已退回责任单位。")


@bp.post("/recheck")
def recheck_findings() -> Response:
    ids = _ids()
    db = get_db()
    try:
        if not ids:
            raise feedback.FeedbackError("no finding ids given", "请先勾选要复核的问题。")
        results = recheck(db, ids, actor=g.user, timeout=current_app.config["REVIEW_RECHECK_TIMEOUT"])
        decided = feedback.apply_rechecks(db, verdicts(results), actor=g.user, accept_gone=roles.is_admin())
    except DuwangError as exc:
        flash(f"未能复核：{user_message(exc)}", "error")
        return _back()
    flash(*recheck_message(results, decided))
    return _back()


def verdicts(results) -> list[feedback.RecheckVerdict]:
    """What each recheck says, with the first page that still has the problem as the reason."""
    out = []
    for r in results:
        still = next((p for p in r.pages if p.result == STILL_THERE), None)
        out.append(feedback.RecheckVerdict(r.finding_id, r.status, r.result,
                                           recheck_detail_label(still.detail) if still else ""))
    return out


def recheck_message(results, decided: feedback.Decisions) -> tuple[str, str]:
    """One message for the whole batch, and its kind (ok or warn)."""
    count = {k: sum(r.result == k for r in results) for k in (GONE, STILL_THERE, UNREACHABLE)}
    if len(results) == 1:
        text = f"问题 {results[0].finding_id} 复核结果：{RESULT_LABELS[results[0].result]}。"
    else:
        text = f"已复核 {len(results)} 个问题：" + "，".join(
            f"{RESULT_LABELS[k]} {n} 个" for k, n in count.items() if n) + "。"
    if decided.sent_back:
        text += f"{_n(decided.sent_back)}整改未通过，已退回「待整改」。"
    if decided.rejected:
        text += f"{_n(decided.rejected)}的整改反馈复核不通过，已退回责任单位。"
    if decided.accepted:
        text += f"{_n(decided.accepted)}的整改反馈复核通过，已标记为「已整改」。"
    return text, ("ok" if count[GONE] == len(results) else "warn")


def _n(ids: list[int]) -> str:
    return f"问题 {ids[0]} " if len(ids) == 1 else f"其中 {len(ids)} 个问题"


@bp.post("/whitelist/<int(max=9223372036854775807):entry_id>/revoke")
def revoke(entry_id: int) -> Response:
    roles.require_admin()
    try:
        row = revoke_whitelist(get_db(), entry_id, actor=g.user)
    except DuwangError as exc:
        flash(f"未能撤销：{user_message(exc)}", "error")
    else:
        flash(f"已撤销白名单「{row['value']}」，下次巡检将重新检查。", "ok")
    return _back()
