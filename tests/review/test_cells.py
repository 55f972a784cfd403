"""The pieces every list row and finding page repeats (crawler.review.cells) escape what they
show: crawled titles, link texts, notes and reasons are hostile."""

from __future__ import annotations

from crawler.review import cells

EVIL = '"><script>alert(1)</script>'


def test_a_hostile_page_title_and_url_are_text():
    html = cells.page_link({"page": "javascript:alert(1)", "title": EVIL, "is_home": 1})
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="#"' in html and '<span class="home">首页</span>' in html
    plain = cells.page_link({"page": 'http://x.gov.cn/a"b.html', "title": None})
    assert 'href="http://x.gov.cn/a&#34;b.html"' in plain and ">http://x.gov.cn/a&#34;b.html</a>" in plain


def test_the_word_is_marked_in_its_escaped_context():
    html = cells.in_context({"text": "<b>", "context": "前<b>后"})
    assert html == '<span class="context">…前<mark class="hit">&lt;b&gt;</mark>后…</span>'
    alone = cells.in_context({"text": EVIL, "context": None})
    assert alone.startswith('<mark class="hit">&#34;&gt;&lt;script&gt;') and "context" not in alone


def test_a_hostile_note_and_reason_stay_in_their_attribute():
    waiting = cells.state_cell({
        "status": "open", "waiting": True, "unverified": True,
        "feedback": {"at": "2026-11-30T01:00:00+00:00", "actor": "教育局", "note": EVIL},
        "recheck": {"result": "fixed", "at": "2026-11-30T02:00:00+00:00", "actor": EVIL},
    })
    assert "<script>" not in waiting and waiting.count('"') % 2 == 0
    assert "已反馈整改，待复核" in waiting and "本次未核实" in waiting and "复核：" in waiting
    returned = cells.state_cell({"status": "open", "returned": {"label": "复核不通过", "reason": EVIL,
                                                                "at": None, "by": "网站办"}})
    assert "复核不通过：&#34;&gt;&lt;script&gt;" in returned and "<script>" not in returned


def test_a_row_offers_what_its_account_may_do():
    links = {"detail": "/finding/7?back=/list", "mark_rectified": "/mark?one=7&to=rectified",
             "accept_feedback": "/accept?one=7", "recheck_findings": "/recheck?one=7",
             "confirm_findings": "/confirm?one=7"}
    suspect = {"id": 7, "kind": "wording", "status": "open", "severity": "suspect"}
    admin = cells.row_tail(suspect, links, admin=True, read_only=False)
    assert all(c in admin for c in ("quick-fix", "quick-recheck", "quick-confirm"))
    assert 'formaction="/mark?one=7&amp;to=rectified"' in admin
    department = cells.row_tail(suspect, links, admin=False, read_only=False)
    assert "quick-recheck" in department
    assert "quick-fix" not in department and "quick-confirm" not in department
    assert "<button" not in cells.row_tail(suspect, links, admin=True, read_only=True)
    waiting = cells.row_tail({**suspect, "severity": "general", "waiting": True}, links,
                             admin=True, read_only=False)
    assert "quick-accept" in waiting and "quick-fix" not in waiting
