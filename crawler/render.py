"""Text renderings for the terminal and for files: run summaries and finding lists."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from typing import Any

from crawler.external import CATEGORY_LABELS as EXTERNAL_CATEGORY_LABELS
from crawler.external import KIND_LABELS as EXTERNAL_KIND_LABELS
from crawler.hidden import CATEGORY_LABELS as HIDDEN_CATEGORY_LABELS
from crawler.hidden import KIND_LABELS as HIDDEN_KIND_LABELS
from crawler.inspection.labels import CATEGORY_LABELS as INSPECTION_CATEGORY_LABELS
from crawler.inspection.labels import KIND_LABELS as INSPECTION_KIND_LABELS
from crawler.outcomes import CATEGORY_LABELS
from crawler.store.availability import CATEGORY_LABELS as AVAILABILITY_CATEGORY_LABELS
from crawler.store.finalize import RunSummary
from crawler.store.lifecycle import STATUS_LABELS
from crawler.textcheck import category_label as text_category_label

KIND_LABELS = {
    "dead_link": "错链/死链",
    "unverified_link": "待核实链接",
    "wording": "错敏词",
    "privacy": "隐私信息",
    "unavailable": "网站无法访问",
    **INSPECTION_KIND_LABELS,
    **HIDDEN_KIND_LABELS,
    **EXTERNAL_KIND_LABELS,
}
SEVERITY_LABELS = {"serious": "严重错误", "general": "一般错误", "suspect": "疑似错误"}
RUN_STATUS_LABELS = {"complete": "完整", "incomplete": "不完整", "running": "进行中"}

CSV_HEADERS = ["编号", "问题类型", "类别", "问题内容", "建议修改", "状态", "严重程度",
               "页面数", "所在页面", "首次发现", "最近发现"]


def category_label(category: str | None) -> str:
    if not category:
        return ""
    if category in AVAILABILITY_CATEGORY_LABELS:
        return AVAILABILITY_CATEGORY_LABELS[category]
    return (CATEGORY_LABELS.get(category) or INSPECTION_CATEGORY_LABELS.get(category)
            or HIDDEN_CATEGORY_LABELS.get(category) or EXTERNAL_CATEGORY_LABELS.get(category)
            or text_category_label(category))


def _problem(row: dict[str, Any]) -> str:
    if row["kind"] in ("dead_link", "unverified_link"):
        return row["target"] or ""
    if row["kind"] in INSPECTION_KIND_LABELS:
        return row["context"] or row["text"] or ""
    return row["text"] or ""


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _fit(text: str, width: int) -> str:
    out, used = "", 0
    for ch in text:
        w = _width(ch)
        if used + w > width:
            return out[:-1] + "…" if out else "…"
        out += ch
        used += w
    return out + " " * (width - used)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}时{minutes:02d}分{secs:02d}秒" if hours else f"{minutes}分{secs:02d}秒"


def render_summary(s: RunSummary) -> str:
    lines = [
        f"巡检完成 run #{s.run_id} · 站点 {s.site} · {RUN_STATUS_LABELS.get(s.status, s.status)}"
        + (f" ({s.reason})" if s.status != "complete" else ""),
        f"  页面 {s.pages}  链接检查 {s.links}  用时 {_duration(s.duration_s)}",
        f"  错链/死链 {s.dead_links}  待核实链接 {s.unverified_links}"
        f"  错敏词 {s.wording}  隐私信息 {s.privacy}",
        f"  新发现问题 {s.new_findings}  机器确认已整改 {s.rectified}  重新打开 {s.reopened}"
        f"  本次未核实 {s.unverified}",
    ]
    if s.inspection:
        lines.append("  " + "  ".join(f"{INSPECTION_KIND_LABELS[k]} {n}" for k, n in s.inspection.items()))
    if s.hidden_links or s.external_changed:
        lines.append(f"  暗链 {s.hidden_links}  外链异常 {s.external_changed}")
    if s.attachments:
        lines.append(f"  附件 {s.attachments} 个，其中未检查 {len(s.unread_attachments)} 个")
        lines += [f"    未检查：{url}（{why.removeprefix('未检查：')}）"
                  for url, why in s.unread_attachments[:20]]
        if len(s.unread_attachments) > 20:
            lines.append(f"    …另有 {len(s.unread_attachments) - 20} 个未检查的附件")
    if s.failed:
        lines.append(f"  处理出错 {s.failed} 个页面或链接（见日志）")
    if s.status != "complete":
        lines.append("  本次巡检不完整：不会把任何问题标记为已整改。")
    elif s.unverified:
        lines.append(f"  {s.unverified} 个待整改问题所在页面本次未能完整读取，保持原状态，未计为已整改。")
    return "\n".join(lines) + "\n"


def render_findings(rows: list[dict[str, Any]], fmt: str) -> str:
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(CSV_HEADERS)
        for r in rows:
            writer.writerow([
                r["id"], KIND_LABELS.get(r["kind"], r["kind"]), category_label(r["category"]),
                _problem(r), r["suggestion"] or r["error"] or "", STATUS_LABELS.get(r["status"], r["status"]),
                SEVERITY_LABELS.get(r["severity"], r["severity"] or ""), len(r["pages"]),
                "\n".join(r["pages"]), r["first_seen"], r["last_seen"],
            ])
        return buf.getvalue()
    if not rows:
        return "没有符合条件的问题。\n"
    cols = [("编号", 5), ("问题类型", 10), ("类别", 22), ("问题内容", 48), ("状态", 6), ("页面", 5)]
    out = ["  ".join(_fit(name, w) for name, w in cols).rstrip()]
    for r in rows:
        cells = [str(r["id"]), KIND_LABELS.get(r["kind"], r["kind"]), category_label(r["category"]),
                 _problem(r), STATUS_LABELS.get(r["status"], r["status"]), str(len(r["pages"]))]
        out.append("  ".join(_fit(c, w) for c, (_, w) in zip(cells, cols, strict=True)).rstrip())
    out.append(f"共 {len(rows)} 条")
    return "\n".join(out) + "\n"
