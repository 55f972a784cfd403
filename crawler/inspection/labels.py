"""The inspection findings' kinds and categories in Chinese (codes stay the keys)."""

from __future__ import annotations

from crawler.inspection.found import (
    ARTICLE_TAGS,
    BACKDATED,
    BAD_SITE_ID,
    COLUMN_TAGS,
    DUE,
    EMPTY_COLUMN,
    FOOTER_CONAC,
    FOOTER_ICP,
    FOOTER_POLICE,
    FOOTER_SITE_ID,
    NO_DATE,
    PAGE_STANDARD,
    SITE_TAGS,
    STALE,
    STALE_COLUMN,
    STALE_HOME,
)

# page_standard categories -> what is missing
STANDARD_LABELS = {
    **{f"meta_{t}": f"缺少页面标签 {t}" for t in (*SITE_TAGS, *COLUMN_TAGS, *ARTICLE_TAGS)},
    BAD_SITE_ID: "网站标识码格式不正确",
    f"footer_{FOOTER_SITE_ID}": "页脚缺少网站标识码",
    f"footer_{FOOTER_ICP}": "页脚缺少ICP备案号",
    f"footer_{FOOTER_POLICE}": "页脚缺少公安机关备案号",
    f"footer_{FOOTER_CONAC}": "页脚缺少党政机关网站标识",
}
KIND_LABELS = {
    STALE_COLUMN: "栏目不更新",
    EMPTY_COLUMN: "空白栏目",
    STALE_HOME: "首页不更新",
    BACKDATED: "伪造发稿日期",
    PAGE_STANDARD: "页面标签和页脚",
}
CATEGORY_LABELS = {
    STALE: "超期未更新",
    DUE: "临近更新期限",
    NO_DATE: "无发布日期",
    EMPTY_COLUMN: "空白栏目",
    BACKDATED: "发布日期早于首次发现",
    **STANDARD_LABELS,
}
