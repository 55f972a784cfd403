"""Post a run summary to a webhook: 企业微信 / 钉钉 group robots, or any tool that reads JSON.

Both robots take the same text message, `{"msgtype": "text", "text": {"content": "..."}}`, POSTed
as UTF-8 JSON. 企业微信 caps `content` at 2048 bytes. Both answer HTTP 200 even when they refuse
a message and put the verdict in `{"errcode": ..., "errmsg": ...}` (钉钉 310000: the robot's
keyword is missing from the content, or the signature is wrong), so that body is checked too.
The content always contains 读网, which can serve as a 钉钉 robot's security keyword.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from crawler import __version__
from crawler.errors import DuwangError
from crawler.localtime import minute

STYLES = ("text", "wecom", "dingtalk", "json")
CONTENT_MAX_BYTES = 2048  # 企业微信 text content limit; 钉钉 allows more
SUMMARY_FIELDS = (
    "run_id", "site", "status", "reason", "pages", "links", "dead_links", "unverified_links",
    "wording", "privacy", "new_findings", "rectified", "reopened", "unverified", "started_at",
    "finished_at", "duration_s", "failed", "scorecard",
    "hidden_links", "external_changed", "attachments", "unread_attachments",
)
REASON_LABELS = {
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


class NotifyError(DuwangError):
    """The webhook could not be reached or refused the message; the message is one line."""


def _time(value: Any) -> str:
    """An ISO timestamp as `YYYY-MM-DD HH:MM` in Beijing time (DUWANG_TIMEZONE), whatever the
    server's clock: what staff read everywhere (crawler.localtime)."""
    return minute(str(value)) if value else "—"


def _duration(seconds: Any) -> str:
    if seconds is None:
        return "—"
    total = max(0, round(float(seconds)))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    if h:
        return f"{h}小时{m:02d}分{s:02d}秒"
    if m:
        return f"{m}分{s:02d}秒"
    return f"{s}秒"


def _truncate_utf8(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - len("…".encode())].decode("utf-8", "ignore") + "…"


def summary_text(summary: dict[str, Any]) -> str:
    """The summary as Chinese plain text, one item a line, within the 企业微信 byte limit."""
    complete = summary.get("status") == "complete"
    reason = summary.get("reason") or ""
    state = "巡检完整" if complete else "巡检不完整"
    if not complete and reason:
        state += f"（{REASON_LABELS.get(reason, '其他原因')}）"  # never a code name
    g = summary.get
    lines = [
        f"【读网巡检】{g('site', '')} · {state}",
        f"运行编号：#{g('run_id', '')}",
        f"开始时间：{_time(g('started_at'))}",
        f"结束时间：{_time(g('finished_at'))}",
        f"用时：{_duration(g('duration_s'))}",
        f"页面数：{g('pages', 0)}  链接检查：{g('links', 0)}",
        f"新发现问题：{g('new_findings', 0)}",
        f"机器确认已整改：{g('rectified', 0)}  重新出现：{g('reopened', 0)}",
        f"本次未核实：{g('unverified', 0)}",
        *([f"处理出错：{g('failed')}（页面或链接，见日志）"] if g("failed") else []),
        f"错链/死链：{g('dead_links', 0)}  待核实链接：{g('unverified_links', 0)}",
        f"错敏词：{g('wording', 0)}",
        f"隐私信息：{g('privacy', 0)}",
        *([f"暗链：{g('hidden_links', 0)}  外链异常：{g('external_changed', 0)}"]
          if g("hidden_links") or g("external_changed") else []),
        # (url, why) of each attachment not read: counted here, listed in the run summary
        *([f"附件：{g('attachments')}（未检查 {len(g('unread_attachments') or [])}）"]
          if g("attachments") else []),
    ]
    if not complete:
        lines.append("本次巡检不完整，未将任何问题标记为已整改。")
    card = g("scorecard")
    if card:
        failing = [v for v in card["vetoes"] if v["state"] == "failing"]
        if failing:
            # A failing veto item fails the site whatever else it found: it opens the notice.
            lines.insert(0, "【单项否决】" + "；".join(f"{v['label']}：{v['figures']}" for v in failing))
        warned = [v["label"] for v in card["vetoes"] if v["state"] == "warning"]
        lines.append(f"指标自检：{card['verdict_label']}，估算得分 {card['score']:g}"
                     f"（扣分 {card['deducted']:g}，{card['pass_mark']:g} 分合格）")
        if warned:
            lines.append("预警：" + "、".join(warned))
    return _truncate_utf8("\n".join(lines), CONTENT_MAX_BYTES)


def build_payload(summary: dict[str, Any], style: str = "text") -> dict[str, Any]:
    """The webhook body for `style`.

    "text", "wecom" and "dingtalk" give the robot text message (the same body: only `msgtype`
    and `text` at the top level, which both robots accept). "json" gives a plain object with
    every summary field (missing ones as null, extra ones kept) plus `source` and `text` (the
    Chinese summary), for other tools.
    """
    if style not in STYLES:
        raise NotifyError(f"unknown webhook style {style!r}; use one of: {', '.join(STYLES)}")
    content = summary_text(summary)
    if style == "json":
        fields = {k: summary.get(k) for k in SUMMARY_FIELDS}
        extra = {k: v for k, v in summary.items() if k not in fields}  # e.g. the runner's `error`
        return {"source": "duwang", **fields, **extra, "text": content}
    return {"msgtype": "text", "text": {"content": content}}


def _robot_error(body: bytes) -> str | None:
    """The refusal in a robot's `{"errcode": N, "errmsg": ...}` answer, or None if there is none."""
    try:
        answer = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if isinstance(answer, dict) and answer.get("errcode") not in (None, 0, "0"):
        return f"errcode {answer['errcode']}: {answer.get('errmsg', '')}"
    return None


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def post_webhook(url: str, payload: dict[str, Any], timeout: float = 10) -> None:
    """POST `payload` as UTF-8 JSON to `url`; raise NotifyError (one line) when it does not get through."""
    if not url.startswith(("http://", "https://")):
        raise NotifyError(f"webhook URL must start with http:// or https://: {_one_line(url, 100)}")
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=data, method="POST",
        headers={"Content-Type": "application/json; charset=utf-8",
                 "User-Agent": f"duwang/{__version__}"},
    )
    where = urllib.parse.urlsplit(url).netloc  # never the query: robot tokens live there
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise NotifyError(f"webhook {where} answered HTTP {exc.code} {_one_line(exc.reason)}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise NotifyError(f"webhook {where} did not answer within {timeout:g} s") from None
        if isinstance(reason, ConnectionRefusedError):
            raise NotifyError(f"webhook {where} refused the connection") from None
        raise NotifyError(f"webhook {where} unreachable: {_one_line(reason)}") from None
    except TimeoutError:
        raise NotifyError(f"webhook {where} did not answer within {timeout:g} s") from None
    except (OSError, http.client.HTTPException) as exc:
        raise NotifyError(f"webhook {where} failed: {_one_line(exc) or type(exc).__name__}") from None
    refusal = _robot_error(body)
    if refusal:
        raise NotifyError(f"webhook {where} refused the message: {_one_line(refusal)}")
