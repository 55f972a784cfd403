"""What a person reads, in Chinese: labels for every code, error and message.

The review UI, its exports and the reports take their words from here, so no code name
(`http_4xx`), raw exception (`CannotResolveHostError: ...`) or English library message
reaches staff or departments. The raw text is kept in the store and shown only on a
finding's page, behind 技术详情.

Labels contain no Latin letters: a status code is written 4××, a protocol is named in
Chinese. Codes stay the keys (CONVENTIONS: stable codes, filters key on the code).
"""

from __future__ import annotations

import re

from crawler.errors import DuwangError
from crawler.external import CATEGORY_LABELS as _EXTERNAL_LABELS
from crawler.hidden import CATEGORY_LABELS as _HIDDEN_LABELS
from crawler.inspection.labels import CATEGORY_LABELS as _INSPECTION_LABELS
from crawler.outcomes import CATEGORY_LABELS as _OUTCOME_LABELS
from crawler.render import KIND_LABELS, SEVERITY_LABELS
from crawler.store.availability import CATEGORY_LABELS as _AVAILABILITY_LABELS
from crawler.store.lifecycle import MACHINE, STATUS_LABELS
from crawler.textcheck.codes import category_label as _text_category_label

__all__ = [
    "KIND_LABELS", "SEVERITY_LABELS", "STATUS_LABELS", "LINK_CATEGORY_LABELS", "RUN_STATUS_LABELS",
    "RUN_REASON_LABELS", "FIELD_LABELS", "FILE_KIND_LABELS", "actor_label", "category_label", "error_label",
    "http_status_label", "recheck_detail_label", "run_state_label", "user_message",
]

# Link categories (crawler/outcomes.py) in words a department understands.
LINK_CATEGORY_LABELS: dict[str, str] = {
    "http_4xx": "网页打不开（4××错误）",
    "http_5xx": "服务器错误（5××错误）",
    "soft_404": "页面提示不存在",
    "redirect_loop": "重定向循环",
    "too_many_redirects": "重定向次数过多",
    "timeout": "访问超时",
    "dns": "域名无法解析",
    "blocked_address": "内网或保留地址（不予访问）",
    "refused": "连接被拒绝",
    "reset": "连接被重置",
    "tls": "安全证书或加密连接错误",
    "error": "其他访问错误",
    "invalid_url": "链接地址无效",
    "malformed_url": "链接地址无效",
    "rate_limited": "访问频率受限（待核实）",
    "blocked": "被防火墙拦截（待核实）",
    "too_large": "文件过大未下载（待核实）",
}

_HTTP_STATUS: dict[int, str] = {
    400: "请求无效", 401: "需要登录", 403: "禁止访问", 404: "页面不存在", 405: "请求方式不被接受",
    408: "请求超时", 410: "页面已删除", 429: "访问过于频繁", 451: "因法律原因不可访问",
    500: "服务器内部错误", 501: "服务器不支持", 502: "网关错误", 503: "服务暂不可用", 504: "网关超时",
}

RUN_STATUS_LABELS = {"complete": "完整", "incomplete": "不完整", "running": "进行中"}
# Why a run ended (runs.reason); the webhook's own copy is crawler/notify.py REASON_LABELS.
RUN_REASON_LABELS = {
    "finished": "正常结束",
    "max_pages": "达到页面数上限",
    "shutdown": "被中断",
    "killed": "进程被终止",
    "start_url_failed": "起始网址无法访问",
    "start_page_placeholder": "首页为维护或占位页面",
    "shrunk": "读取页面数远少于上次完整巡检",
    "write_error": "数据库写入失败",
    "textcheck_failed": "文本检查进程异常退出",
    "page_failed": "有页面处理出错",
    "check_failed": "有链接检查处理出错",
}

# Where on a page a wording or privacy finding sits (occurrences.element for text kinds).
FIELD_LABELS = {"title": "页面标题", "body": "正文", "meta": "页面描述", "alt": "图片说明",
                "attachment": "附件正文", "link": "链接"}
# The type of an attachment (pages.file_kind), as staff name it.
FILE_KIND_LABELS = {"pdf": "PDF 文件", "docx": "Word 文档", "doc": "Word 文档（旧版）", "xlsx": "Excel 表格",
                    "xls": "Excel 表格（旧版）", "ofd": "OFD 文件", "unknown": "附件", "file": "附件"}

_LATIN = re.compile(r"[A-Za-z]")


def category_label(category: str | None) -> str:
    """A link or wording category in Chinese; a custom wordlist category keeps its own name."""
    if not category:
        return ""
    if category in LINK_CATEGORY_LABELS:
        return LINK_CATEGORY_LABELS[category]
    if category in _OUTCOME_LABELS:  # a category added since: its own label, never the code
        return _OUTCOME_LABELS[category]
    if category in _AVAILABILITY_LABELS:  # duwang watch's unavailable findings
        return _AVAILABILITY_LABELS[category]
    if category in _INSPECTION_LABELS:
        return _INSPECTION_LABELS[category]
    if category in _HIDDEN_LABELS:  # 暗链 and cloaking (crawler/hidden.py)
        return _HIDDEN_LABELS[category]
    if category in _EXTERNAL_LABELS:  # hijacked external hosts (crawler/external.py)
        return _EXTERNAL_LABELS[category]
    return _text_category_label(category)


def http_status_label(status: int) -> str:
    """`404` -> `页面不存在（404）`."""
    if status in _HTTP_STATUS:
        return f"{_HTTP_STATUS[status]}（{status}）"
    if 400 <= status < 500:
        return f"网页打不开（{status}）"
    if status >= 500:
        return f"服务器错误（{status}）"
    return f"状态码 {status}"


def error_label(category: str | None, http_status: int | None = None) -> str:
    """What went wrong with a link, in Chinese: the HTTP status itself when that is the error."""
    if category in ("http_4xx", "http_5xx") and http_status:
        return http_status_label(http_status)
    return category_label(category) or "其他访问错误"


# A recheck's per-page detail (crawler/recheck.py) is stored as written; these read it.
_DETAIL_PREFIXES = ("链接已可访问：", "链接仍不可用：")
_HTTP_DETAIL = re.compile(r"^HTTP (\d{3})(?:, 页面提示「(.*)」)?(?: ?\((\w+)\))?$", re.S)
_WORD_DETAILS = (
    ("refused", "连接被拒绝"),
    ("reset", "连接被重置"),
    ("timeout", "访问超时"),
    ("timed out", "访问超时"),
    ("dns", "域名无法解析"),
    ("tls", "安全证书或加密连接错误"),
    ("ssl", "安全证书或加密连接错误"),
)


def recheck_detail_label(detail: str | None) -> str:
    """A recheck's detail for one page, in Chinese (the raw text goes behind 技术详情)."""
    text = (detail or "").strip()
    for prefix in _DETAIL_PREFIXES:
        if text.startswith(prefix):
            return prefix + _access_detail(text[len(prefix):].strip())
    if text.startswith(("页面仍有「", "页面仍链接", "页面已无")):
        return text  # our own Chinese; the quoted word is the page's text
    return _access_detail(text)


def _access_detail(text: str) -> str:
    m = _HTTP_DETAIL.match(text)
    if m:
        status, said, code = int(m.group(1)), m.group(2), m.group(3)
        if said is not None:
            return f"页面提示「{said}」"
        if code and code not in ("http_4xx", "http_5xx"):
            return category_label(code)
        return http_status_label(status) if status >= 400 else f"可以访问（{status}）"
    lowered = text.lower()
    if "重定向循环" in text:
        return "重定向循环或次数过多"
    if "重定向到非" in text:
        return "重定向到无效地址"
    if "不是 http" in lowered:
        return "链接地址无效，无法访问"
    for word, label in _WORD_DETAILS:
        if lowered.startswith(word) or f"({word})" in lowered:
            return label
    if text and not _LATIN.search(text):
        return text
    return "其他访问错误"


def run_state_label(status: str | None, reason: str | None) -> str:
    """`complete` -> 完整; `incomplete`, `max_pages` -> 不完整（达到页面数上限）."""
    label = RUN_STATUS_LABELS.get(status or "", "未知")
    if status == "incomplete" and reason:
        label += f"（{RUN_REASON_LABELS.get(reason, '其他原因')}）"
    return label


def actor_label(actor: str | None) -> str:
    return "系统" if actor == MACHINE else (actor or "")


def user_message(exc: DuwangError) -> str:
    """The Chinese message of a library error for the UI; never the English CLI text."""
    return getattr(exc, "zh", "") or "操作未完成，请刷新页面后重试。"
