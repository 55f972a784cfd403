"""A test portal for attachments (附件), hidden links (暗链), cloaking and changing external
hosts, over two nights: ``state["night"]`` says which night the servers answer as.

Night 1: a PDF, DOCX, XLSX and XLS with planted typos, identity and mobile numbers and the
decoys; an encrypted, a scanned and a too-large PDF; hidden links of each kind beside visible
ones, an allow-listed one and an internal one; the home page serves spam to Baiduspider; four
external hosts answer as themselves. Night 2: the PDF is fixed, the DOCX is corrupt, one
hidden link and the cloaking are gone; the external hosts change (redirect to another domain,
parked, sensitive words). The findings are listed exactly in the test.
"""

from __future__ import annotations

from crawler.demo import files
from crawler.demo.server import Reply, RequestInfo, redirect

ID_A, ID_B, ID_C = "360426198503120025", "360426197906050039", "360426199208170040"

PDF_NIGHT_1 = [
    ["关于补贴发放情况的公示", "遇到困难不能一愁莫展。", "便民热线：12345，办公电话：0791-86541234"],
    [f"张三，身份证号{ID_A}，手机13812345678。", "李四，身份证号370181********1234，手机139****5678。"],
]
PDF_NIGHT_2 = [["关于补贴发放情况的公示", "遇到困难不能一筹莫展。", "便民热线：12345"], ["张三（已脱敏）。"]]
DOCX = ["申请受理情况汇总", "部分申请人默守成规。", "联系人：王五，联系方式：13712345678",
        "申请人赵六，手机：15912345678"]
XLSX = {"名单": [
    ["序号", "姓名", "身份证号", "手机号码", "备注"],
    [1, "张三", ID_B, "13612345678", ""],
    [2, "李四", ID_C, "13512345678", "秸杆还田"],
    [3, "王五", "370181********1234", "139****5678", ""],
]}
XLS = {"统计表": [["单位", "人数", "说明"], ["区人社局", 120, "严防泄秘"]],
       "联系人": [["姓名", "电话"], ["孙七", "13312345678"]]}

HIDDEN = [  # (markup with {a} for the link, anchor, serious)
    ('<div style="display:none">{a}</div>', "新葡京", True),
    ('<span style="visibility:hidden">{a}</span>', "开元棋牌", True),
    ('<div style="position:absolute;left:-9999px">{a}</div>', "装修公司", False),
    ('<p style="font-size:0">{a}</p>', "网站建设", False),
    ('<div style="height:0;overflow:hidden">{a}</div>', "外贸推广", False),
    ('<marquee height="0">{a}</marquee>', "搬家公司", False),
    ('<div class="yl-x">{a}</div>', "二手车", False),
]


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>'
            f"<style>.yl-x{{display:none}}</style></head><body><h1>{title}</h1>{body}</body></html>")


def build(state: dict, ext: str, ext_alias: str, parked: str) -> tuple[dict, dict, dict]:
    """(portal routes, routes of the external server (two host names), of the parked one).
    ``ext``/``ext_alias``: the external server's origin as 127.0.0.1 and as localhost."""

    def home(req: RequestInfo) -> Reply:
        night = state["night"]
        links = [f'<a href="{ext}/about.html">友好单位甲</a>',
                 f'<a href="{ext_alias}/about.html">友好单位乙</a>',
                 f'<a href="{parked}/about.html">友好单位丙</a>',
                 '<a href="/tzgg/a.html">通知甲</a>', '<a href="/tzgg/b.html">通知乙</a>',
                 '<div style="display:none"><a href="http://tongji.example.org/t.js">统计</a></div>',
                 '<div style="display:none"><a href="/tzgg/a.html">内部隐藏链接</a></div>']
        for n, (markup, anchor, _serious) in enumerate(HIDDEN, start=1):
            if night == 2 and n == 7:
                continue  # removed on night 2: its finding is rectified
            links.append(markup.format(a=f'<a href="{ext_alias}/yl/{n}.html">{anchor}</a>'))
        links.append(f"<script>document.write('<a href=\"{ext_alias}/yl/8.html\">时时彩平台</a>');</script>")
        if night == 1 and "Baiduspider" in req.headers.get("User-Agent", ""):
            links.append(f'<p>百家乐</p><a href="{ext_alias}/cp/">彩票</a>')
        return Reply(body=_page("测试区人民政府", "".join(links)))

    def pdf(_req: RequestInfo) -> Reply:
        return Reply(body=files.pdf(PDF_NIGHT_1 if state["night"] == 1 else PDF_NIGHT_2),
                     content_type="application/pdf")

    def docx(_req: RequestInfo) -> Reply:
        data = files.docx(DOCX)
        return Reply(body=data if state["night"] == 1 else data[:300],
                     content_type="application/octet-stream")

    notice = ('<a href="/files/butie.pdf">补贴公示</a> <a href="/files/huizong.docx">汇总</a> '
              '<a href="/files/mingdan.xlsx">名单</a> <a href="/files/tongji.xls">统计</a> '
              '<a href="/files/neibu.pdf">内部</a> <a href="/files/saomiao.pdf">扫描件</a> '
              '<a href="/files/big.pdf">大文件</a>')
    portal = {
        "/": home,
        "/tzgg/a.html": Reply(body=_page("通知甲", notice)),
        "/tzgg/b.html": Reply(body=_page("通知乙", '<a href="/files/mingdan.xlsx">名单</a>')),
        "/files/butie.pdf": pdf,
        "/files/huizong.docx": docx,
        "/files/mingdan.xlsx": Reply(body=files.xlsx(XLSX), content_type="application/octet-stream"),
        "/files/tongji.xls": Reply(body=files.xls(XLS), content_type="application/vnd.ms-excel"),
        "/files/neibu.pdf": Reply(body=files.pdf([["内部资料"]], encrypted=True),
                                  content_type="application/pdf"),
        "/files/saomiao.pdf": Reply(body=files.scanned_pdf(), content_type="application/pdf"),
        "/files/big.pdf": Reply(body=files.pdf([[f"第{n}页内容"] * 30 for n in range(40)]),
                                content_type="application/pdf"),
    }

    def ext_home(req: RequestInfo) -> Reply:
        alias = req.headers.get("Host", "").startswith("localhost")
        if state["night"] == 1:
            return Reply(body=_page("友好单位乙" if alias else "友好单位甲", "<p>赣ICP备12345678号-1</p>"))
        if alias:  # now shows gambling words
            return Reply(body=_page("新葡京娱乐城", "<p>百家乐 开元棋牌</p>"))
        return redirect(f"{ext_alias}/landing.html")  # to another registrable domain (localhost)

    page = Reply(body=_page("页面", "<p>页面</p>"))
    external = {"/": ext_home, "/about.html": page, "/landing.html": page, "/yl/*": page, "/cp/": page}

    def parked_home(_req: RequestInfo) -> Reply:
        if state["night"] == 1:
            return Reply(body=_page("友好单位丙", "<p>欢迎</p>"))
        return Reply(body=_page("域名出售", "<p>该域名正在出售 This domain is for sale</p>"))

    return portal, external, {"/": parked_home, "/about.html": page}
