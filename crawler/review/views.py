"""Routes of the review UI. GET only reads; every change is a POST with a CSRF token."""

from __future__ import annotations

import io
import math
from datetime import date
from urllib.parse import quote

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from crawler.errors import DuwangError
from crawler.recheck import RESULT_LABELS, recheck, rechecks_of
from crawler.render import KIND_LABELS, SEVERITY_LABELS, category_label
from crawler.review import export, listing, snapshot
from crawler.review.accounts import verify_user
from crawler.review.app import get_db
from crawler.review.security import sign_in
from crawler.store import snapshots
from crawler.store.lifecycle import (
    FALSE_POSITIVE,
    IGNORED,
    OPEN,
    RECTIFIED,
    STAFF_TRANSITIONS,
    STATUS_LABELS,
    WHITELIST_SCOPES,
    confirm,
    history,
    mark,
    whitelist_rows,
)
from crawler.store.queries import list_findings

bp = Blueprint("review", __name__)

# A stored page is hostile: no script runs (sandbox), nothing posts, images and styles
# may come from the live site.
SNAPSHOT_CSP = (
    "sandbox; default-src 'none'; img-src http: https: data:; style-src http: https: 'unsafe-inline'; "
    "font-src http: https: data:; form-action 'none'; base-uri http: https:"
)

_MIME = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@bp.record_once
def _labels(state) -> None:
    """Labels and helpers as template globals, so imported macros see them too."""
    state.app.jinja_env.globals.update({
        "STATUS_LABELS": STATUS_LABELS, "KIND_LABELS": KIND_LABELS, "SEVERITY_LABELS": SEVERITY_LABELS,
        "RESULT_LABELS": RESULT_LABELS, "category_label": category_label, "TABS": listing.TABS,
        "highlight": listing.highlight, "WHITELIST_SCOPES": WHITELIST_SCOPES,
    })


@bp.app_errorhandler(HTTPException)
def _error(exc: HTTPException) -> Response | tuple[str, int | None]:
    message = exc.description if (exc.code or 500) < 500 else "服务器内部错误。"
    try:
        return render_template("error.html", code=exc.code, message=message), exc.code
    except Exception:  # e.g. a request refused before URLs can be built (untrusted Host)
        return Response(f"{exc.code} {message}", exc.code, mimetype="text/plain")


@bp.app_template_filter("href")
def _href(url: str | None) -> str:
    """Only http(s) URLs become links; anything else (javascript:, data:) goes nowhere."""
    return url if url and url.lower().startswith(("http://", "https://")) else "#"


@bp.get("/")
def index() -> str:
    f = listing.Filters.from_args(request.args)
    db = get_db()
    found = listing.select(db, f)
    pages = max(1, math.ceil(len(found) / listing.PER_PAGE))
    f.page = min(f.page, pages)
    start = (f.page - 1) * listing.PER_PAGE
    return render_template(
        "list.html", f=f, rows=found[start:start + listing.PER_PAGE], total=len(found), pages=pages,
        unverified=sum(r["unverified"] for r in found),
        suspects=listing.unconfirmed_suspects(db),
        counts=listing.tab_counts(db, f.status), options=listing.options(db, f.kind),
        targets=[RECTIFIED, FALSE_POSITIVE, IGNORED, OPEN],  # the usual verdict first
    )


def _finding_row(db, finding_id: int) -> dict:
    rows = list_findings(db, ids=[finding_id])
    if not rows:
        abort(404, description=f"没有编号为 {finding_id} 的问题。")
    return rows[0]


@bp.get("/finding/<int:finding_id>")
def finding(finding_id: int) -> str:
    db = get_db()
    f = listing.select_one(db, _finding_row(db, finding_id))
    trail = [{"type": "status", **e} for e in history(db, finding_id)]
    trail += [{"type": "recheck", **r} for r in rechecks_of(db, finding_id)]
    trail.sort(key=lambda e: e["at"])
    return render_template(
        "finding.html", f=f, trail=trail, whitelist=whitelist_rows(db, finding_id),
        targets=sorted(STAFF_TRANSITIONS.get(f["status"], ()), key=list(STATUS_LABELS).index),
    )


@bp.get("/finding/<int:finding_id>/snapshot")
def page_snapshot(finding_id: int) -> Response:
    """The page as the crawl saw it (快照), with the finding's words marked."""
    db = get_db()
    row, page = _finding_row(db, finding_id), request.args.get("page", "")
    if row["kind"] not in ("wording", "privacy"):
        abort(404, description="只有错敏词和隐私信息问题有页面快照。")
    if page not in {o["page"] for o in row["occurrences"]}:
        abort(404, description="这个页面不在该问题的所在页面中。")
    snap = snapshots.load(db, page)
    if snap is None:
        abort(404, description="这个页面没有快照：它在启用快照前被检查，此后内容没有变化。")
    html, _ = snapshot.render(snap.html, snap.final_url, snap.taken_at, [row["text"] or ""])
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = SNAPSHOT_CSP
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.post("/mark")
def mark_findings() -> Response:
    ids = _ids()
    to = request.args.get("to") or request.form.get("status", "")
    note = request.form.get("note", "").strip()[:1000]
    scope = request.form.get("whitelist") or None
    try:
        events = mark(get_db(), ids, to, actor=g.user, note=note, whitelist=scope)
    except DuwangError as exc:
        flash(f"未能更改状态：{exc}", "error")
    else:
        flash(f"已将 {len(events)} 个问题标记为「{STATUS_LABELS[to]}」。", "ok")
    return _back()


@bp.post("/confirm")
def confirm_findings() -> Response:
    ids = _ids()
    try:
        confirm(get_db(), ids, actor=g.user)
    except DuwangError as exc:
        flash(f"未能确认：{exc}", "error")
    else:
        flash(f"已将 {len(ids)} 个疑似错误确认为错误。", "ok")
    return _back()


@bp.post("/recheck")
def recheck_findings() -> Response:
    ids = _ids()
    try:
        results = recheck(get_db(), ids, actor=g.user, timeout=current_app.config["REVIEW_RECHECK_TIMEOUT"])
    except DuwangError as exc:
        flash(f"未能复核：{exc}", "error")
    else:
        for r in results:
            flash(f"问题 {r.finding_id} 复核结果：{r.label}", "ok" if r.result == "gone" else "warn")
    return _back()


@bp.get("/export.<fmt>")
def export_list(fmt: str) -> Response:
    if fmt not in _MIME:
        abort(404)
    f = listing.Filters.from_args(request.args, all_kinds=True)
    found = listing.select(get_db(), f)
    split = request.args.get("by_department") == "1"
    data = export.to_xlsx(found, split=split) if fmt == "xlsx" else export.to_csv(found, split=split)
    stamp = f"{date.today():%Y%m%d}.{fmt}"
    response = send_file(io.BytesIO(data), mimetype=_MIME[fmt])
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"zhenggai-qingdan-{stamp}\"; filename*=UTF-8''{quote('整改清单-' + stamp)}"
    )
    return response


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int]:
    if not current_app.config["REVIEW_LOGIN_REQUIRED"]:
        return redirect(url_for("review.index"))
    error = ""
    if request.method == "POST":
        name = request.form.get("name", "").strip()
        if verify_user(get_db(), name, request.form.get("password", "")):
            sign_in(name)
            return redirect(_safe_next(request.args.get("next")))
        error = "用户名或密码错误。"
    return render_template("login.html", error=error), (401 if error else 200)


@bp.post("/logout")
def logout() -> Response:
    session.clear()
    return redirect(url_for("review.login"))


def _ids() -> list[int]:
    raw = [request.args["one"]] if "one" in request.args else request.form.getlist("ids")
    try:
        return [int(x) for x in raw]
    except ValueError:
        abort(400, description="问题编号必须是数字。")


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("review.index")


def _back() -> Response:
    return redirect(_safe_next(request.form.get("next")), code=303)
