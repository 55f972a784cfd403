"""The 整改清单 (rectification list) as XLSX or CSV: one row per page to fix.

Crawled text is hostile: a cell that starts like a formula (= + - @) is written as text in
XLSX and with a leading apostrophe in CSV, so a spreadsheet never evaluates it.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from crawler.render import KIND_LABELS, category_label
from crawler.store.lifecycle import STATUS_LABELS
from crawler.store.sites import UNASSIGNED

HEADERS = ["序号", "问题类型", "问题内容", "建议修改", "所在页面", "页面标题", "责任单位", "首次发现", "状态"]
WIDTHS = [6, 22, 50, 24, 50, 30, 16, 12, 8]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")

_ADVICE = {
    "dead_link": "删除或更正该链接",
    "unverified_link": "人工核实该链接能否访问",
    "privacy": "删除或遮盖身份证号等个人信息",
}


def rows_of(findings: list[dict[str, Any]]) -> list[list[str]]:
    """One row per (finding, shown page), without the 序号; home pages first within a finding."""
    rows = []
    for f in findings:
        pages = f["shown"] or [{"page": "", "title": "", "anchor": "", "department": UNASSIGNED}]
        for p in pages:
            rows.append([
                f"{KIND_LABELS.get(f['kind'], f['kind'])}（{category_label(f['category'])}）",
                _problem(f, p),
                f["suggestion"] or _ADVICE.get(f["kind"], "删除或修改"),
                p["page"],
                p.get("title") or "",
                p.get("department") or UNASSIGNED,
                (f["first_seen"] or "")[:10],
                STATUS_LABELS.get(f["status"], f["status"]),
            ])
    return rows


def _problem(f: dict[str, Any], page: dict[str, Any]) -> str:
    if f["kind"] in ("dead_link", "unverified_link"):
        anchor = f"；链接文字「{page['anchor']}」" if page.get("anchor") else ""
        return f"{f['target'] or ''}（{f['error'] or category_label(f['category'])}{anchor}）"
    context = f"（上下文：…{f['context']}…）" if f.get("context") else ""
    return f"{f['text'] or ''}{context}"


def by_department(rows: list[list[str]]) -> dict[str, list[list[str]]]:
    groups: dict[str, list[list[str]]] = {}
    for row in rows:
        groups.setdefault(row[5], []).append(row)
    return dict(sorted(groups.items(), key=lambda kv: (kv[0] == UNASSIGNED, kv[0])))


def to_xlsx(findings: list[dict[str, Any]], *, split: bool = False) -> bytes:
    rows = rows_of(findings)
    groups = by_department(rows) if split else {"整改清单": rows}
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for name, group in (groups or {"整改清单": []}).items():
        ws = wb.create_sheet(_sheet_title(name, used))
        ws.append(HEADERS)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for n, row in enumerate(group, 1):
            ws.append([n, *row])
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith(_FORMULA_START):
                    cell.data_type = "s"  # text, never a formula
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        for i, width in enumerate(WIDTHS):
            ws.column_dimensions[chr(ord("A") + i)].width = width
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_csv(findings: list[dict[str, Any]], *, split: bool = False) -> bytes:
    """UTF-8 with a BOM, so Excel and WPS open it cleanly; grouped by department with `split`."""
    rows = rows_of(findings)
    if split:
        rows = [r for group in by_department(rows).values() for r in group]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADERS)
    for n, row in enumerate(rows, 1):
        writer.writerow([n, *(_csv_safe(v) for v in row)])
    return buf.getvalue().encode("utf-8-sig")


def _csv_safe(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _sheet_title(name: str, used: set[str]) -> str:
    base = _SHEET_BAD.sub("_", name).strip("'") or UNASSIGNED
    base = base[:31]
    title, n = base, 2
    while title.lower() in used:
        suffix = f"({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title
