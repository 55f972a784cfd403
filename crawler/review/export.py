"""The 整改清单 (rectification list) as XLSX or CSV: one row per page to fix.

A template (公共区域) finding is one row, whatever the number of its pages: 所在页面 says
涉及 N 页 and lists a sample of them, 栏目 is 公共区域 and 责任单位 its template owner
(crawler.store.template), so a footer typo on 3,000 pages is one line of one sheet.

Each row carries the finding's 编号 and a link to it, so a department's returned sheet can
be matched back. The XLSX has a title row (what, whose, when), an autofilter on the header
row and one sheet per department on request; the file name says the site, the kind and the
date. Everything is in Chinese and in the configured time zone (crawler.labels,
crawler.localtime).

Crawled text is hostile: a cell that starts like a formula (= + - @) is written as text in
XLSX and with a leading apostrophe in CSV, so a spreadsheet never evaluates it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from copy import copy
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from crawler import localtime
from crawler.labels import KIND_LABELS, SEVERITY_LABELS, category_label, error_label
from crawler.store.feedback import PENDING, REJECTED
from crawler.store.lifecycle import STATUS_LABELS
from crawler.store.sites import UNASSIGNED
from crawler.store.template import TEMPLATE_LABEL

HEADERS = ["序号", "编号", "问题类型", "严重程度", "问题内容", "建议修改", "所在页面", "页面标题", "首页",
           "栏目", "责任单位", "首次发现", "状态", "整改反馈", "问题链接"]
WIDTHS = [6, 7, 20, 10, 50, 24, 46, 28, 6, 14, 16, 17, 8, 30, 36]
DEPARTMENT_COLUMN = HEADERS.index("责任单位") - 1  # in a row without its 序号
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_FILE_BAD = re.compile(r'[\\/:*?"<>|\s]+')

TEMPLATE_SAMPLE = 5  # pages listed in a template finding's row

_ADVICE = {
    "dead_link": "删除或更正该链接",
    "unverified_link": "人工核实该链接能否访问",
    "privacy": "删除或遮盖身份证号等个人信息",
}


def rows_of(findings: list[dict[str, Any]], link: Callable[[int], str] | None = None) -> list[list[Any]]:
    """One row per (finding, shown page), without the 序号; home pages first within a finding."""
    rows = []
    for f in findings:
        if f.get("template") and f["shown"]:
            rows.append(_template_row(f, link))
            continue
        pages = f["shown"] or [{"page": "", "title": "", "anchor": "", "is_home": False,
                                "department": UNASSIGNED, "column": UNASSIGNED}]
        for p in pages:
            rows.append([
                f["id"],
                f"{KIND_LABELS.get(f['kind'], f['kind'])}（{category_label(f['category'])}）",
                SEVERITY_LABELS.get(f["severity"] or "", ""),
                _problem(f, p),
                f["suggestion"] or _ADVICE.get(f["kind"], "删除或修改"),
                p["page"],
                p.get("title") or "",
                "是" if p.get("is_home") else "",
                p.get("column") or UNASSIGNED,
                p.get("department") or UNASSIGNED,
                localtime.minute(f["first_seen"]),
                STATUS_LABELS.get(f["status"], f["status"]),
                _feedback(f),
                link(f["id"]) if link else "",
            ])
    return rows


def _template_row(f: dict[str, Any], link: Callable[[int], str] | None) -> list[Any]:
    """One row for a template finding: 涉及 N 页 and a sample of its pages."""
    pages = f["shown"]
    sample = "\n".join(p["page"] for p in pages[:TEMPLATE_SAMPLE])
    more = "\n…" if len(pages) > TEMPLATE_SAMPLE else ""
    return [
        f["id"],
        f"{KIND_LABELS.get(f['kind'], f['kind'])}（{category_label(f['category'])}）",
        SEVERITY_LABELS.get(f["severity"] or "", ""),
        _problem(f, pages[0]),
        f["suggestion"] or _ADVICE.get(f["kind"], "删除或修改"),
        f"涉及 {f.get('template_pages') or len(pages)} 页：\n{sample}{more}",
        pages[0].get("title") or "",
        "是" if any(p.get("is_home") for p in pages) else "",
        TEMPLATE_LABEL,
        pages[0].get("department") or UNASSIGNED,
        localtime.minute(f["first_seen"]),
        STATUS_LABELS.get(f["status"], f["status"]),
        _feedback(f),
        link(f["id"]) if link else "",
    ]


def _problem(f: dict[str, Any], page: dict[str, Any]) -> str:
    if f["kind"] in ("dead_link", "unverified_link"):
        anchor = f"；链接文字「{page['anchor']}」" if page.get("anchor") else ""
        return f"{f['target'] or ''}（{error_label(f['category'], f.get('http_status'))}{anchor}）"
    context = f"（上下文：…{f['context']}…）" if f.get("context") else ""
    return f"{f['text'] or ''}{context}"


def _feedback(f: dict[str, Any]) -> str:
    """The department's report or why the finding came back, for the sheet that goes out."""
    if f.get("returned"):
        r = f["returned"]
        return f"{r['label']}：{r['reason'] or ''}".rstrip("：")
    fb = f.get("feedback")
    if fb and fb["state"] == PENDING and f.get("waiting"):
        return f"已反馈整改，待复核：{fb['note']}"
    if fb and fb["state"] == REJECTED:
        return f"复核不通过：{fb['reason']}"
    return ""


def by_department(rows: list[list[Any]]) -> dict[str, list[list[Any]]]:
    groups: dict[str, list[list[Any]]] = {}
    for row in rows:
        groups.setdefault(row[DEPARTMENT_COLUMN], []).append(row)
    return dict(sorted(groups.items(), key=lambda kv: (kv[0] == UNASSIGNED, kv[0])))


Group = tuple[str | None, Iterable[dict[str, Any]]]  # (sheet name, or None for one sheet; findings)


def to_xlsx(findings: list[dict[str, Any]], *, split: bool = False, link: Callable[[int], str] | None = None,
            title: str = "整改清单") -> bytes:
    """The XLSX of `findings` (grouped by department with `split`), as bytes."""
    if split:
        made = by_department(rows_of(findings, link))
        groups: list[Group] = [(name, _Rows(rows)) for name, rows in made.items()]
    else:
        groups = [(None, findings)]
    buf = io.BytesIO()
    write_xlsx(groups, buf, link=link, title=title)
    return buf.getvalue()


class _Rows(list):
    """Rows already made (by_department's groups): write_xlsx takes them as they are."""


def write_xlsx(groups: Iterable[Group], out: BinaryIO, *, link: Callable[[int], str] | None = None,
               title: str = "整改清单") -> None:
    """Write the 整改清单 to `out` a row at a time (openpyxl's write-only mode: the rows go to
    temporary files, not memory). One sheet per group that has rows; a group named None is the
    single sheet 整改清单. Characters XLSX cannot hold (control characters) are replaced."""
    wb = Workbook(write_only=True)
    used: set[str] = set()
    last = get_column_letter(len(HEADERS))
    bold, big = Font(bold=True), Font(bold=True, size=14)
    wrap: Any = None  # a cell's style, registered once (see _cell)
    made = 0
    for name, findings in groups:
        ws = None
        n = 0
        rows = findings if isinstance(findings, _Rows) else (r for f in findings for r in rows_of([f], link))
        for row in rows:
            if ws is None:
                ws = _sheet(wb, name, used, title, last, bold, big)
                made += 1
            if wrap is None:
                wrap = _wrapped(ws)
            n += 1
            ws.append([_cell(ws, v, wrap, width, link=i == len(row))
                       for i, (v, width) in enumerate(zip([n, *row], WIDTHS, strict=True))])
        if ws is not None:
            ws.auto_filter.ref = f"A2:{last}{max(2, n + 2)}"
    if not made:
        ws = _sheet(wb, None, used, title, last, bold, big)
        ws.auto_filter.ref = f"A2:{last}2"
    wb.save(out)


def _sheet(wb: Workbook, name: str | None, used: set[str], title: str, last: str, bold: Font,
           big: Font) -> Any:
    ws = wb.create_sheet(_sheet_title(xlsx_text(name or "整改清单"), used))
    for i, width in enumerate(WIDTHS, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A3"
    head = WriteOnlyCell(ws, value=xlsx_text(title if name is None else f"{title}（{name}）"))
    head.font = big
    ws.merged_cells.add(f"A1:{last}1")
    ws.append([head])
    header = []
    for h in HEADERS:
        cell = WriteOnlyCell(ws, value=h)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    return ws


def _wrapped(ws: Any) -> Any:
    """The style of a long cell (wrapped, top-aligned): openpyxl looks an alignment up in the
    workbook's tables each time one is set, so it is set once and its style array copied."""
    cell = WriteOnlyCell(ws, value="")
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell._style


def _cell(ws: Any, value: Any, style: Any, width: int, link: bool = False) -> Any:
    """A cell of `value`, wrapped when it is wider than its column (a styled cell costs
    openpyxl several times a plain value); a finding's link as a HYPERLINK formula of our own
    URL (a write-only sheet keeps each hyperlink object until it is saved)."""
    if value is None or value == "":
        return value
    if link:
        url = str(value).replace('"', '""')
        return WriteOnlyCell(ws, value=f'=HYPERLINK("{url}","{url}")')
    if not isinstance(value, str):
        return value
    value = xlsx_text(value)
    formula = value.startswith(_FORMULA_START)
    # Display width: a CJK character (3 bytes in UTF-8) is two columns wide.
    wide = "\n" in value or len(value) + (len(value.encode()) - len(value)) // 2 > width
    if not formula and not wide:
        return value
    cell = WriteOnlyCell(ws, value=value)
    if formula:
        cell.data_type = "s"  # text, never a formula
    if wide:
        cell._style = copy(style)
    return cell


def xlsx_text(value: Any) -> Any:
    """`value` with the characters an XLSX cell cannot hold (control characters; openpyxl's
    ILLEGAL_CHARACTERS_RE) replaced by U+FFFD: one bad page title never fails an export."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if isinstance(value, str) else value


def to_csv(findings: list[dict[str, Any]], *, split: bool = False,
           link: Callable[[int], str] | None = None) -> bytes:
    """UTF-8 with a BOM, so Excel and WPS open it cleanly; grouped by department with `split`.

    The header is the first line (no title row), so other tools read it as a table.
    """
    rows = rows_of(findings, link)
    if split:
        rows = [r for group in by_department(rows).values() for r in group]
    return b"".join(iter_csv([(None, _Rows(rows))], link=link))


def iter_csv(groups: Iterable[Group], *, link: Callable[[int], str] | None = None,
             batch: int = 500) -> Iterator[bytes]:
    """The CSV of the groups, in pieces of about `batch` rows (a streamed response)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    buf.write("\ufeff")
    writer.writerow(HEADERS)
    n = 0
    for _name, findings in groups:
        rows = findings if isinstance(findings, _Rows) else (r for f in findings for r in rows_of([f], link))
        for row in rows:
            n += 1
            writer.writerow([n, *(_csv_safe(v) for v in row)])
            if n % batch == 0:
                yield buf.getvalue().encode("utf-8")
                buf.seek(0)
                buf.truncate()
    yield buf.getvalue().encode("utf-8")


def _csv_safe(value: Any) -> Any:
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def _scope(findings: list[dict[str, Any]], f: Any, department: str | None) -> list[str]:
    """What the sheet holds: the site (when there is one), the kind, the department."""
    sites = {r["site"] for r in findings if r.get("site")}
    kind = KIND_LABELS.get(f.kind, "全部类型")
    return [*(sorted(sites) if len(sites) == 1 else []), kind, *([department] if department else [])]


def title(findings: list[dict[str, Any]], f: Any, department: str | None) -> str:
    """The title row, e.g. 整改清单 · 示范区政府门户 · 错敏词 · 区司法局 · 导出于 2026-12-01 08:30."""
    return " · ".join(["整改清单", *_scope(findings, f, department),
                       f"导出于 {localtime.now():%Y-%m-%d %H:%M}"])


def file_name(findings: list[dict[str, Any]], f: Any, department: str | None, fmt: str) -> str:
    """e.g. 整改清单-示范区政府门户-错敏词-区司法局-20261201.xlsx"""
    parts = ["整改清单", *_scope(findings, f, department), f"{localtime.today():%Y%m%d}"]
    return "-".join(_FILE_BAD.sub("_", p).strip("_.") or "_" for p in parts) + f".{fmt}"


def ascii_name(f: Any, fmt: str) -> str:
    """The fallback name for clients without RFC 6266 (filename*)."""
    kind = f.kind if f.kind in KIND_LABELS else "all"
    return f"zhenggai-qingdan-{kind}-{localtime.today():%Y%m%d}.{fmt}"


def _sheet_title(name: str, used: set[str]) -> str:
    base = _SHEET_BAD.sub("_", name).strip("'") or UNASSIGNED
    base = base[:31]
    sheet, n = base, 2
    while sheet.lower() in used:
        suffix = f"({n})"
        sheet, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(sheet.lower())
    return sheet
