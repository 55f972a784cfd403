"""Chinese labels for the report: kinds, categories, count columns."""

from __future__ import annotations

from crawler.inspection.labels import CATEGORY_LABELS as INSPECTION_CATEGORY_LABELS
from crawler.labels import category_label as ui_category_label
from crawler.render import KIND_LABELS
from crawler.textcheck.codes import DEFAULT_CATEGORIES
from crawler.textcheck.codes import category_label as text_category_label

WORDING_CATEGORIES: tuple[str, ...] = DEFAULT_CATEGORIES  # sensitive, serious, outdated, typo

# The count columns of every table, in order, with their headers.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("found", "新发现"),
    ("rectified", "已整改"),
    ("rectified_staff", "其中人工标记"),
    ("rectified_machine", "其中机器复核"),
    ("false_positive", "误报"),
    ("ignored", "忽略"),
    ("reopened", "重新出现"),
    ("open_at_end", "期末待整改"),
    ("median_days", "整改中位天数"),
)

RUN_LABELS = {
    "runs": "巡检次数",
    "complete": "完整巡检",
    "incomplete": "不完整巡检",
    "running": "进行中",
    "pages": "巡检页面数",
    "links": "链接检查数",
}

HEADLINE_LABELS = {
    "dead_links_found": "发现错链、死链",
    "dead_links_cleared": "清除错链、死链",
    "wording_found": "发现错敏词",
    "wording_rectified": "整改错敏词",
    "privacy_found": "发现隐私信息",
    "privacy_removed": "清除隐私信息",
    "unverified_links_found": "待核实链接(不计入错链)",
}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def category_label(kind: str, category: str) -> str:
    if kind in ("dead_link", "unverified_link"):
        return ui_category_label(category) or "其他"
    if category in INSPECTION_CATEGORY_LABELS:
        return INSPECTION_CATEGORY_LABELS[category]
    return text_category_label(category) if category else "其他"


def suspect_note(n: int) -> str:
    """The report's line on suspect typos found in the period that staff have not confirmed."""
    return f"另发现疑似错误 {n} 个，未经人工确认，不计入以上统计"


def unproven_note(n: int) -> str:
    """The report's line on rectifications an older version made without evidence."""
    return f"另有 {n} 个问题由旧版本仅因未再发现即关闭，未经读取核实，不计入已整改"
