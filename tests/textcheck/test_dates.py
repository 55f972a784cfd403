"""Page dates: an outdated name on a page published before the change is history, not an error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from crawler.addresses import AddressPolicy
from crawler.demo.server import Reply
from crawler.recheck import GONE, STILL_THERE, recheck_finding
from crawler.textcheck import TextChecker, load_wordlists
from crawler.textcheck.dates import meta_date, parse_date, text_date
from crawler.textcheck.extract import read_page
from crawler.textcheck.pool import CheckPool

D = dt.date


@pytest.mark.parametrize(
    ("value", "date"),
    [
        ("2016-05-04", D(2016, 5, 4)),
        ("2016-05-04 10:00", D(2016, 5, 4)),
        ("2016-05-04 10:00:00", D(2016, 5, 4)),
        ("2016-05-04T10:00:00+08:00", D(2016, 5, 4)),
        ("2016/05/04", D(2016, 5, 4)),
        ("2016/5/4 9:30", D(2016, 5, 4)),
        ("2016.05.04", D(2016, 5, 4)),
        ("2016年5月4日", D(2016, 5, 4)),
        ("2016年05月04日 10时", D(2016, 5, 4)),
        ("2016 年 5 月 4 日", D(2016, 5, 4)),
        ("２０１６－０５－０４", D(2016, 5, 4)),
        ("  2016-05-04  ", D(2016, 5, 4)),
        ("20160504", D(2016, 5, 4)),
        ("2016-02-30", None),  # no such day
        ("2016-13-01", None),
        ("2016-05/04", None),  # mixed separators
        ("2016年5-4", None),
        ("05/04/2016", None),
        ("1900-01-01", None),  # before any list entry can matter: a placeholder
        ("", None),
        ("未知", None),
    ],
)
def test_parse_date(value: str, date: D | None) -> None:
    assert parse_date(value) == date


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("关于做好安全生产工作的通知\n发布时间：2016-05-04 来源：区政府办", D(2016, 5, 4)),
        ("发布日期：2016/05/04", D(2016, 5, 4)),
        ("发布时间: 2016年5月4日", D(2016, 5, 4)),
        ("发布时间 2016-05-04", D(2016, 5, 4)),
        ("[发布时间] 2016-05-04", D(2016, 5, 4)),
        ("【发布日期】2016-05-04", D(2016, 5, 4)),
        ("发 布 时 间 ： 2016-05-04", D(2016, 5, 4)),
        ("日期：2016-05-04", D(2016, 5, 4)),
        ("成文日期：2016-05-04", D(2016, 5, 4)),
        ("印发日期：2016-05-04", D(2016, 5, 4)),
        ("發佈時間：2016-05-04", D(2016, 5, 4)),
        ("發布日期：２０１６年５月４日", D(2016, 5, 4)),
        ("发布时间：2016-02-30 发布日期：2016-05-04", D(2016, 5, 4)),  # the first that is a date
        ("发布时间：2016-05-04\n日期：2020-01-01", D(2016, 5, 4)),  # the first one
        ("出生日期：1980-01-01", None),  # not the page's date
        ("截止日期：2016-05-04", None),
        ("会议时间：2016-05-04", None),  # 时间 alone says nothing about publication
        ("日期2016-05-04", None),
        ("2016-05-04", None),  # a date with no label
        ("发布时间：不详", None),
        ("导航" * 2000 + "发布时间：2016-05-04", None),  # far down the page: not the article's
    ],
)
def test_text_date(text: str, date: D | None) -> None:
    assert text_date(text) == date


@pytest.mark.parametrize(
    ("metas", "date"),
    [
        ([("PubDate", "2016-05-04 10:00")], D(2016, 5, 4)),
        ([("pubdate", "2016/05/04")], D(2016, 5, 4)),
        ([("PUBDATE", "2016年5月4日")], D(2016, 5, 4)),
        ([("description", "2015-01-01"), ("PubDate", "2016-05-04")], D(2016, 5, 4)),
        ([("PubDate", ""), ("PubDate", "2016-05-04")], D(2016, 5, 4)),
        ([("ColumnName", "2016-05-04")], None),
        ([], None),
    ],
)
def test_meta_date(metas: list[tuple[str, str]], date: D | None) -> None:
    assert meta_date(metas) == date


def page(body: str, head: str = "") -> str:
    return f"<html><head><title>通知</title>{head}</head><body>{body}</body></html>"


PUBDATE = '<meta name="PubDate" content="2016-05-04 10:00">'


@pytest.mark.parametrize(
    ("html", "date"),
    [
        (page("<p>正文</p>", PUBDATE), D(2016, 5, 4)),
        # the meta wins over the line shown with the article
        (page("<p>发布时间：2020-01-01</p>", PUBDATE), D(2016, 5, 4)),
        (page('<div class="info">发布时间：2016-05-04　来源：区政府办</div><p>正文</p>'), D(2016, 5, 4)),
        (page('<p>正文</p>', '<meta name="PubDate" content="不详">'), None),
        (page("<p>正文</p>"), None),
        # a date line the reader cannot see is no date
        (page('<p style="display:none">发布时间：2016-05-04</p><p>正文</p>'), None),
    ],
)
def test_a_page_gives_its_date(html: str, date: D | None) -> None:
    assert read_page(html).published == date


# A name that went out of use on 2019-03-01, in a list of the site's own.
LOCAL = "示范县旅游局\t示范县文化和旅游局\tsince=2019-03-01\n"
OLD_NAME = "示范县旅游局"


@pytest.fixture(scope="module")
def dated_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("dated-lists")
    (d / "outdated.txt").write_text(LOCAL + "示范县规划局\t示范县自然资源局\n", encoding="utf-8")
    (d / "leaders.txt").write_text("李四县长\t李四\tsince=2020-06-01\n", encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def dated(dated_dir: Path) -> TextChecker:
    return TextChecker(load_wordlists([dated_dir]))


def rules(hits) -> list[str]:
    return [h.rule for h in hits]


@pytest.mark.parametrize(
    ("date", "flagged"),
    [
        (None, True),  # no date known: the name is an error
        (D(2016, 5, 4), False),
        (D(2019, 2, 28), False),
        (D(2019, 3, 1), True),  # the day it changed
        (D(2024, 1, 1), True),
    ],
)
def test_check_text_with_a_date(dated: TextChecker, date: D | None, flagged: bool) -> None:
    hits = dated.check_text(f"{OLD_NAME}召开会议。", date=date)
    assert rules(hits) == ([f"outdated:{OLD_NAME}"] if flagged else [])


def test_an_entry_without_a_date_is_flagged_whatever_the_date(dated: TextChecker) -> None:
    assert rules(dated.check_text("示范县规划局召开会议。", date=D(2000, 1, 1))) == ["outdated:示范县规划局"]


def test_a_dated_custom_term_is_history_on_an_older_page_too(dated: TextChecker) -> None:
    assert dated.check_text("李四县长出席会议。", date=D(2019, 1, 1)) == []
    assert rules(dated.check_text("李四县长出席会议。", date=D(2021, 1, 1))) == ["leaders:李四县长"]


@pytest.mark.parametrize(
    ("html", "flagged"),
    [
        (page(f"<p>{OLD_NAME}召开会议。</p>", PUBDATE), False),
        (page(f"<p>发布日期：2016年5月4日</p><p>{OLD_NAME}召开会议。</p>"), False),
        (page(f"<p>{OLD_NAME}召开会议。</p>", '<meta name="PubDate" content="2020-01-01">'), True),
        (page(f"<p>{OLD_NAME}召开会议。</p>"), True),
        # the title and alt text of an old page are as old as its body
        (page(f'<img src="a.png" alt="{OLD_NAME}"><p>发布时间：2016-05-04</p>', f"<title>{OLD_NAME}</title>"),
         False),
    ],
)
def test_check_html_reads_the_page_date(dated: TextChecker, html: str, flagged: bool) -> None:
    assert bool(dated.check_html(html)) is flagged


def test_a_date_given_overrides_the_page_date(dated: TextChecker) -> None:
    html = page(f"<p>{OLD_NAME}召开会议。</p>", PUBDATE)
    assert rules(dated.check_html(html, date=D(2024, 1, 1))) == [f"outdated:{OLD_NAME}"]


def test_a_traditional_page_is_dated_too(dated: TextChecker) -> None:
    html = page("<p>發佈時間：2016-05-04</p><p>示範縣旅遊局召開會議。</p>")
    assert dated.check_html(html) == []
    assert [h.text for h in dated.check_html(html.replace("2016", "2020"))] == ["示範縣旅遊局"]


@pytest.mark.parametrize("workers", [0, 1])
def test_the_crawl_worker_dates_each_page_from_its_own_html(dated_dir: Path, workers: int) -> None:
    got = {}
    pool = CheckPool([str(dated_dir)], lambda url, hits, snap: got.update({url: hits}), workers=workers)
    pool.submit("old", page(f"<p>{OLD_NAME}召开会议。</p>", PUBDATE).encode("gbk"), "gbk")
    pool.submit("new", page(f"<p>{OLD_NAME}召开会议。</p>").encode("utf-8"), "utf-8")
    pool.close()
    assert got["old"] == []
    assert rules(got["new"]) == [f"outdated:{OLD_NAME}"]


def test_recheck_reads_the_page_date(serve, dated: TextChecker) -> None:
    portal = serve({
        "/old.html": Reply(body=page(f"<p>{OLD_NAME}召开会议。</p>", PUBDATE)),
        "/new.html": Reply(body=page(f"<p>{OLD_NAME}召开会议。</p>")),
    })
    [hit] = dated.check_html(page(f"<p>{OLD_NAME}召开会议。</p>"))
    finding = {"kind": "wording", "category": "outdated", "text": OLD_NAME, "site": "",
               "key": f"text:|{hit.key}"}
    for path, expected in (("/old.html", GONE), ("/new.html", STILL_THERE)):
        result, _pages = recheck_finding({**finding, "pages": [portal.url.rstrip("/") + path]},
                                         lambda: dated, internal_hosts=set(), timeout=5,
                                         policy=AddressPolicy(["127.0.0.1"]))
        assert result == expected
