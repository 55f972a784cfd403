"""Pages of the review UI (GET only reads): the overview, the list, a finding, exports,
the whitelist, the reports and the login. The changes (POST) are in ``actions``.

Every page goes through the account's scope (crawler.review.roles): a department sees only
findings on its own pages. Every word shown comes from crawler.labels, every time through
the ``when`` filter (crawler.localtime).
"""

from __future__ import annotations

import io
import math
import secrets
import tempfile
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from crawler import labels, localtime
from crawler.recheck import RESULT_LABELS, rechecks_of
from crawler.report.errors import ReportError
from crawler.review import cells, export, listing, overview, roles, security, snapshot
from crawler.review import login as login_state
from crawler.review.accounts import ROLE_LABELS, verify_user
from crawler.review.app import get_db
from crawler.review.cache import cached
from crawler.review.files import attachment_facts
from crawler.review.security import safe_next, sign_in, sign_out
from crawler.store import feedback, snapshots
from crawler.store.lifecycle import (
    FALSE_POSITIVE,
    IGNORED,
    OPEN,
    RECTIFIED,
    STAFF_TRANSITIONS,
    STATUS_LABELS,
    WHITELIST_SCOPES,
    history,
    whitelist_entries,
    whitelist_rows,
)

bp = Blueprint("review", __name__)

# A stored page is hostile: no script runs (sandbox), nothing posts, images and styles
# may come from the live site.
SNAPSHOT_CSP = (
    "sandbox; default-src 'none'; img-src http: https: data:; style-src http: https: 'unsafe-inline'; "
    "font-src http: https: data:; form-action 'none'; base-uri http: https:"
)
# Our own report and chart: inline styles and SVG (pygal), never a script.
REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
              "form-action 'none'; frame-ancestors 'none'; base-uri 'none'")

_MIME = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
# Werkzeug's own descriptions are English: a person reads these instead.
_HTTP_MESSAGES = {
    400: "请求无效，请刷新页面后重试。", 403: "没有权限进行此操作。", 404: "页面不存在。",
    405: "不支持这种请求方式。", 413: "提交的内容过多。",
}


@bp.record_once
def _globals(state) -> None:
    """Labels and helpers as template globals, so imported macros see them too."""
    state.app.jinja_env.globals.update({
        "STATUS_LABELS": STATUS_LABELS, "KIND_LABELS": labels.KIND_LABELS,
        "SEVERITY_LABELS": labels.SEVERITY_LABELS, "RESULT_LABELS": RESULT_LABELS,
        "FIELD_LABELS": labels.FIELD_LABELS, "QUEUE_LABELS": listing.QUEUE_LABELS,
        "FEEDBACK_LABELS": feedback.STATE_LABELS, "ROLE_LABELS": ROLE_LABELS,
        "category_label": labels.category_label, "error_label": labels.error_label,
        "detail_label": labels.recheck_detail_label, "actor_label": labels.actor_label,
        "run_state": labels.run_state_label, "TABS": listing.TABS,
        "pager": listing.pager, "row_tail": _row_tail, "state_cell": cells.state_cell,
        "status_badge": cells.status_badge, "suspect_badge": cells.suspect_badge,
        "in_context": cells.in_context, "page_link": cells.page_link,
        "WHITELIST_SCOPES": WHITELIST_SCOPES, "is_admin": roles.is_admin, "account": roles.account,
    })
    state.app.jinja_env.filters.update({"when": localtime.minute, "day": localtime.day,
                                        "ago": localtime.ago, "href": cells.href})


_ROW_ACTIONS = ("mark_findings", "accept_feedback", "recheck_findings", "confirm_findings")


def _row_links(finding_id: int, back: str) -> dict[str, str]:
    """A list row's links: each endpoint's URL is built once per request (url_for for each of
    a hundred rows cost a fifth of a list page), then the row's id is added. The query is
    quoted as url_for quotes it (werkzeug.urls._urlencode)."""
    bases = g.get("row_bases")
    if bases is None or bases[0] != back:
        detail = url_for("review.finding", finding_id=1)
        bases = g.row_bases = (back, detail[:-1], "?" + urlencode({"back": back}, safe="!$'()*,/:;?@"),
                               {name: url_for(f"review.{name}") for name in _ROW_ACTIONS})
    _, detail, back_query, actions = bases
    links = {name: f"{base}?one={finding_id}" for name, base in actions.items()}
    links["detail"] = f"{detail}{finding_id}{back_query}"
    links["mark_rectified"] = links["mark_findings"] + "&to=rectified"
    return links


def _row_tail(r: dict, back: str) -> Markup:
    return cells.row_tail(r, _row_links(r["id"], back), admin=roles.is_admin(),
                          read_only=current_app.config["REVIEW_READ_ONLY"])


@bp.app_errorhandler(HTTPException)
def _error(exc: HTTPException) -> Response | tuple[str, int | None]:
    code = exc.code or 500
    if code >= 500:
        message = "服务器内部错误。"
    elif exc.description and exc.description != type(exc).description:
        message = exc.description  # ours, in Chinese
    else:
        message = _HTTP_MESSAGES.get(code, "请求无法完成。")
    try:
        return render_template("error.html", code=code, message=message), code
    except Exception:  # e.g. a request refused before URLs can be built (untrusted Host)
        return Response(f"{code} {message}", code, mimetype="text/plain; charset=utf-8")


# --- the overview (概览) ---------------------------------------------------------------------


@bp.get("/")
def home() -> Response | str:
    if not roles.is_admin():
        return redirect(url_for("review.index"))
    db = get_db()
    return render_template("overview.html", o=overview.build(db), reports=overview.report_links())


@bp.get("/overview/trend.svg")
def trend_svg() -> Response:
    roles.require_admin()
    response = Response(overview.trend_svg(overview.trend(get_db())), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = REPORT_CSP
    return response


# --- the rectification list (整改清单) ---------------------------------------------------------


# A list page's content is kept as HTML with these in place of the session's CSRF token and
# of the rows (kept apart, and rendered once per list): random per process, so no crawled
# text can contain them.
_CSRF_HOLE = f"csrf-{secrets.token_hex(16)}"
_ROWS_HOLE = f"rows-{secrets.token_hex(16)}"


@bp.get("/list")
def index() -> str:
    db = get_db()
    own = roles.department()
    f = listing.Filters.from_args(request.args)
    if own is not None:
        f.department = ""  # a department's scope is `own`, not a filter it could change
    # What a page shows depends on the query string, the account and the data; the freshness
    # line (最近一次巡检 …，5小时前) on the minute too.
    view = (request.full_path, own, roles.is_admin(), current_app.config["REVIEW_READ_ONLY"])
    found, total, unverified = listing.page(db, f, own=own)
    rows_html = cached(("rows_html", *view), lambda: Markup(render_template(
        "_rows.html", f=f, rows=found(), here=request.full_path)))
    minute = localtime.now().strftime("%Y-%m-%d %H:%M")
    head, tail = cached(("list_main", *view, minute), lambda: _list_main(db, f, own, total, unverified))
    token = security.csrf_token()
    return render_template("list.html", main=Markup("".join(
        (head.replace(_CSRF_HOLE, token), str(rows_html), tail.replace(_CSRF_HOLE, token)))))


def _list_main(db, f: listing.Filters, own: str | None, total: int, unverified: int) -> tuple[str, str]:
    """The list page's content around its rows, with a hole for the CSRF token."""
    pages = max(1, math.ceil(total / listing.PER_PAGE))
    queues = {q: listing.count(db, listing.Filters(kind=listing.ALL_KINDS, status=OPEN, queue=q), own=own)
              for q in listing.QUEUE_LABELS}
    # In a queue the tabs count what is in it (so staff see where it is).
    counts = listing.tab_counts(db, OPEN if f.queue else f.status, own=own, queue=f.queue)
    targets = [RECTIFIED, FALSE_POSITIVE, IGNORED, OPEN]  # the usual verdict first
    html = render_template(
        "_list_main.html", f=f, rows_html=Markup(_ROWS_HOLE), total=total, pages=pages,
        unverified=unverified, suspects=listing.unconfirmed_suspects(db) if own is None else 0,
        counts=counts, options=listing.options(db, f.kind),
        queues=queues, targets=targets, runs=overview.last_runs(db), csrf_token=lambda: _CSRF_HOLE,
        # A 待核实 link is not a thing to fix: nothing is chosen for it until staff look.
        choose_first=f.kind == "unverified_link",
    )
    head, tail = html.split(_ROWS_HOLE)
    return head, tail


def _finding_row(db, finding_id: int, page: int = 1) -> dict:
    """The finding with a screen of its pages (the account's own only), or a 404."""
    found = listing.select_one(db, finding_id, own=roles.department(), page=page)
    if found is None:
        abort(404, description=f"没有编号为 {finding_id} 的问题。")
    return found


def _back_target(raw: str | None) -> str | None:
    """The list a detail page was opened from (its filters kept), if it is one of ours."""
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or parts.path != url_for("review.index"):
        return None
    return raw


def _neighbours(db, back: str | None, finding_id: int) -> tuple[int | None, int | None]:
    """The previous and next finding of the list `back` (上一条/下一条)."""
    if not back:
        return None, None
    args = MultiDict(parse_qsl(urlsplit(back).query, keep_blank_values=True))
    f = listing.Filters.from_args(args)
    return listing.neighbours(db, f, finding_id, own=roles.department()) or (None, None)


@bp.get("/finding/<int(max=9223372036854775807):finding_id>")
def finding(finding_id: int) -> str:
    db = get_db()
    own = roles.department()
    f = _finding_row(db, finding_id, listing.page_number(request.args.get("pages")))
    if not roles.visible(f):
        abort(404, description=f"没有编号为 {finding_id} 的本单位问题。")
    trail = [{"type": "status", **e} for e in history(db, finding_id)]
    trail += [{"type": "recheck", **r} for r in rechecks_of(db, finding_id)]
    for fb in feedback.of(db, finding_id):
        trail.append({"type": "feedback", **fb})
        if fb["state"] == feedback.REJECTED:
            trail.append({"type": "rejected", **fb, "at": fb["decided_at"], "actor": fb["decided_by"]})
    trail.sort(key=lambda e: (localtime.parse(e["at"]) or localtime.now(), e["type"] == "status"))
    back = _back_target(request.args.get("back"))
    prev_id, next_id = _neighbours(db, back, finding_id)
    return render_template(
        "finding.html", f=f, trail=trail, whitelist=whitelist_rows(db, finding_id) if own is None else [],
        targets=sorted(STAFF_TRANSITIONS.get(f["status"], ()), key=list(STATUS_LABELS).index),
        back=back, prev_id=prev_id, next_id=next_id,
        choose_first=f["kind"] == "unverified_link", files=attachment_facts(db, f),
        page_size=listing.PAGES_PER_DETAIL, pages_page=listing.page_number(request.args.get("pages")),
    )


@bp.get("/finding/<int(max=9223372036854775807):finding_id>/snapshot")
def page_snapshot(finding_id: int) -> Response:
    """The page as the crawl saw it (快照), with the finding's words marked."""
    db = get_db()
    row, page = _finding_row(db, finding_id), request.args.get("page", "")
    if row["kind"] not in ("wording", "privacy"):
        abort(404, description="只有错敏词和隐私信息问题有页面快照。")
    if not listing.has_page(db, finding_id, page, own=roles.department()):
        abort(404, description="这个页面不在该问题的所在页面中。")
    snap = snapshots.load(db, page)
    if snap is None:
        abort(404, description="这个页面没有快照：它在启用快照前被检查，此后内容没有变化。")
    html, _ = snapshot.render(snap.html, snap.final_url, localtime.minute(snap.taken_at), [row["text"] or ""])
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = SNAPSHOT_CSP
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/export.<fmt>")
def export_list(fmt: str) -> Response:
    if fmt not in _MIME:
        abort(404)
    own = roles.department()
    f = listing.Filters.from_args(request.args, all_kinds=True)
    if own is not None:
        f.department = ""
    split = request.args.get("by_department") == "1" and own is None

    def link(finding_id: int) -> str:
        return url_for("review.finding", finding_id=finding_id, _external=True)

    def groups():  # the connection of the context they are read in (a stream outlives the view's)
        return listing.export_groups(get_db(), f, own=own, split=split)

    in_name = [{"site": s} for s in listing.export_sites(get_db(), f, own=own)]
    name = export.file_name(in_name, f, own or f.department, fmt)
    if fmt == "xlsx":
        # Written row by row to a temporary file (openpyxl's write-only mode), then sent from it.
        out = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it when sent)
        export.write_xlsx(groups(), out, link=link, title=export.title(in_name, f, own or f.department))
        out.seek(0)
        response = send_file(out, mimetype=_MIME[fmt])
    else:
        def body():
            yield from export.iter_csv(groups(), link=link)

        response = Response(stream_with_context(body()), mimetype=_MIME[fmt])
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{export.ascii_name(f, fmt)}\"; filename*=UTF-8''{quote(name)}"
    )
    return response


# --- whitelist, reports ----------------------------------------------------------------------


@bp.get("/whitelist")
def whitelist() -> str:
    roles.require_admin()
    show_revoked = request.args.get("revoked") == "1"
    entries = whitelist_entries(get_db(), include_revoked=show_revoked)
    return render_template("whitelist.html", entries=entries, show_revoked=show_revoked)


@bp.get("/report/<kind>/<label>")
def report(kind: str, label: str) -> Response:
    """The monthly or annual report, rendered by the renderer `duwang report` uses."""
    roles.require_admin()
    fmt = "html"
    if label.endswith(".xlsx"):
        fmt, label = "xlsx", label[: -len(".xlsx")]
    try:
        content = overview.render_report(get_db(), kind, label, fmt, back=url_for("review.home"))
    except ReportError:
        abort(404, description="没有这个统计时限的报告。")
    if fmt == "xlsx":
        name = f"{overview.report_title(kind, label)}网站巡检报告.xlsx"
        response = send_file(io.BytesIO(content), mimetype=_MIME["xlsx"])
        response.headers["Content-Disposition"] = (
            f"attachment; filename=\"report-{label}.xlsx\"; filename*=UTF-8''{quote(name)}")
        return response
    response = Response(content, mimetype="text/html")
    response.headers["Content-Security-Policy"] = REPORT_CSP
    return response


# --- login -----------------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response:
    if not current_app.config["REVIEW_LOGIN_REQUIRED"]:
        return redirect(url_for("review.home"))
    error, code = "", 200
    if request.method == "POST":
        name = request.form.get("name", "").strip()
        db, memory = get_db(), security.memory()
        limits = login_state.keys(name, security.client_address())
        wait = login_state.attempt(db, limits, memory)
        if wait:
            error, code = f"登录失败次数过多，请 {math.ceil(wait)} 秒后再试。", 429
        elif verify_user(db, name, request.form.get("password", "")):
            login_state.succeeded(db, limits, memory)
            sign_in(name)
            return redirect(safe_next(request.args.get("next")))
        else:
            error, code = "用户名或密码错误。", 401
    response = current_app.make_response((render_template("login.html", error=error), code))
    if code == 429:
        response.headers["Retry-After"] = str(math.ceil(wait))
    return response


@bp.post("/logout")
def logout() -> Response:
    sign_out()
    return redirect(url_for("review.login"))
