"""The demo portal's attachments (附件), hidden links (暗链), cloaking and a changing friend site.

- ``/files/...``: a PDF, a DOCX, an XLSX and an XLS made in code (crawler/demo/files.py) with
  planted typos, identity and mobile numbers, and the decoys that must not be flagged (masked
  numbers, the 12345 hotline, office and published contact numbers); an encrypted PDF and a
  scanned (image-only) PDF that cannot be read. The home page links them all.
- The home page carries a hidden link of each kind beside visible links. Its targets are on
  ``localhost``, the portal's own server under another host name: an external site to the
  crawl, on loopback.
- The home page as Baiduspider gets it has spam that visitors never see (cloaking).
- The friend site ``localhost:PORT/`` (linked from the home page) answers its first GET with
  its own home page, then with a parking page (域名出售): a crawl after the first one, against
  the same running server, finds the host changed (external_changed).

``PLANTED`` is what a crawl must find, exactly. No binary is committed.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from crawler.demo import files
from crawler.demo.server import Reply, RequestInfo, Route

FRIEND_HOST = "localhost"  # the demo server under another name: an external host
IDS = ("360426198503120025", "360426197906050039", "360426199208170040")

PDF_PAGES = [
    ["关于2024年春耕生产补贴发放情况的公示", "各村（社区）要主动作为，遇到困难不能一愁莫展。",
     "政务服务便民热线：12345", "办公电话：0791-86541234"],
    [f"补贴对象：张三，身份证号{IDS[0]}，手机13812345678。",
     "已公示对象：李四，身份证号370181********1234，手机139****5678。"],
]
DOCX_PARAGRAPHS = [
    "政府信息公开申请受理情况汇总",
    "部分申请人默守成规，未按要求填写申请表。",
    "联系人：王五，联系方式：13712345678",
    "申请人赵六，手机：15912345678",
    "咨询电话：0791-12345678",
]
XLSX_SHEETS = {"低保名单": [
    ["序号", "姓名", "身份证号", "手机号码", "备注"],
    [1, "张三", IDS[1], "13612345678", ""],
    [2, "李四", IDS[2], "13512345678", "秸杆还田"],
    [3, "王五", "370181********1234", "139****5678", ""],
]}
XLS_SHEETS = {
    "统计表": [["单位", "人数", "说明"], ["区人社局", 120, "严防泄秘，数据仅供内部使用"],
            ["备注", "", "监督电话：12345"]],
    "联系人": [["姓名", "电话"], ["孙七", "13312345678"]],
}

# path -> (file bytes, Content-Type)
FILES: dict[str, tuple[bytes, str]] = {
    "/files/2024-chungeng-butie.pdf": (files.pdf(PDF_PAGES), "application/pdf"),
    "/files/2024-shenqing-huizong.docx": (files.docx(DOCX_PARAGRAPHS), "application/octet-stream"),
    "/files/2024-dibao-mingdan.xlsx": (files.xlsx(XLSX_SHEETS), "application/octet-stream"),
    "/files/2023-jiuye-tongji.xls": (files.xls(XLS_SHEETS), "application/vnd.ms-excel"),
    "/files/2024-neibu-tongzhi.pdf": (files.pdf([["内部资料"]], encrypted=True), "application/pdf"),
    "/files/2024-saomiao-fujian.pdf": (files.scanned_pdf(), "application/pdf"),
}
_FILE_NAMES = {
    "/files/2024-chungeng-butie.pdf": "春耕生产补贴发放公示（PDF）",
    "/files/2024-shenqing-huizong.docx": "信息公开申请汇总（DOCX）",
    "/files/2024-dibao-mingdan.xlsx": "低保对象名单（XLSX）",
    "/files/2023-jiuye-tongji.xls": "就业统计表（XLS）",
    "/files/2024-neibu-tongzhi.pdf": "内部通知（加密PDF）",
    "/files/2024-saomiao-fujian.pdf": "扫描件（PDF）",
}

# (how it is hidden, anchor, serious): one hidden link of each kind, to /yl/N.html on the
# friend host. Anchors on the sensitive list only where the text checks skip the element
# too (display:none, visibility:hidden, a script), so the page has no wording finding.
HIDDEN = [
    ('<div style="display:none">{a}</div>', "新葡京", True),
    ('<span style="visibility:hidden">{a}</span>', "开元棋牌", True),
    ('<div style="position:absolute;left:-9999px">{a}</div>', "装修公司", False),
    ('<p style="font-size:0">{a}</p>', "网站建设", False),
    ('<div style="height:0;overflow:hidden">{a}</div>', "外贸推广", False),
    ('<a style="color:#eee;background-color:#eee" href="{f}/yl/{n}.html">{anchor}</a>', "代理记账", False),
    ('<marquee height="0">{a}</marquee>', "搬家公司", False),
    ('<div class="yl-x">{a}</div>', "二手车", False),
    ("<script>document.write('<a href=\"{f}/yl/{n}.html\">{anchor}</a>');</script>", "时时彩平台", True),
]
_HOME_BLOCK = """
<style>.yl-x{{display:none}}</style>
<div class="col"><h2>附件下载</h2><ul>{files}</ul></div>
<div class="col"><h2>友情链接</h2><ul><li><a href="{f}/">示范区融媒体中心</a></li></ul></div>
<div style="display:none"><a href="xxgk/">政府信息公开</a></div>
{hidden}
"""
# Served to Baiduspider only.
_CLOAKED = '<div><p>百家乐 午夜福利</p><a href="{f}/cp/">彩票</a></div>'

_FRIEND_HOME = ('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
                "<title>示范区融媒体中心</title></head><body><h1>示范区融媒体中心</h1><p>赣ICP备12345678号-1</p></body></html>")
_PARKED = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>域名出售</title></head>'
           "<body><h1>该域名正在出售</h1><p>This domain is for sale. 联系QQ：10001</p></body></html>")
_YL = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>页面</title></head><body>页面</body></html>'


def _hidden(f: str, n: int, html: str, anchor: str) -> str:
    a = f'<a href="{f}/yl/{n}.html">{anchor}</a>'
    return html.format(a=a, f=f, n=n, anchor=anchor)


def friend(req: RequestInfo) -> str:
    """The friend site's origin, as seen from a request to the demo server."""
    return f"http://{FRIEND_HOST}:{req.headers.get('Host', '').rsplit(':', 1)[-1]}"


def routes(root: Path) -> dict[str, Route]:
    """The home page (``root``/index.html with the block above), the files, the friend site."""
    gets = itertools.count()

    def home(req: RequestInfo) -> Reply:
        host = req.headers.get("Host", "")
        if host.startswith(FRIEND_HOST):  # the friend site: itself once, then parked
            if req.method != "GET":
                return Reply(body=_FRIEND_HOME)
            return Reply(body=_FRIEND_HOME if next(gets) == 0 else _PARKED)
        f = friend(req)
        block = _HOME_BLOCK.format(
            f=f, files="".join(f'<li><a href="{p[1:]}">{name}</a></li>' for p, name in _FILE_NAMES.items()),
            hidden="\n".join(_hidden(f, n, html, anchor)
                              for n, (html, anchor, _) in enumerate(HIDDEN, start=1)))
        if "Baiduspider" in req.headers.get("User-Agent", ""):
            block += _CLOAKED.format(f=f)
        html = (root / "index.html").read_text(encoding="utf-8")
        return Reply(body=html.replace("</main>", block + "</main>", 1))

    out: dict[str, Route] = {"/": home, "/yl/*": Reply(body=_YL), "/cp/": Reply(body=_YL)}
    for path, (data, ctype) in FILES.items():
        out[path] = Reply(body=data, content_type=ctype)
    return out


# What a crawl finds, exactly: (kind, category, text, where〔...〕 or "", page path or "{friend}/...").
_XLSX, _XLS = "/files/2024-dibao-mingdan.xlsx", "/files/2023-jiuye-tongji.xls"
PLANTED = {
    "attachments": [
        ("wording", "typo", "一愁莫展", "第1页", "/files/2024-chungeng-butie.pdf"),
        ("privacy", "id_number", "360426********0025", "第2页", "/files/2024-chungeng-butie.pdf"),
        ("privacy", "mobile", "138****5678", "第2页", "/files/2024-chungeng-butie.pdf"),
        ("wording", "typo", "默守成规", "第2段", "/files/2024-shenqing-huizong.docx"),
        ("privacy", "mobile", "159****5678", "第4段", "/files/2024-shenqing-huizong.docx"),
        ("privacy", "id_number", "360426********0039", "低保名单!C2", _XLSX),
        ("privacy", "id_number", "360426********0040", "低保名单!C3", _XLSX),
        ("privacy", "mobile", "136****5678", "低保名单!D2", _XLSX),
        ("privacy", "mobile", "135****5678", "低保名单!D3", _XLSX),
        ("wording", "typo", "秸杆", "低保名单!E3", _XLSX),
        ("privacy", "personal_list", "姓名与身份证号、手机号码名单（2 行）", "", _XLSX),
        ("wording", "typo", "泄秘", "统计表!C2", _XLS),
        ("privacy", "mobile", "133****5678", "联系人!B2", _XLS),
    ],
    # path -> the reason it is listed as not checked
    "unread": {
        "/files/2024-neibu-tongzhi.pdf": "未检查：文件已加密",
        "/files/2024-saomiao-fujian.pdf": "未检查：扫描图像，无可提取的文字（不做文字识别）",
    },
    # Found on no page of the crawl (decoys): masked numbers, the hotline, office and contact numbers.
    "decoys": ["370181********1234", "139****5678", "12345", "0791-86541234", "0791-12345678",
               "137****5678"],
    "hidden": [(f"{{friend}}/yl/{n}.html", anchor, "serious" if serious else "general")
               for n, (_html, anchor, serious) in enumerate(HIDDEN, start=1)],
    # cloaking: (text, severity) on the home page
    "cloaking": [("{friend}/cp/", "serious"), ("百家乐", "serious"), ("午夜福利", "serious")],
    # The friend site on the second crawl against the same server: parked.
    "external_changed": [("parked", "{friend_host}")],
}
