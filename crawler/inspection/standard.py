"""Page tags and footer (page_standard), as 《政府网站发展指引》 (国办发〔2017〕47号) asks.

Read on the home page, every column page and a sample of each column's articles (its
SAMPLE_PER_COLUMN most recent items that were crawled):

- every page: ``SiteName``, ``SiteDomain``, ``SiteIDCode``, and a 网站标识码 of the right
  form (``bm`` and 8 digits, or 10 digits);
- column pages: ``ColumnName``, ``ColumnDescription``, ``ColumnKeywords``, ``ColumnType``;
- articles: ``ArticleTitle``, ``PubDate``, ``ContentSource``;
- the footer of the home page and of the articles: the 网站标识码, the ICP 备案号, the
  公安机关备案号 and the 党政机关网站标识.

One finding per missing item per site (category = the item), on the pages that lack it.
"""

from __future__ import annotations

import re

from crawler.inspection.columns import find_columns
from crawler.inspection.found import (
    ARTICLE_TAGS,
    BAD_SITE_ID,
    COLUMN_TAGS,
    FOOTER_CONAC,
    FOOTER_ICP,
    FOOTER_POLICE,
    FOOTER_SITE_ID,
    PAGE_STANDARD,
    SITE_TAGS,
    Found,
)
from crawler.inspection.labels import STANDARD_LABELS as LABELS
from crawler.inspection.policy import Policy
from crawler.inspection.site import SitePage, SiteView

SAMPLE_PER_COLUMN = 5
FOOTER_ITEMS = (FOOTER_SITE_ID, FOOTER_ICP, FOOTER_POLICE, FOOTER_CONAC)
SITE_ID_FORM = re.compile(r"^(?:bm[0-9]{8}|[0-9]{10})$")


def sample(view: SiteView, policy: Policy) -> tuple[list[SitePage], list[SitePage], list[SitePage]]:
    """(home pages, column pages, sampled article pages) read this run."""
    homes = [p for p in view.pages.values() if p.is_home and p.has_facts]
    column_pages: dict[str, SitePage] = {}
    articles: dict[str, SitePage] = {}
    columns = find_columns(view, policy)
    listing = {p.url for col in columns for p in col.pages}
    for col in columns:
        entry = col.entry()
        column_pages[entry.url] = entry
        dated = sorted(
            ((view.item_date(url, d), url) for p in col.pages for url, d, _, _ in p.items),
            key=lambda x: (str(x[0] or ""), x[1]),
            reverse=True,
        )
        taken = 0
        for _, url in dated:
            page = view.pages.get(url)
            # An item that is a column's page itself (政策文件 listed under 政府信息公开) is no article.
            if page is None or not page.has_facts or url in articles or page.is_home or url in listing:
                continue
            if page.items and page.pub_date is None and "ArticleTitle" not in page.tags:
                continue  # a list of its own (政策解读 linked from 政策文件), not an article
            articles[url] = page
            taken += 1
            if taken >= SAMPLE_PER_COLUMN:
                break
    return homes, list(column_pages.values()), list(articles.values())


def follows_guideline(homes: list[SitePage]) -> bool:
    """The site shows it is a government site under the 指引: its home page carries a page tag
    or prints a 网站标识码. A test site or a private one is not judged by its rules."""
    return any(p.tags or FOOTER_SITE_ID in p.footer for p in homes)


def standard_findings(view: SiteView, policy: Policy, key_of) -> list[Found]:
    homes, columns, articles = sample(view, policy)
    if policy.page_standard is None and not follows_guideline(homes) or policy.page_standard is False:
        return []
    missing: dict[str, list[str]] = {}
    checked: dict[str, int] = {}

    def need(category: str, pages: list[SitePage], has) -> None:
        checked[category] = checked.get(category, 0) + len(pages)
        for page in pages:
            if not has(page):
                missing.setdefault(category, []).append(page.url)

    everyone = [*homes, *columns, *articles]
    for tag in SITE_TAGS:
        need(f"meta_{tag}", everyone, lambda p, t=tag: bool(p.tags.get(t)))
    need(BAD_SITE_ID, [p for p in everyone if p.tags.get("SiteIDCode")],
         lambda p: bool(SITE_ID_FORM.match(p.tags["SiteIDCode"].strip())))
    for tag in COLUMN_TAGS:
        need(f"meta_{tag}", columns, lambda p, t=tag: bool(p.tags.get(t)))
    for tag in ARTICLE_TAGS:
        need(f"meta_{tag}", articles, lambda p, t=tag: bool(p.tags.get(t)))
    for item in FOOTER_ITEMS:
        need(f"footer_{item}", [*homes, *articles], lambda p, i=item: i in p.footer)
    out = []
    for category, pages in missing.items():
        label = LABELS[category]
        total = checked[category]
        detail = {"pages_affected": len(pages), "pages_checked": total}
        if category == BAD_SITE_ID:
            detail["values"] = sorted({view.pages[u].tags["SiteIDCode"][:40] for u in pages})
        out.append(Found(
            key_of(PAGE_STANDARD, category), PAGE_STANDARD, category, label,
            f"{label}：抽查 {total} 个页面，{len(pages)} 个不符合《政府网站发展指引》",
            "general", sorted(pages), "按《政府网站发展指引》补齐页面标签和页脚信息", detail))
    return out
