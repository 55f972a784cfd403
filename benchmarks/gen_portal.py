"""Generate a deterministic static portal shaped like a Chinese government site.

The layout copies what TRS-style CMSs publish: column indexes at ``/zwyw/index.html``,
``/zwyw/index_1.html`` (page 2), ...; articles at ``/zwyw/202403/t20240315_700123.html``
with their images (``W0...png``) and attachments (``P0...pdf``) beside them. Every page
repeats the nav and footer, so most of a page's ~20 links were already seen elsewhere.

A few dead internal links are planted (missing article, page, image, PDF); they and the
site's counts are listed in ``_manifest.json``, which no page links to. There are no
external links: a crawler of this site only ever talks to the server that serves it.

``--attachments N`` adds N attachments with real text (PDF, DOCX, XLSX, XLS: paragraphs,
a table of names and numbers, a picture that makes their bytes), of about
``--attachment-kb`` each, linked from as many articles (附件：...).

    python benchmarks/gen_portal.py --pages 3000 --out /tmp/portal
    python benchmarks/gen_portal.py --pages 3000 --attachments 300 --out /tmp/portal-files
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import shutil
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from crawler.demo import files  # noqa: E402  (the attachments are made as the tests make them)

SITE_NAME = "云溪市人民政府"
CITY = "云溪市"
PER_INDEX_PAGE = 20
RELATED = 4
MANIFEST = "_manifest.json"

# (directory, column name, share of the articles)
COLUMNS: list[tuple[str, str, float]] = [
    ("zwyw", "政务要闻", 0.25),
    ("tzgg", "通知公告", 0.15),
    ("zcwj", "政策文件", 0.12),
    ("zfxxgk", "政府信息公开", 0.12),
    ("bmdt", "部门动态", 0.14),
    ("zcjd", "政策解读", 0.08),
    ("rsxx", "人事信息", 0.07),
    ("tjsj", "统计数据", 0.07),
]
# (file, title): linked from every page's footer
STATIC_PAGES: list[tuple[str, str]] = [
    ("wzdt.html", "网站地图"),
    ("lxwm.html", "联系我们"),
    ("wzsm.html", "网站声明"),
    ("wza.html", "无障碍说明"),
]
SHARED_IMAGES = ["/images/logo.png", "/images/dzjg.png", "/images/gaba.png"]

DEPTS = [
    "市发展和改革委员会",
    "市教育局",
    "市科学技术局",
    "市工业和信息化局",
    "市公安局",
    "市民政局",
    "市司法局",
    "市财政局",
    "市人力资源和社会保障局",
    "市自然资源和规划局",
    "市生态环境局",
    "市住房和城乡建设局",
    "市交通运输局",
    "市水务局",
    "市农业农村局",
    "市商务局",
    "市文化广电旅游局",
    "市卫生健康委员会",
    "市应急管理局",
    "市审计局",
    "市市场监督管理局",
    "市统计局",
    "市医疗保障局",
    "市政务服务和数据管理局",
]
TOPICS = [
    "优化营商环境",
    "乡村振兴",
    "安全生产",
    "生态环境保护",
    "城市更新",
    "数字政府建设",
    "民生实事",
    "防汛抗旱",
    "义务教育优质均衡发展",
    "养老服务体系建设",
    "高标准农田建设",
    "就业创业",
    "招商引资",
    "科技创新",
    "文明城市创建",
    "河湖长制",
    "森林防火",
    "食品安全",
    "消防安全",
    "老旧小区改造",
    "政务公开",
    "“放管服”改革",
    "社会信用体系建设",
    "医疗保障",
    "公共文化服务",
]
VERBS = ["推进", "落实", "深化", "统筹", "强化", "完善", "加快", "健全", "提升", "压实"]
ADVERBS = ["扎实", "全面", "持续", "切实", "稳步", "大力", "认真", "进一步"]
OBJECTS = [
    "工作机制",
    "责任体系",
    "重点任务",
    "配套政策",
    "监督检查",
    "督查考核",
    "宣传引导",
    "风险排查",
    "服务保障",
    "项目建设",
    "制度建设",
    "队伍建设",
]
RESULTS = ["明显成效", "积极进展", "阶段性成果", "新的突破", "显著成效"]
UNITS = ["个", "项", "家", "万元", "亿元", "人次", "公里", "亩", "户"]
# 喆, 堃 and 珺 are in GBK but not in GB2312: GBK pages that declare gb2312 hold them,
# as real ones do, and a strict gb2312 decoder fails on those pages.
NAMES = [
    "张明",
    "王建国",
    "李喆",
    "刘芳",
    "陈堃",
    "杨伟",
    "赵珺",
    "黄海涛",
    "周敏",
    "吴志强",
]
SENTENCES = [
    "{dept}召开{topic}工作推进会，研究部署下一阶段{obj}。",
    "会议强调，要{adv}{verb}{topic}{obj}，确保各项任务落到实处。",
    "{year}年以来，全市{topic}工作取得{result}，群众获得感进一步增强。",
    "截至{month}月底，全市累计完成{topic}项目{num}{unit}，同比增长{pct}%。",
    "下一步，{dept}将{adv}{verb}{obj}，推动{topic}工作提质增效。",
    "各县（市、区）、各部门要{adv}{verb}主体责任，{verb2}{obj}，确保{topic}取得实效。",
    "会上，{name}同志通报了{topic}有关情况，并就{verb}{obj}提出具体要求。",
    "据了解，{dept}已建立{topic}{obj}，累计受理群众诉求{num}件，办结率{pct}%。",
    "要坚持问题导向，聚焦{topic}中的难点堵点，{adv}{verb}{obj}。",
    "此次活动共发放宣传资料{num}份，接受群众咨询{num2}人次，营造了良好的社会氛围。",
]
CLAUSES = [
    "本办法适用于本市行政区域内的{topic}及其监督管理活动。",
    "市人民政府统一领导全市{topic}工作，{dept}负责具体组织实施。",
    "各有关部门应当按照职责分工，{adv}{verb}{obj}，加强协调配合。",
    "对在{topic}工作中作出显著成绩的单位和个人，按照有关规定给予表彰奖励。",
    "违反本办法规定的，由有关部门依法责令改正；情节严重的，依法追究法律责任。",
    "本办法自{year}年{month}月1日起施行，有效期五年。",
]
TITLES: dict[str, list[str]] = {
    "zwyw": [
        "{name}主持召开市政府第{num}次常务会议",
        "{dept}召开{topic}工作推进会",
        "我市{topic}工作取得新进展",
        "市领导赴基层调研{topic}工作",
    ],
    "tzgg": [
        "关于{year}年{topic}工作的通知",
        "关于开展{topic}专项检查的公告",
        "{dept}关于{topic}有关事项的通告",
        "关于{year}年度{topic}拟表彰对象的公示",
    ],
    "zcwj": [
        "{city}人民政府关于印发《{city}{topic}实施方案》的通知",
        "{city}人民政府办公室关于进一步加强{topic}工作的意见",
        "{city}{topic}管理办法",
    ],
    "zfxxgk": [
        "{dept}{year}年政府信息公开工作年度报告",
        "{dept}{year}年部门预算公开",
        "{dept}{year}年{topic}工作总结",
    ],
    "bmdt": ["{dept}开展{topic}宣传活动", "{dept}召开{topic}专题会议", "{dept}多举措推进{topic}"],
    "zcjd": [
        "一图读懂《{city}{topic}实施方案》",
        "{dept}负责人就{topic}有关问题答记者问",
        "《{city}{topic}管理办法》政策解读",
    ],
    "rsxx": [
        "{city}人民政府关于{name}等同志职务任免的通知",
        "{year}年{dept}公开招聘工作人员公告",
    ],
    "tjsj": [
        "{year}年{month}月全市经济运行情况",
        "{year}年{city}国民经济和社会发展统计公报",
    ],
}
CN_DIGITS = "零一二三四五六七八九"
# Smallest valid files: nobody reads them, crawlers only fetch them.
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8cfc0f01f0005000200a3a1d5ad0000000049454e44ae426082"
)
PDF_MIN = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass
class Article:
    col: str
    aid: int
    date: dt.date
    title: str
    url: str = ""
    image: str = ""
    pdf: str = ""
    attachment: str = ""  # a file with text (--attachments)
    extra_links: list[tuple[str, str]] = field(default_factory=list)  # (href, text)

    def __post_init__(self) -> None:
        self.url = f"/{self.col}/{self.date:%Y%m}/t{self.date:%Y%m%d}_{self.aid}.html"


def cn_number(n: int) -> str:
    """1..99 in Chinese numerals, as in 第十二条."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CN_DIGITS[tens] + "十")
    return head + (CN_DIGITS[ones] if ones else "") if n >= 10 else CN_DIGITS[n]


def fill(template: str, rng: random.Random, year: int) -> str:
    return template.format(
        dept=rng.choice(DEPTS),
        topic=rng.choice(TOPICS),
        obj=rng.choice(OBJECTS),
        verb=rng.choice(VERBS),
        verb2=rng.choice(VERBS),
        adv=rng.choice(ADVERBS),
        result=rng.choice(RESULTS),
        unit=rng.choice(UNITS),
        name=rng.choice(NAMES),
        city=CITY,
        year=year,
        month=rng.randint(1, 12),
        num=rng.randint(3, 980),
        num2=rng.randint(100, 9000),
        pct=round(rng.uniform(1, 99), 1),
    )


def body_paragraphs(rng: random.Random, col: str, year: int) -> list[str]:
    """2-8 KB of UTF-8 text (about 700-2,700 characters)."""
    target = rng.randint(700, 2700)
    paras: list[str] = []
    size = 0
    clause = 1
    while size < target:
        if col == "zcwj":
            para = f"第{cn_number(clause)}条　" + fill(rng.choice(CLAUSES), rng, year)
            clause += 1
        else:
            para = "".join(fill(rng.choice(SENTENCES), rng, year) for _ in range(rng.randint(3, 6)))
        paras.append(para)
        size += len(para)
    return paras


def split_counts(total: int) -> list[int]:
    """Share `total` articles between COLUMNS by weight, largest remainders first."""
    raw = [total * w for _, _, w in COLUMNS]
    counts = [math.floor(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: counts[i] - raw[i])
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def plan_sizes(pages: int) -> list[int]:
    """Articles per column so that articles + index pages + fixed pages <= pages."""
    fixed = 1 + len(STATIC_PAGES)

    def total(a: int) -> int:
        counts = split_counts(a)
        return a + sum(max(1, math.ceil(c / PER_INDEX_PAGE)) for c in counts) + fixed

    if total(0) > pages:
        raise ValueError(f"--pages must be at least {total(0)}")
    lo, hi = 0, pages
    while lo < hi:  # largest a with total(a) <= pages; total() is monotonic
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if total(mid) <= pages else (lo, mid - 1)
    return split_counts(lo)


def index_name(page: int) -> str:
    return "index.html" if page == 1 else f"index_{page - 1}.html"


ATTACHMENT_TYPES = ["pdf", "pdf", "docx", "xlsx", "pdf", "xls", "docx", "pdf", "xlsx", "pdf"]


class Portal:
    def __init__(self, pages: int, seed: int, gbk_share: float, dead: int, attachments: int = 0,
                 attachment_kb: int = 100) -> None:
        self.rng = random.Random(f"{seed}-content")
        self.gbk_rng = random.Random(f"{seed}-gbk")  # own stream: share doesn't move content
        self.gbk_share = gbk_share
        self.files: dict[str, bytes] = {}
        self.link_occurrences = 0
        self.gbk_pages = 0
        self.columns: dict[str, list[Article]] = {}
        self.dead: list[dict[str, Any]] = []
        self._plan_articles(plan_sizes(pages))
        self._plant_dead_links(dead)
        self.attachment_kb = attachment_kb
        self.file_rng = random.Random(f"{seed}-files")  # own stream: attachments don't move content
        self._plan_attachments(attachments)

    # -- planning -------------------------------------------------------------------------
    def _plan_articles(self, counts: list[int]) -> None:
        aid = 700001
        newest = dt.date(2024, 12, 20)
        for (col, _name, _w), count in zip(COLUMNS, counts, strict=True):
            arts: list[Article] = []
            day = newest
            for _ in range(count):  # newest first, as index pages list them
                day -= dt.timedelta(days=self.rng.choice([0, 0, 1, 1, 2, 3]))
                title = fill(self.rng.choice(TITLES[col]), self.rng, day.year)
                art = Article(col, aid, day, title)
                aid += 1
                folder = art.url.rsplit("/", 1)[0]
                if self.rng.random() < 0.06:
                    art.image = f"{folder}/W0{art.date:%Y%m%d}{art.aid}.png"
                if col in ("zcwj", "tzgg", "zfxxgk") and self.rng.random() < 0.04:
                    art.pdf = f"{folder}/P0{art.date:%Y%m%d}{art.aid}.pdf"
                arts.append(art)
            self.columns[col] = arts

    def _plan_attachments(self, count: int) -> None:
        articles = [a for arts in self.columns.values() for a in arts if not a.pdf]
        for i, art in enumerate(self.file_rng.sample(articles, k=min(count, len(articles)))):
            folder = art.url.rsplit("/", 1)[0]
            ext = ATTACHMENT_TYPES[i % len(ATTACHMENT_TYPES)]
            art.attachment = f"{folder}/P0{art.date:%Y%m%d}{art.aid}.{ext}"

    def _attachment_bytes(self, art: Article, paras: list[str]) -> bytes:
        """A file of about --attachment-kb: the article's text, a table, a picture."""
        rng = self.file_rng
        kind = art.attachment.rsplit(".", 1)[1]
        text = [art.title, *paras, *(fill(rng.choice(SENTENCES), rng, art.date.year) for _ in range(20))]
        rows: list[list[str | int | float]] = [["序号", "单位", "姓名", "联系电话", "金额（元）"]]
        rows += [[n, rng.choice(DEPTS), "某某", f"0791-8{rng.randrange(10**6, 10**7)}",
                  rng.randrange(100, 99999)] for n in range(1, 120)]
        picture = rng.randbytes(max(0, self.attachment_kb * 1024 - 8000)) if kind != "xls" else b""
        if kind == "pdf":
            lines = [line[i:i + 38] for line in text for i in range(0, len(line), 38)]
            return files.pdf([lines[i:i + 45] for i in range(0, len(lines), 45)], image=picture)
        if kind == "docx":
            return files.docx(text + ["\t".join(map(str, r)) for r in rows], media=picture)
        if kind == "xlsx":
            return files.xlsx({"汇总表": rows, "说明": [[t] for t in text]}, media=picture)
        return files.xls({"汇总表": rows[:60], "说明": [[t] for t in text]})

    def _plant_dead_links(self, count: int) -> None:
        articles = [a for arts in self.columns.values() for a in arts]
        if not articles:
            return
        kinds = [
            ("/zwyw/201905/t20190510_100{:03d}.html", "已删除的文章"),
            ("/tzgg/index_{}.htm", "拼写错误的栏目页"),
            ("/uploads/old/P0{:05d}.pdf", "缺失的附件"),
            ("/images/banner_{}.jpg", "缺失的图片"),
            ("/zfxxgk/fdzdgknr/{}/index.html", "未发布的栏目"),
        ]
        for i in range(count):
            pattern, kind = kinds[i % len(kinds)]
            url = pattern.format(i + 1)
            sources = self.rng.sample(articles, k=min(len(articles), self.rng.randint(1, 3)))
            for src in sources:
                src.extra_links.append((url, kind))
            self.dead.append({"url": url, "kind": kind, "linked_from": [s.url for s in sources]})

    # -- html -----------------------------------------------------------------------------
    def _page(self, path: str, title: str, body: str) -> None:
        gbk = self.gbk_rng.random() < self.gbk_share
        charset = (
            '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
            if gbk
            else '<meta charset="utf-8">'
        )
        nav = "".join(f'<li><a href="/{c}/index.html">{n}</a></li>' for c, n, _ in COLUMNS)
        footer = "".join(f'<a href="/{f}">{t}</a> | ' for f, t in STATIC_PAGES)
        html = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
{charset}
<title>{title}_{SITE_NAME}</title>
<meta name="SiteName" content="{SITE_NAME}">
<meta name="ColumnName" content="{title}">
<link rel="stylesheet" href="/css/style.css">
<script src="/js/common.js"></script>
</head>
<body>
<div class="header"><a href="/index.html"><img src="/images/logo.png" alt="{SITE_NAME}"></a></div>
<div class="nav"><ul><li><a href="/index.html">首页</a></li>{nav}</ul></div>
<div class="main">
{body}
</div>
<div class="footer">
<p>{footer}</p>
<p>主办单位：{SITE_NAME}办公室　承办单位：{CITY}政务服务和数据管理局</p>
<p>网站标识码：3600000001　<a href="/wzsm.html">赣ICP备00000001号</a></p>
<p><img src="/images/dzjg.png" alt="党政机关"> <img src="/images/gaba.png" alt="公安备案">
赣公网安备 36000002000001号</p>
</div>
</body>
</html>
"""
        # nav (9) + footer (len(STATIC_PAGES) + 1) anchors, logo link, css, js, 3 images
        self.link_occurrences += len(COLUMNS) + len(STATIC_PAGES) + 7
        self.link_occurrences += body.count("href=") + body.count("src=")
        if gbk:
            self.gbk_pages += 1
            self.files[path] = html.encode("gbk")
        else:
            self.files[path] = html.encode("utf-8")

    def _crumb(self, col: str, name: str) -> str:
        return (
            f'<div class="crumb">当前位置：<a href="/index.html">首页</a> &gt; '
            f'<a href="/{col}/index.html">{name}</a></div>'
        )

    def _article(self, arts: list[Article], pos: int, name: str) -> None:
        art = arts[pos]
        paras = body_paragraphs(self.rng, art.col, art.date.year)
        source = self.rng.choice(DEPTS)
        parts = [
            self._crumb(art.col, name),
            f"<h1>{art.title}</h1>",
            f'<div class="info">发布时间：{art.date:%Y-%m-%d}　来源：{source}</div>',
            '<div class="content">',
        ]
        for i, para in enumerate(paras):
            parts.append(f"<p>{para}</p>")
            if i == 0 and art.image:
                img = art.image.rsplit("/", 1)[1]
                parts.append(f'<p style="text-align:center"><img src="./{img}"></p>')
        parts.append("</div>")
        if art.pdf:
            fname = art.pdf.rsplit("/", 1)[1]
            parts.append(f'<p class="attach">附件：<a href="./{fname}">{art.title}.pdf</a></p>')
        if art.attachment:
            fname = art.attachment.rsplit("/", 1)[1]
            ext = fname.rsplit(".", 1)[1]
            parts.append(f'<p class="attach">附件：<a href="./{fname}">{art.title}.{ext}</a></p>')
        for href, text in art.extra_links:
            if href.endswith((".jpg", ".png")):
                parts.append(f'<p><img src="{href}" alt="{text}"></p>')
            else:
                parts.append(f'<p>相关链接：<a href="{href}">{text}</a></p>')
        nav = []
        if pos > 0:
            nav.append(f'<a href="{arts[pos - 1].url}">上一篇：{arts[pos - 1].title}</a>')
        if pos + 1 < len(arts):
            nav.append(f'<a href="{arts[pos + 1].url}">下一篇：{arts[pos + 1].title}</a>')
        parts.append(f'<div class="prevnext">{"<br>".join(nav)}</div>')
        window = [a for a in arts[max(0, pos - 30) : pos + 30] if a is not art]
        related = self.rng.sample(window, k=min(RELATED, len(window)))
        items = "".join(f'<li><a href="{a.url}">{a.title}</a></li>' for a in related)
        parts.append(f'<div class="related"><h3>相关文章</h3><ul>{items}</ul></div>')
        self._page(art.url.lstrip("/"), art.title, "\n".join(parts))
        if art.image:
            self.files[art.image.lstrip("/")] = PNG_1PX
        if art.pdf:
            self.files[art.pdf.lstrip("/")] = PDF_MIN
        if art.attachment:
            self.files[art.attachment.lstrip("/")] = self._attachment_bytes(art, paras)

    def _column(self, col: str, name: str, arts: list[Article]) -> None:
        npages = max(1, math.ceil(len(arts) / PER_INDEX_PAGE))
        for page in range(1, npages + 1):
            chunk = arts[(page - 1) * PER_INDEX_PAGE : page * PER_INDEX_PAGE]
            # TRS lists articles relative to the column folder: ./202403/t20240315_1.html
            items = "".join(
                f'<li><a href="./{a.url.split("/", 2)[2]}">{a.title}</a><span>{a.date:%Y-%m-%d}</span></li>'
                for a in chunk
            )
            pager = [f'<a href="./{index_name(1)}">首页</a>']
            if page > 1:
                pager.append(f'<a href="./{index_name(page - 1)}">上一页</a>')
            for p in range(max(1, page - 2), min(npages, page + 2) + 1):
                link = f'<a href="./{index_name(p)}">{p}</a>'
                pager.append(f"<span>{p}</span>" if p == page else link)
            if page < npages:
                pager.append(f'<a href="./{index_name(page + 1)}">下一页</a>')
            pager.append(f'<a href="./{index_name(npages)}">尾页</a>')
            body = (
                f'{self._crumb(col, name)}<h2>{name}</h2><ul class="list">{items}</ul>'
                f'<div class="pager">共{npages}页 {" ".join(pager)}</div>'
            )
            self._page(f"{col}/{index_name(page)}", name, body)

    def _home(self) -> None:
        blocks = []
        for col, name, _ in COLUMNS:
            items = "".join(
                f'<li><a href="{a.url}">{a.title}</a><span>{a.date:%m-%d}</span></li>'
                for a in self.columns[col][:8]
            )
            blocks.append(
                f'<div class="block"><h2><a href="/{col}/index.html">{name}</a>'
                f'</h2><ul>{items}</ul><a href="/{col}/index.html">更多</a></div>'
            )
        self._page("index.html", "首页", "\n".join(blocks))

    def _static(self) -> None:
        for fname, title in STATIC_PAGES:
            if fname == "wzdt.html":
                body = "".join(f'<p><a href="/{c}/index.html">{n}</a></p>' for c, n, _ in COLUMNS)
            else:
                body = "".join(f"<p>{fill(self.rng.choice(SENTENCES), self.rng, 2024)}</p>" for _ in range(6))
            self._page(fname, title, f"<h2>{title}</h2>{body}")

    def build(self) -> None:
        self._home()
        for col, name, _ in COLUMNS:
            arts = self.columns[col]
            self._column(col, name, arts)
            for pos in range(len(arts)):
                self._article(arts, pos, name)
        self._static()
        self.files["css/style.css"] = b"body{font-family:sans-serif}.nav li{display:inline}\n"
        self.files["js/common.js"] = b"/* site script */\n"
        for img in SHARED_IMAGES:
            self.files[img.lstrip("/")] = PNG_1PX


def generate(
    out: Path, pages: int = 3000, seed: int = 1, gbk_share: float = 0.0, dead: int = 10,
    attachments: int = 0, attachment_kb: int = 100,
) -> dict[str, Any]:
    """Write the portal into `out` (which must not exist or be empty); return its manifest."""
    if not 0.0 <= gbk_share <= 1.0:
        raise ValueError("--gbk-share must be between 0 and 1")
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    portal = Portal(pages, seed, gbk_share, dead, attachments, attachment_kb)
    portal.build()
    for rel, data in portal.files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    html = [d for r, d in portal.files.items() if r.endswith(".html")]
    manifest: dict[str, Any] = {
        "pages": len(html),
        "articles": sum(len(a) for a in portal.columns.values()),
        "images": sum(1 for r in portal.files if r.endswith(".png")),
        "pdfs": sum(1 for r in portal.files if r.endswith(".pdf")),
        "attachments": sum(1 for arts in portal.columns.values() for a in arts if a.attachment),
        "attachment_bytes": sum(len(portal.files[a.attachment.lstrip("/")])
                                for arts in portal.columns.values() for a in arts if a.attachment),
        "files": len(portal.files),
        "html_bytes": sum(len(d) for d in html),
        "link_occurrences": portal.link_occurrences,
        "gbk_pages": portal.gbk_pages,
        "dead_links": portal.dead,
        "seed": seed,
        "checksum": f"{zlib.crc32(b''.join(d for _, d in sorted(portal.files.items()))):08x}",
    }
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=3000, help="HTML pages to write (default 3000)")
    ap.add_argument("--out", type=Path, required=True, help="output directory (new or empty)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--gbk-share",
        type=float,
        default=0.0,
        help="share of pages encoded in GBK with <meta charset=gb2312> (0..1)",
    )
    ap.add_argument("--dead", type=int, default=10, help="missing link targets to plant")
    ap.add_argument("--attachments", type=int, default=0, help="attachments with text to add (PDF, DOCX ...)")
    ap.add_argument("--attachment-kb", type=int, default=100, help="size of each attachment (default 100 KB)")
    ap.add_argument("--clean", action="store_true", help="delete --out first if it exists")
    args = ap.parse_args(argv)
    if args.clean and args.out.exists():
        shutil.rmtree(args.out)
    try:
        m = generate(args.out, args.pages, args.seed, args.gbk_share, args.dead, args.attachments,
                     args.attachment_kb)
    except (ValueError, FileExistsError) as exc:
        print(f"gen_portal: {exc}", file=sys.stderr)
        return 2
    print(
        f"{args.out}: {m['pages']} pages, {m['images']} images, {m['pdfs']} PDFs, "
        f"{m['attachments']} attachments ({m['attachment_bytes'] / 1e6:.1f} MB), "
        f"{m['link_occurrences']} links, {len(m['dead_links'])} dead targets, "
        f"{m['gbk_pages']} GBK pages, checksum {m['checksum']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
