"""The small pieces of HTML every list row and finding page repeats: a status and its badges,
a link to a page, the word in its context.

They are Python rather than Jinja macros because a list of 100 rows calls them about a thousand
times, and a macro call costs some 25 µs (a third of a list page's time when it was new). Every
value from the database is escaped here; the result is Markup for the templates.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from crawler.labels import actor_label
from crawler.localtime import minute as when
from crawler.recheck import RESULT_LABELS
from crawler.store.lifecycle import STATUS_LABELS

UNVERIFIED = ('<span class="unverified" title="最近一次巡检未能完整读取其所在页面，状态保持不变">'
              "本次未核实</span>")


def _e(value: Any) -> str:
    """Escaped text; nothing for None."""
    return "" if value is None else str(escape(value))


def href(url: str | None) -> str:
    """Only http(s) URLs become links; anything else (javascript:, data:) goes nowhere."""
    return url if url and url.lower().startswith(("http://", "https://")) else "#"


def status_badge(status: str | None) -> Markup:
    return Markup(f'<span class="status status-{_e(status)}">{_e(STATUS_LABELS.get(status, status))}</span>')


def suspect_badge(r: dict) -> Markup:
    if r.get("severity") != "suspect" or r.get("kind") != "wording":
        return Markup()
    if r.get("confirmed_at"):
        return Markup(f' <span class="confirmed" title="{_e(when(r["confirmed_at"]))}">'
                      f'已由 {_e(r.get("confirmed_by"))} 确认为错误</span>')
    return Markup(' <span class="suspect">待确认，未计入统计</span>')


def _recheck_badge(r: dict | None) -> str:
    if not r:
        return ""
    result = r.get("result")
    return (f'<span class="recheck recheck-{_e(result)}" title="{_e(when(r.get("at")))} · '
            f'{_e(actor_label(r.get("actor")))}">复核：{_e(RESULT_LABELS.get(result, result))}</span>')


def _feedback_badge(r: dict) -> str:
    """The department's report (待复核) or why the finding came back (复核不通过 / 整改未通过)."""
    if r.get("waiting"):
        fb = r.get("feedback") or {}
        return (f'<span class="waiting" title="{_e(when(fb.get("at")))} · {_e(fb.get("actor"))}：'
                f'{_e(fb.get("note"))}">已反馈整改，待复核</span>')
    back = r.get("returned")
    if back:
        reason = f'：{_e(back.get("reason"))}' if back.get("reason") else ""
        title = f'{_e(when(back.get("at")))} · {_e(actor_label(back.get("by")))}'
        return f'<span class="returned" title="{title}">{_e(back.get("label"))}{reason}</span>'
    return ""


def state_cell(r: dict) -> Markup:
    """The status, then the report or the return, 本次未核实, the last recheck."""
    unverified = UNVERIFIED if r.get("unverified") else ""
    return Markup(f'{status_badge(r.get("status"))} {_feedback_badge(r)} {unverified} '
                  f'{_recheck_badge(r.get("recheck"))}')


def page_link(p: dict) -> Markup:
    home = ' <span class="home">首页</span>' if p.get("is_home") else ""
    return Markup(f'<a href="{_e(href(p.get("page")))}" target="_blank" rel="noopener noreferrer">'
                  f'{_e(p.get("title") or p.get("page"))}</a>{home}')


def in_context(f: dict) -> Markup:
    """The word marked in its context (…前文<mark>词</mark>后文…), each part escaped."""
    context, text = f.get("context"), f.get("text")
    parts = highlight(context, text)
    if parts:
        before, word, after = (_e(x) for x in parts)
        return Markup(f'<span class="context">…{before}<mark class="hit">{word}</mark>{after}…</span>')
    around = f' <span class="context">…{_e(context)}…</span>' if context else ""
    return Markup(f'<mark class="hit">{_e(text)}</mark>{around}')


def row_tail(r: dict, links: dict[str, str], *, admin: bool, read_only: bool) -> Markup:
    """A list row's last cells: its dates, its state and what can be done with it (`links`:
    crawler.review.views._row_links)."""
    buttons = ""
    words, fixable = r.get("kind") == "wording", r.get("kind") != "unverified_link"  # 待核实: not a fault
    if not read_only:
        if admin and fixable and r.get("status") == "open" and not r.get("waiting"):
            buttons += _button("quick-fix", links["mark_rectified"], "标记已整改")
        if admin and r.get("waiting"):
            buttons += _button("quick-accept", links["accept_feedback"], "复核通过")
        buttons += _button("quick-recheck", links["recheck_findings"], "复核")
        if admin and words and r.get("severity") == "suspect" and not r.get("confirmed_at"):
            buttons += _button("quick-confirm", links["confirm_findings"], "确认为错误")
    return Markup(
        f'<td class="dates" data-label="首次/最近发现">{_e(when(r.get("first_seen")))}<br>'
        f'{_e(when(r.get("last_seen")))}</td>\n'
        f'      <td class="state" data-label="状态">{state_cell(r)}</td>\n'
        f'      <td class="actions">\n        <a class="detail" href="{_e(links["detail"])}">详情/处理</a>\n'
        f"{buttons}      </td>")


def _button(css: str, action: str, label: str) -> str:
    return (f'        <button type="submit" class="{css}" formnovalidate formaction="{_e(action)}">'
            f"{label}</button>\n")


def highlight(context: str | None, text: str | None) -> tuple[str, str, str] | None:
    """Split the context around the word: (before, word, after), or None if it is not there."""
    if not context or not text:
        return None
    at = context.find(text)
    if at < 0:
        return None
    return context[:at], text, context[at + len(text):]
