"""The demo portal 示范区人民政府: dynamic routes and the inventory of planted problems.

Static pages live in ``site/`` (served by :class:`~crawler.demo.server.PortalServer`
from ``root=SITE_DIR``); the few behaviours a static file cannot show (redirects,
flaky answers, HEAD refusal, WAF blocks, server errors, soft 404s) are routes here.

``DEMO_PLANTED`` lists what is planted, with URL paths relative to the portal root
(``"/"`` is the home page; column pages are directory URLs such as ``"/xwzx/"``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crawler.demo.server import PortalServer, Reply, Route, redirect

__all__ = [
    "DEMO_COLUMNS", "DEMO_DEPARTMENTS", "DEMO_PLANTED", "SITE_DIR", "SITE_NAME",
    "demo_routes", "demo_server", "render_page",
]

SITE_DIR = Path(__file__).resolve().parent / "site"
SITE_NAME = "示范区人民政府"
# The day the demo portal is read as of (DUWANG_TODAY): its news is from March 2024, so the
# inspection checks (栏目更新, 首页更新) give the same answer whenever the demo runs.
DEMO_TODAY = "2024-03-29"

FOOTER_TYPO = "再接再励"

STYLE = """body{margin:0;font:15px/1.7 "Microsoft YaHei","PingFang SC",sans-serif;color:#333;\
background:#f4f5f7}
.wrap{width:1000px;max-width:96%;margin:0 auto}
.top{background:#b40000;color:#fff;padding:14px 0}.top img{vertical-align:middle}
.top .site{font-size:26px;font-weight:bold;margin-left:12px;letter-spacing:2px}
.nav{background:#8c0000}.nav a{display:inline-block;color:#fff;padding:8px 18px;\
text-decoration:none}
.nav a:hover{background:#b40000}
main{background:#fff;padding:20px 28px;margin-top:14px;min-height:360px}
h1{font-size:22px;text-align:center;color:#222}.meta{text-align:center;color:#888;font-size:13px}
.cols{display:flex;flex-wrap:wrap;gap:18px}.col{flex:1 1 45%;border-top:3px solid #b40000}
.col h2{font-size:17px;margin:6px 0}.col ul,.list{list-style:none;padding:0}
.col li,.list li{border-bottom:1px dashed #ddd;padding:3px 0}.date{float:right;color:#999}
a{color:#1a4f8b}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;\
padding:4px 8px}
footer{background:#333;color:#ccc;text-align:center;font-size:13px;padding:14px 0;margin-top:14px}
footer a{color:#ccc}.slogan{color:#fff;font-size:15px;letter-spacing:2px}"""

NAV = [
    ("", "首页"),
    ("qqgk/", "区情概况"),
    ("xwzx/", "政务要闻"),
    ("tzgg/", "通知公告"),
    ("zcwj/", "政策文件"),
    ("xxgk/", "政府信息公开"),
    ("hdjl/", "互动交流"),
]


def render_page(
    title: str,
    body: str,
    root: str = "",
    charset: str = "utf-8",
    base: str | None = None,
    head_extra: str = "",
) -> str:
    """A full portal page with the shared header, nav and footer.

    ``root`` is the relative prefix from the page (or its ``<base>``) back to the
    site root, e.g. ``"../"``. Every page carries the planted footer typo.
    """
    nav = "".join(f'<a href="{(root + href) or "./"}">{name}</a>' for href, name in NAV)
    base_tag = f'<base href="{base}">\n' if base else ""
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="{charset}">
{base_tag}<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - {SITE_NAME}</title>
<style>
{STYLE}
</style>
{head_extra}</head>
<body>
<header class="top"><div class="wrap"><img src="{root}images/logo.png" alt="{SITE_NAME}" \
width="48" height="48"><span class="site">{SITE_NAME}</span></div></header>
<nav class="nav"><div class="wrap">{nav}</div></nav>
<main class="wrap">
{body}
</main>
<footer><div class="wrap">
<p class="slogan">凝心聚力　{FOOTER_TYPO}　奋力谱写示范区高质量发展新篇章</p>
<p>主办：示范区人民政府办公室　承办：示范区大数据中心　\
<a href="{root}qqgk/#lxwm">联系我们</a>　<a href="{root}xxgk/">政府信息公开</a></p>
<p>网站标识码：3609990001　示ICP备00000001号</p>
</div></footer>
</body>
</html>
"""


def _article(title: str, date: str, source: str, paragraphs: list[str], root: str) -> str:
    body = f'<h1>{title}</h1>\n<p class="meta">发布时间：{date}　来源：{source}</p>\n'
    body += "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return render_page(title, body, root=root)


_BMDT = [  # 部门动态: a news column last updated 28 days before DEMO_TODAY (over its 14 days)
    ("2024-03-01-nongji.html", "区农业农村局开展春季农机安全检查", "2024-03-01", "区农业农村局"),
    ("2024-02-23-jiuye.html", "区人社局举办春风行动专场招聘会", "2024-02-23", "区人社局"),
    ("2024-02-10-anquan.html", "区应急管理局部署节日期间安全生产工作", "2024-02-10", "区应急管理局"),
]
# The one page with every page tag 《政府网站发展指引》 asks of an article.
_TAGGED = (
    '<meta name="SiteName" content="示范区人民政府">\n<meta name="SiteDomain" content="127.0.0.1">\n'
    '<meta name="SiteIDCode" content="3609990001">\n<meta name="ArticleTitle" content="{title}">\n'
    '<meta name="PubDate" content="{date} 10:00">\n<meta name="ContentSource" content="{source}">\n'
)


# More columns, as of DEMO_TODAY: (path, name, ColumnType tag or None, [(article, title, date or None)]).
_MORE_COLUMNS = [
    # news, newest 12 days old: 2 days before its 14-day line (临近更新期限)
    ("gzdt/", "工作动态", "工作动态", [
        ("2024-03-17-fangxun.html", "区水务局部署汛前检查工作", "2024-03-17"),
        # BACKDATED: on the list only from the demo's second night, yet dated 19 days before it
        ("2024-03-10-ranqi.html", "区住建局开展燃气安全隐患排查", "2024-03-10"),
        ("2024-03-06-peixun.html", "区财政局举办预算绩效管理培训", "2024-03-06"),
        ("2024-02-21-jiancha.html", "区市场监管局开展食品安全检查", "2024-02-21")]),
    # a list whose items carry no date anywhere: counted as not updated (无发布日期)
    ("tpxw/", "图片新闻", "工作动态", [("chunjing.html", "示范区春景", None),
                                   ("huodong.html", "社区文化活动掠影", None)]),
    # another column (1 year), last updated 400 days ago: 应更新栏目长期未更新
    ("ldxx/", "领导信息", "负责人信息", [("renmian.html", "关于区政府领导分工的通知", "2023-02-23")]),
]
BACKDATED = "/gzdt/2024-03-10-ranqi.html"  # published late, with an earlier date (伪造发稿日期)
SLOW_PAGE = "/slow/"  # answers after SLOW_SECONDS: a slow page for `duwang watch`, linked from nowhere
SLOW_SECONDS = 3.0


def night_before() -> tuple[dict[str, Route], dict[str, Route]]:
    """(the routes of the night before the demo's night, the routes that put the portal back):
    the night before, 工作动态 does not list BACKDATED yet."""
    before = _more_columns(backdated=False)
    path = BACKDATED.rsplit("/", 1)[0] + "/"
    return {path: before[path]}, {path: _more_columns()[path]}


def _more_columns(backdated: bool = True) -> dict[str, Route]:
    routes: dict[str, Route] = {}
    for path, name, column_type, articles in _MORE_COLUMNS:
        items = []
        for file, title, date in articles:
            if not backdated and f"/{path}{file}" == BACKDATED:
                continue
            said = f'<p class="meta">发布时间：{date}　来源：区政府办公室</p>\n' if date else ""
            body = f"<h1>{title}</h1>\n{said}<p>{title}。</p>"
            routes[f"/{path}{file}"] = Reply(200, render_page(title, body, root="../"))
            printed = f'<span class="date">{date}</span>' if date else ""
            items.append(f'<li><a href="{file}">{title}</a>{printed}</li>')
        tags = (f'<meta name="ColumnName" content="{name}">\n'
                f'<meta name="ColumnType" content="{column_type}">\n')
        routes[f"/{path}"] = Reply(200, render_page(
            name, f'<h1>{name}</h1>\n<ul class="list">' + "".join(items) + "</ul>", root="../",
            head_extra=tags))
    routes[SLOW_PAGE] = Reply(200, render_page("网上办事大厅", "<h1>网上办事大厅</h1>", root="../"),
                              delay=SLOW_SECONDS)
    return routes


def _inspection_routes() -> dict[str, Route]:
    """A stale news column found through the navigation, an empty column (空白栏目), and the
    columns of _MORE_COLUMNS."""
    routes: dict[str, Route] = _more_columns()
    items = []
    for i, (name, title, date, source) in enumerate(_BMDT):
        head = _TAGGED.format(title=title, date=date, source=source) if i == 0 else ""
        body = f'<h1>{title}</h1>\n<p class="meta">发布时间：{date}　来源：{source}</p>\n<p>{title}。</p>'
        routes[f"/bmdt/{name}"] = Reply(200, render_page(title, body, root="../", head_extra=head))
        items.append(f'<li><a href="{name}">{title}</a><span class="date">{date}</span></li>')
    routes["/bmdt/"] = Reply(200, render_page(
        "部门动态", '<h1>部门动态</h1>\n<ul class="list">' + "".join(items) + "</ul>", root="../"))
    routes["/zxft/"] = Reply(200, render_page(
        "在线访谈", '<h1>在线访谈</h1>\n<ul class="list"><li>暂无信息</li></ul>', root="../",
        head_extra='<meta name="ColumnName" content="在线访谈">\n'
                   '<meta name="ColumnType" content="在线访谈">\n'))
    return routes


def demo_routes() -> dict[str, Route]:
    """Fresh route table (list routes keep per-server state, so build one per server)."""
    tjsj = _article(
        "2024年1-2月全区主要经济指标",
        "2024-03-18",
        "区统计局",
        [
            "1-2月，全区规模以上工业增加值同比增长6.8%，固定资产投资同比增长5.2%。",
            "社会消费品零售总额同比增长7.1%，经济运行总体平稳、稳中有进。",
        ],
        root="../",
    )
    bsfw = render_page(
        "办事服务",
        '<h1>办事服务</h1>\n<ul class="list">'
        "<li>个人办事：户籍办理、社保医保、婚姻登记</li>"
        "<li>法人办事：设立变更、税费缴纳、资质认定</li>"
        '<li><a href="../xxgk/">政府信息公开申请</a></li></ul>',
        root="../",
    )
    zcjd = render_page(
        "政策解读",
        '<h1>政策解读</h1>\n<ul class="list">'
        '<li><a href="../zcwj/2024/qzf-1.html">图解：《关于优化营商环境的若干措施》</a>'
        '<span class="date">2024-03-11</span></li></ul>',
        root="../",
    )
    soft404 = (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        "<title>页面不存在</title></head>\n<body><h1>抱歉，您访问的页面不存在</h1>"
        '<p>该信息可能已过期或被删除。<a href="/">返回首页</a></p></body></html>\n'
    )
    waf = (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        "<title>访问被拦截</title></head>\n<body><h1>访问被拦截</h1>"
        "<p>您的访问请求疑似存在安全风险，已被网站防火墙拦截。事件编号：WAF-20240318-0001</p>"
        "</body></html>\n"
    )
    error500 = (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        "<title>500 Internal Server Error</title></head>\n<body><h1>服务器内部错误</h1>"
        "<p>java.lang.NullPointerException</p></body></html>\n"
    )
    return {
        # ---- dead --------------------------------------------------------------
        "/xxgk/2019nb.html": Reply(200, soft404),  # soft 404
        "/hdjl/zxft.jsp": Reply(500, error500),
        "/xwzx/zt/2023lh.html": redirect("/zt/2023lh/", 301),  # chain ending in a 404
        "/zt/2023lh/": redirect("/zt/2023lh/index.html", 302),
        "/yhzx/login.html": redirect("/yhzx/sso.html?from=login", 302),  # loop
        "/yhzx/sso.html": redirect("/yhzx/login.html", 302),
        # ---- not dead ----------------------------------------------------------
        "/zfxxgk/": redirect("/xxgk/", 301),  # redirect to a live page
        "/sjfb/tjsj.html": [Reply(503, "<h1>Service Unavailable</h1>"), Reply(200, tjsj)],
        "/bsfw/": [
            Reply(429, "<h1>请求过于频繁</h1>", headers={"Retry-After": "1"}),
            Reply(200, bsfw),
        ],
        "/zcjd/": Reply(200, zcjd, head_status=405),
        # ---- unverified (blocked, not broken) --------------------------------------
        "/hdjl/wsxf.html": Reply(403, waf, headers={"Server": "WAF"}),
        **_inspection_routes(),
    }


def demo_server(host: str = "127.0.0.1", port: int = 0, root: Path = SITE_DIR) -> PortalServer:
    """The demo portal, not yet started (``root``: its files, by default the bundled ones).
    Its home page, attachments and friend site are crawler/demo/attached.py's."""
    from crawler.demo import attached

    return PortalServer(root=root, routes={**demo_routes(), **attached.routes(root)}, host=host, port=port)


# 栏目 and 责任单位 of the demo portal, by path (the longest prefix wins): the review UI's
# department sheets and the reports' per-department counts have something to show.
DEMO_COLUMNS = {
    "qqgk/": "区情概况", "xwzx/": "政务要闻", "tzgg/": "通知公告", "zcwj/": "政策文件",
    "xxgk/": "政府信息公开", "hdjl/": "互动交流",
}
DEMO_DEPARTMENTS = {
    "": "区政务服务和数据管理局",  # the web office: home page and anything not listed
    "qqgk/": "区地方志办公室", "xwzx/": "区融媒体中心", "tzgg/": "区政府办公室",
    "zcwj/": "区司法局", "xxgk/": "区政府办公室", "hdjl/": "区信访局",
}


# Pages (URL paths) of the portal that are real HTML pages with the shared footer.
_STATIC_PAGES = [
    "/",
    "/qqgk/",
    "/xwzx/",
    "/xwzx/2024-03-15-chungeng.html",
    "/xwzx/2024-03-08-zhaoshang.html",
    "/xwzx/2024-02-26-ziranziyuan.gbk.html",
    "/xwzx/2024-03-20-fanti.html",
    "/tzgg/",
    "/tzgg/2024-03-12-tingdian.html",
    "/tzgg/2024-03-05-gongshi.html",
    "/tzgg/2024-02-28-huanping.gbk.html",
    "/zcwj/",
    "/zcwj/2024/qzf-1.html",
    "/zcwj/2024/qzf-2.html",
    "/zcwj/2016/jtys-qianyue.html",
    "/xxgk/",
    "/xxgk/公开指南/年度报告.html",
    "/hdjl/",
]
_ROUTE_PAGES = ["/sjfb/tjsj.html", "/bsfw/", "/zcjd/", "/bmdt/", *(f"/bmdt/{b[0]}" for b in _BMDT),
                "/zxft/", *(f"/{c[0]}{a}" for c in _MORE_COLUMNS for a in ["", *(x[0] for x in c[3])])]

DEMO_PLANTED: dict[str, Any] = {
    "site_name": SITE_NAME,
    "pages": _STATIC_PAGES + _ROUTE_PAGES,
    "gbk_pages": ["/xwzx/2024-02-26-ziranziyuan.gbk.html", "/tzgg/2024-02-28-huanping.gbk.html"],
    "base_href_page": "/zcwj/2024/qzf-1.html",  # <base href="/zcwj/">
    # The same page linked raw from /xxgk/ and percent-encoded from / and /xxgk/.
    "chinese_path": "/xxgk/公开指南/年度报告.html",
    # Dead links: category -> list of {url, found_on}. External urls are absolute.
    "dead_links": {
        "http_404": [
            {"url": "/xwzx/2023-12-01-dongzhi.html", "found_on": ["/"]},
            {
                "url": "/tzgg/2023-11-20-tingshui.html",
                "found_on": ["/xwzx/2024-03-15-chungeng.html"],
            },
        ],
        "missing_image": [
            {"url": "/images/2024/chungeng-02.jpg", "found_on": ["/xwzx/2024-03-15-chungeng.html"]},
        ],
        "missing_attachment": [
            {
                "url": "/files/2023-tingdian-fujian.pdf",
                "found_on": ["/tzgg/2024-03-12-tingdian.html"],
            },
        ],
        "soft_404": [{"url": "/xxgk/2019nb.html", "found_on": ["/xxgk/"]}],
        "http_500": [
            {"url": "/hdjl/zxft.jsp", "found_on": ["/hdjl/", "/xwzx/2024-03-08-zhaoshang.html"]}
        ],
        "dns_failure": [{"url": "http://www.expired-demo.invalid/", "found_on": ["/"]}],
        "connection_refused": [{"url": "http://127.0.0.1:9/", "found_on": ["/"]}],
        "redirect_to_404": [
            {
                "url": "/xwzx/zt/2023lh.html",
                "found_on": ["/xwzx/2024-03-08-zhaoshang.html"],
                "chain": ["/zt/2023lh/", "/zt/2023lh/index.html"],
            },
        ],
        "redirect_loop": [
            {
                "url": "/yhzx/login.html",
                "found_on": ["/"],
                "chain": ["/yhzx/sso.html?from=login", "/yhzx/login.html"],
            },
        ],
    },
    # Blocked, not broken: report as unverified.
    "unverified": [{"url": "/hdjl/wsxf.html", "status": 403, "found_on": ["/hdjl/"]}],
    # Things that must NOT be reported dead.
    "not_dead": [
        {"url": "/zfxxgk/", "why": "301 to /xxgk/", "found_on": ["/"]},
        {
            "url": "/sjfb/tjsj.html",
            "why": "503 once, then 200",
            "found_on": ["/", "/xwzx/2024-03-08-zhaoshang.html"],
        },
        {"url": "/bsfw/", "why": "429 Retry-After: 1 once, then 200", "found_on": ["/"]},
        {
            "url": "/zcjd/",
            "why": "HEAD 405, GET 200",
            "found_on": ["/", "/zcwj/", "/zcwj/2024/qzf-1.html"],
        },
        {
            "url": "/zcwj/2024/qzf-2.html",
            "why": "relative to <base href>",
            "found_on": ["/", "/zcwj/", "/zcwj/2024/qzf-1.html"],
        },
        {
            "url": "/xxgk/公开指南/年度报告.html",
            "why": "Chinese path, raw and %-encoded",
            "found_on": ["/", "/xxgk/"],
        },
        {"url": "/images/banner@2x.png", "why": "srcset candidate", "found_on": ["/"]},
        {
            "url": "/files/2024-tingdian-fanwei.pdf",
            "why": "attachment",
            "found_on": ["/tzgg/2024-03-12-tingdian.html"],
        },
        {
            "url": "/files/政府信息公开申请表.docx",
            "why": "attachment, Chinese file name",
            "found_on": ["/xxgk/"],
        },
    ],
    # Links a checker must skip (not http).
    "skipped_links": [
        "mailto:szfb@example.gov.cn",
        "tel:12345",
        "javascript:void(0)",
        "#top",
        "#gk",
        "#lxwm",
    ],
    # Wording findings: each {word, suggest, category, severity, pages}.
    "wording": [
        {
            "word": "國土資源局",
            "suggest": "自然資源局",
            "category": "outdated",
            "severity": "一般错误",
            "pages": ["/xwzx/2024-03-20-fanti.html"],
            "note": "a page in traditional script, with a ruby (pinyin) annotation on 國",
        },
        {
            "word": "中華仁民共和國",
            "suggest": "中華人民共和國",
            "category": "serious",
            "severity": "严重错误",
            "pages": ["/xwzx/2024-03-20-fanti.html"],
            "note": "a near-miss of the state's name (仁 for 民's same-reading 人), on no list",
        },
        {
            "word": "齊心協立",
            "suggest": "齊心協力",
            "category": "typo",
            "severity": "疑似错误",
            "pages": ["/xwzx/2024-03-20-fanti.html"],
            "note": "an idiom typo on no list: found only as a suspect",
        },
        {
            "word": FOOTER_TYPO,
            "suggest": "再接再厉",
            "category": "typo",
            "severity": "一般错误",
            "pages": "all",
            "note": "in the shared footer of every page",
        },
        {
            "word": "迫不急待",
            "suggest": "迫不及待",
            "category": "typo",
            "severity": "一般错误",
            "pages": ["/xwzx/2024-03-15-chungeng.html"],
        },
        {
            "word": "按装",
            "suggest": "安装",
            "category": "typo",
            "severity": "一般错误",
            "pages": ["/xwzx/2024-03-08-zhaoshang.html"],
        },
        {
            "word": "国土资源局",
            "suggest": "自然资源局",
            "category": "outdated",
            "severity": "一般错误",
            "pages": ["/xwzx/2024-02-26-ziranziyuan.gbk.html"],
        },
        {
            "word": "环境保护局",
            "suggest": "生态环境局",
            "category": "outdated",
            "severity": "一般错误",
            "pages": ["/tzgg/2024-02-28-huanping.gbk.html"],
        },
        {
            "word": "国家工商行政管理总局",
            "suggest": "国家市场监督管理总局",
            "category": "outdated",
            "severity": "一般错误",
            "pages": ["/zcwj/2024/qzf-1.html"],
        },
        {
            "word": "中华人民共合国",
            "suggest": "中华人民共和国",
            "category": "serious",
            "severity": "严重错误",
            "pages": ["/zcwj/2024/qzf-1.html"],
        },
        {
            "word": "代开各类发票",
            "suggest": "删除",
            "category": "sensitive",
            "severity": "严重错误",
            "pages": ["/hdjl/"],
        },
        {
            "word": "真人荷官",
            "suggest": "删除",
            "category": "sensitive",
            "severity": "严重错误",
            "pages": ["/hdjl/"],
        },
    ],
    "privacy": [
        {
            "kind": "id_number",
            "value": "360426199101010071",
            "pages": ["/tzgg/2024-03-05-gongshi.html"],
        },
    ],
    # The national inspection's items (crawler/inspection/), as of DEMO_TODAY: (kind, category,
    # column or page name, pages). 政务要闻 (news, 9 days), 通知公告, 政策文件 (notices) and 政府信息公开
    # are fresh; 区情概况 and 互动交流 are information pages, named in the config but no columns.
    "inspection": [
        ("stale_column", "stale", "部门动态", ["/bmdt/"]),  # news, 28 days; found by its dated list
        ("empty_column", "empty_column", "在线访谈", ["/zxft/"]),  # ColumnName tag, 暂无信息
        ("stale_home", "due", "首页", ["/"]),  # newest item 2024-03-18 (统计数据): 11 days, warned at 10
        ("stale_column", "due", "工作动态", ["/gzdt/"]),  # news, 12 days: 2 days before its line
        ("stale_column", "no_date", "图片新闻", ["/tpxw/"]),  # no item dated anywhere
        ("stale_column", "stale", "领导信息", ["/ldxx/"]),  # other (1 year), 400 days
        # on 工作动态's list on the second night only, dated 2024-03-10 (duwang demo reads two nights)
        ("backdated", "backdated", "区住建局开展燃气安全隐患排查", ["/gzdt/", BACKDATED]),
    ],
    # The scorecard (指标自检) as of DEMO_TODAY: each veto item's state (its deductions follow
    # from the planted dead links, 错敏词 and personal data).
    "scorecard": {"stale_columns": "warning", "long_stale_columns": "ok", "empty_columns": "ok",
                  "stale_home": "warning", "backdated": "failing", "availability": "no_data",
                  "serious_wording": "failing"},
    "slow_page": SLOW_PAGE,  # for `duwang watch URL --once --timeout 2`: slow (超时)
    # Page tags and footer: category -> (pages lacking it, pages checked). The home page, 9 column
    # pages and the 21 sampled articles; /bmdt/2024-03-01-nongji.html has every article tag, /zxft/
    # and the columns of _MORE_COLUMNS their column tags; the footer shows the 网站标识码 and ICP
    # number only.
    "page_standard": {
        "meta_SiteName": (30, 31), "meta_SiteDomain": (30, 31), "meta_SiteIDCode": (30, 31),
        "meta_ColumnName": (5, 9), "meta_ColumnDescription": (9, 9), "meta_ColumnKeywords": (9, 9),
        "meta_ColumnType": (5, 9), "meta_ArticleTitle": (20, 21), "meta_PubDate": (19, 21),
        "meta_ContentSource": (20, 21), "footer_police": (22, 22), "footer_conac": (22, 22),
    },
    "fully_tagged_article": "/bmdt/2024-03-01-nongji.html",
    # Must NOT be flagged.
    "decoys": [
        {
            "text": "原國土資源局退休幹部",
            "why": "historical name in traditional script, prefixed by 原",
            "pages": ["/xwzx/2024-03-20-fanti.html"],
        },
        {
            "text": "根据国家卫生计生委等部门",
            "why": "an old agency name on a page published (PubDate 2016-05-04) before the 2018 reform",
            "pages": ["/zcwj/2016/jtys-qianyue.html"],
        },
        {
            "text": "原国土资源局",
            "why": "historical name, prefixed by 原",
            "pages": ["/zcwj/2024/qzf-2.html"],
        },
        {"text": "个性交流", "why": "cross-word false positive (性交)", "pages": ["/hdjl/"]},
        {"text": "平台独立", "why": "cross-word false positive (台独)", "pages": ["/hdjl/"]},
        {
            "text": "370181********1234",
            "why": "masked ID",
            "pages": ["/tzgg/2024-03-05-gongshi.html"],
        },
        {
            "text": "360426199101010072",
            "why": "bad check digit",
            "pages": ["/tzgg/2024-03-05-gongshi.html"],
        },
        {"text": "走头无路", "why": "typo inside an HTML comment", "pages": ["/"]},
        {"text": "谈笑风声", "why": "typo inside a <script>", "pages": ["/"]},
    ],
}
