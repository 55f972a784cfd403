"""A test portal, different from the demo, with every dead and not-dead class planted.

`build_routes(external_url, refused_url)` returns the routes; EXPECTED_DEAD and
EXPECTED_UNVERIFIED are what a correct crawl reports (paths relative to the portal).
"""

from __future__ import annotations

from crawler.demo.server import Reply, redirect

FOOTER = '<div class="footer"><a href="/footer-missing.html">网站地图</a> 版权所有 测试区人民政府</div>'


def page(title: str, body: str, charset: str = "utf-8", head: str = "", footer: bool = True) -> str:
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}</title>{head}</head>'
        f"<body><h1>{title}</h1>{body}{FOOTER if footer else ''}</body></html>"
    )


def html(title: str, body: str = "", **kw) -> Reply:
    return Reply(body=page(title, body, **kw))


def gbk_reply(title: str, header_charset: str | None, meta: str | None) -> Reply:
    head = f'<meta http-equiv="Content-Type" content="text/html; charset={meta}">' if meta else ""
    text = (
        f"<!DOCTYPE html><html><head>{head}<title>{title}</title></head>"
        f"<body><h1>{title}</h1><p>区人民政府办公室关于做好冬季安全生产工作的通知</p>{FOOTER}</body></html>"
    )
    ctype = f"text/html; charset={header_charset}" if header_charset else "text/html"
    return Reply(body=text.encode("gbk"), content_type=ctype)


HOME_LINKS = """
<ul>
<li><a href="/a/ok.html">正常页面</a></li>
<li><a href="/dead-404.html">首页死链</a></li>
<li><a href="/flaky.html">偶尔503</a></li>
<li><a href="/files/head405.pdf">HEAD被拒</a></li>
<li><a href="/busy.html">429后正常</a></li>
<li><a href="/moved">跳转到正常页</a></li>
<li><a href="/gone">跳转到404</a></li>
<li><a href="/loop1">重定向循环</a></li>
<li><a href="/err500.html">500错误</a></li>
<li><a href="/always503.html">一直503</a></li>
<li><a href="/soft.html">软404</a></li>
<li><a href="/slow.html">超时</a></li>
<li><a href="/reset.html">连接重置</a></li>
<li><a href="/waf.html">防火墙</a></li>
<li><a href="/ratelimited.html">一直限流</a></li>
<li><a href="/forbidden.html">禁止访问</a></li>
<li><a href="http://nxdomain-duwang-test.invalid/">过期域名</a></li>
<li><a href="{refused}">拒绝连接</a></li>
<li><a href="{external}ok.html">外部正常页</a></li>
<li><a href="{external}ext-page.html">外部页面</a></li>
<li><a href="mailto:zwgk@example.gov.cn">邮箱</a> <a href="tel:12345">电话</a>
    <a href="javascript:void(0)">脚本</a> <a href="#top">顶部</a></li>
<li><a href="/新闻/通知.html">中文路径</a>
    <a href="/%E6%96%B0%E9%97%BB/%E9%80%9A%E7%9F%A5.html">编码路径</a></li>
<li><a href="/missing/中文附件.pdf">缺失中文附件</a></li>
<li><a href="/b/base.html">base页面</a></li>
<li><a href="/calendar?month=1">日历</a> <a href="/trap/">陷阱</a></li>
<li><a href="/sess.html;jsessionid=ABC123">会话1</a> <a href="/sess.html?sid=999">会话2</a>
    <a href="/sess.html">会话3</a></li>
<li><a href="/gbk/meta.html">GBK meta</a> <a href="/gbk/lying.html">GBK lying</a>
    <a href="/gbk/none.html">GBK none</a></li>
<li><a href="/download.jsp?id=1">下载</a></li>
</ul>
<img src="/img/ok.png" srcset="/img/ok.png 1x, /img/missing-2x.png 2x" alt="横幅">
<img src="/img/missing.png" alt="缺失图片">
<script src="/js/missing.js"></script>
<link rel="stylesheet" href="/css/missing.css">
<link rel="dns-prefetch" href="//cdn.nowhere.invalid">
<iframe src="/frame-missing.html"></iframe>
<embed src="/media/missing.swf">
<object data="/media/missing-obj.swf"></object>
<video src="/media/missing.mp4" poster="/img/ok.png"></video>
<audio><source src="/media/missing.mp3"></audio>
"""


def _calendar(req) -> Reply:
    month = int(req.query.get("month", "1"))
    return html(f"日历 {month}", f'<a href="/calendar?month={month + 1}">下个月</a>')


def build_routes(external: str, refused: str) -> dict:
    png = Reply(body=b"\x89PNG\r\n\x1a\n" + b"\0" * 32, content_type="image/png")
    return {
        "/": html("测试区人民政府", HOME_LINKS.format(external=external, refused=refused),
                  head='<meta http-equiv="refresh" content="600; url=/refresh-missing.html">'),
        "/a/ok.html": html("正常页面", '<a href="../a/sub.html">相对链接</a> <a href="sub2.html">同级</a>'),
        "/a/sub.html": html("子页面"),
        "/a/sub2.html": html("子页面2"),
        "/flaky.html": [Reply(503), html("恢复")],
        "/files/head405.pdf": Reply(body=b"%PDF-1.4 test", content_type="application/pdf", head_status=405),
        "/busy.html": [Reply(429, headers={"Retry-After": "1"}), html("不忙了")],
        "/moved": redirect("/a/ok.html", 301),
        "/gone": redirect("/nowhere.html", 302),
        "/loop1": redirect("/loop2"),
        "/loop2": redirect("/loop1"),
        "/err500.html": Reply(500, body="内部错误"),
        "/always503.html": Reply(503, body="维护中"),
        "/soft.html": Reply(body=page("页面不存在", "<p>您访问的页面不存在或已被删除</p>")),
        "/slow.html": Reply(body=page("慢", ""), delay=6.0),
        "/reset.html": Reply(reset=True),
        "/waf.html": Reply(403, body="<html><body>访问被拦截：您的请求疑似攻击</body></html>",
                           headers={"Server": "WAF/2.0"}),
        "/ratelimited.html": Reply(429, headers={"Retry-After": "1"}),
        "/forbidden.html": Reply(403, body="<html><body>Forbidden</body></html>"),
        "/新闻/通知.html": html("通知"),
        "/b/base.html": html(
            "base", '<base href="/c/"><a href="rel.html">相对</a> <a href="dead-rel.html">坏</a>'
        ),
        "/c/rel.html": html("相对目标"),
        "/calendar": _calendar,
        "/trap/*": lambda req: html("陷阱", '<a href="trap/">更深</a>'),
        "/sess.html": html("会话页面"),
        "/gbk/meta.html": gbk_reply("政务公开", None, "gbk"),
        "/gbk/lying.html": gbk_reply("信息公开指南", "utf-8", "gb2312"),
        "/gbk/none.html": gbk_reply("机构职能", None, None),
        "/download.jsp": Reply(body=b"%PDF-1.4 " + b"x" * 200_000, content_type="application/pdf"),
        "/img/ok.png": png,
    }


def external_routes() -> dict:
    return {
        "/ok.html": html("外部"),
        "/ext-page.html": html("外部页面", '<a href="/ext-dead.html">外部的死链</a>'),
    }


# path or absolute marker -> category. "{refused}" is replaced by the test.
EXPECTED_DEAD = {
    "/dead-404.html": "http_4xx",
    "/gone": "http_4xx",
    "/loop1": "redirect_loop",
    "/err500.html": "http_5xx",
    "/always503.html": "http_5xx",
    "/soft.html": "soft_404",
    "/slow.html": "timeout",
    "/reset.html": "reset",
    "/forbidden.html": "http_4xx",
    "http://nxdomain-duwang-test.invalid/": "dns",
    "{refused}": "refused",
    "/missing/中文附件.pdf": "http_4xx",
    "/footer-missing.html": "http_4xx",
    "/img/missing-2x.png": "http_4xx",
    "/img/missing.png": "http_4xx",
    "/js/missing.js": "http_4xx",
    "/css/missing.css": "http_4xx",
    "/frame-missing.html": "http_4xx",
    "/media/missing.swf": "http_4xx",
    "/media/missing-obj.swf": "http_4xx",
    "/media/missing.mp4": "http_4xx",
    "/media/missing.mp3": "http_4xx",
    "/refresh-missing.html": "http_4xx",
    "/c/dead-rel.html": "http_4xx",
}
EXPECTED_UNVERIFIED = {
    "/waf.html": "blocked",
    "/ratelimited.html": "rate_limited",
}
