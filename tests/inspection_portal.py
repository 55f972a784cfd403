"""A generated test portal for the inspection checks (栏目更新, 空白栏目, 首页更新, 页面标签).

Every date is counted back from TODAY, the fixed "today" the tests crawl with
(``-s DUWANG_TODAY=2024-06-30``), so no test depends on the real date. COLUMNS says what
each column is and what a correct crawl reports about it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from crawler.demo.server import Reply

TODAY = dt.date(2024, 6, 30)
SITE_ID = "1234560001"
CONAC = ('<a href="http://bszs.conac.cn/sitename?id=1">'
         '<img src="http://dcs.conac.cn/image/red.png" alt="党政机关"></a>')
FOOTER = (f'<div class="footer"><p>主办：测试区人民政府办公室　网站标识码：{SITE_ID}　'
          '测ICP备12345678号-1　测公网安备 12345602000001号</p>{conac}</div>')


def ago(days: int) -> str:
    return (TODAY - dt.timedelta(days=days)).isoformat()


@dataclass
class Col:
    path: str  # under the portal root, ending in /
    name: str
    column_type: str | None  # the ColumnType tag; None: the page has no column tags
    ages: list[int]  # the age in days of each item; [] for an empty column
    date_on: str = "list"  # where an item's date is: list | pubdate (the article's tag) | text | none
    expect: tuple[str, str] | None = None  # (kind, category) a correct crawl reports, else None
    articles: list[str] = field(default_factory=list)


COLUMNS = [
    Col("news/fresh/", "工作动态", "工作动态", [2, 5, 9], date_on="pubdate"),
    Col("news/near/", "要闻", None, [12, 20, 30], expect=("stale_column", "due")),
    Col("news/stale/", "部门动态", "工作动态", [29, 40, 60], expect=("stale_column", "stale")),
    Col("notice/fresh/", "通知公告", "通知公告", [60, 90, 200], date_on="text"),
    Col("notice/near/", "政策文件", "政策文件", [181, 190, 300], expect=("stale_column", "due")),
    # configured ([[site.column]], type notice): no tags, found through the config
    Col("notice/stale/", "公示信息", None, [273, 300, 330], expect=("stale_column", "stale")),
    Col("other/fresh/", "机构职能", "机构职能", [181, 200, 220]),
    Col("other/near/", "领导信息", "负责人信息", [363, 400, 500], expect=("stale_column", "due")),
    Col("other/stale/", "区情概况", None, [426, 500, 600], expect=("stale_column", "stale")),
    # configured with window_days = 30: a news name (14 days) that is fresh at 20 days
    Col("custom/", "专题动态", None, [20, 25, 40]),
    Col("empty/", "公众参与", "征集调查", [], expect=("empty_column", "empty_column")),
    Col("nodate/", "图片新闻", "工作动态", [1, 2], date_on="none", expect=("stale_column", "no_date")),
]
BAD_SITE_ID_PAGE = "other/fresh/"  # its SiteIDCode is not of the 网站标识码's form
HOME_ITEMS = [("news/stale/a0.html", 29), ("notice/fresh/a0.html", 60)]  # the newest is 29 days old


def _page(title: str, body: str, metas: dict[str, str], conac: bool = False) -> str:
    head = "".join(f'<meta name="{k}" content="{v}">' for k, v in metas.items())
    nav = "".join(f'<li><a href="/{c.path}">{c.name}</a></li>' for c in COLUMNS)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title} - 测试区人民政府</title>'
            f'{head}</head><body><div class="nav"><ul><li><a href="/">首页</a></li>{nav}</ul></div>'
            f'<div class="main">{body}</div>{FOOTER.format(conac=CONAC if conac else "")}</body></html>')


def _site_tags(site_id: str = SITE_ID) -> dict[str, str]:
    return {"SiteName": "测试区人民政府", "SiteDomain": "127.0.0.1", "SiteIDCode": site_id}


def build_routes(new: dict[str, list[tuple[int, str]]] | None = None) -> dict[str, Reply]:
    """The portal's routes; `new`: {column path: [(age, date_on)]}, items added at the top
    of a column's list (articles n0.html, n1.html ...), for a later night."""
    routes: dict[str, Reply] = {}
    for col in COLUMNS:
        items = []
        added = [(f"n{i}", age, on) for i, (age, on) in enumerate((new or {}).get(col.path, []))]
        for i, age, date_on in [*added, *((f"a{i}", age, col.date_on) for i, age in enumerate(col.ages))]:
            url = f"/{col.path}{i}.html"
            title = f"{col.name}{i}号信息"
            metas = {"SiteName": "测试区人民政府", "SiteIDCode": SITE_ID, "ArticleTitle": title}
            body = f"<h1>{title}</h1>"
            if date_on == "pubdate":
                metas["PubDate"] = f"{ago(age)} 09:30"
            if date_on == "text":
                body += f"<p class=\"info\">发布时间：{ago(age).replace('-', '/')}　来源：区政府办公室</p>"
            body += "<p>正文内容。</p>"
            routes[url] = Reply(body=_page(title, body, metas))
            printed = f"<span>{ago(age)}</span>" if date_on == "list" else ""
            items.append(f'<li><a href="{i}.html">{title}</a>{printed}</li>')
        metas = _site_tags("12345" if col.path == BAD_SITE_ID_PAGE else SITE_ID)
        if col.column_type:
            metas.update(ColumnName=col.name, ColumnType=col.column_type)
        listing = "".join(items) or "<li>暂无信息</li>"
        body = f'<h1>{col.name}</h1><ul class="list">{listing}</ul>'
        routes[f"/{col.path}"] = Reply(body=_page(col.name, body, metas))
    home_items = "".join(
        f'<li><a href="/{url}">首页信息{n}</a><span>{ago(age)[5:]}</span></li>'  # MM-DD: no year
        for n, (url, age) in enumerate(HOME_ITEMS))
    routes["/"] = Reply(body=_page("首页", f'<ul class="list">{home_items}</ul>', _site_tags(), conac=True))
    return routes


def config(base: str, db: str) -> str:
    """The TOML config of the portal at `base` (ending in /)."""
    return f"""db = "{db}"
[[site]]
name = "测试区"
start_urls = ["{base}"]
concurrency = 8
exclude = ["conac[.]cn"]

[site.columns]
"{base}other/stale/" = "区情概况"

[[site.column]]
prefix = "{base}notice/stale/"
type = "notice"

[[site.column]]
prefix = "{base}custom/"
window_days = 30
"""
