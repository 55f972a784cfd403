"""The XLSX report: one sheet per table, numbers as numbers."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from crawler.localtime import minute
from crawler.report.tables import all_tables

_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")


def render_xlsx(report: dict[str, Any]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for table in all_tables(report):
        ws = wb.create_sheet(table.name[:31])
        ws.append(table.headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = _HEADER_FILL
            cell.alignment = Alignment(horizontal="center", wrap_text=True)
        for row in table.rows:
            ws.append(row)
        ws.freeze_panes = "A2"
        for i, header in enumerate(table.headers, start=1):
            longest = max([_width(header)] + [_width(r[i - 1]) for r in table.rows])
            ws.column_dimensions[get_column_letter(i)].width = min(80, max(8, longest + 2))
    info = wb.create_sheet("说明")
    info.append(["项目", "内容"])
    info.append(["报告", f"{report['title']}网站巡检报告"])
    info.append(["统计时限", f"{report['start']} 至 {report['end']}"])
    info.append(["站点", report["site"] or "全部站点"])
    info.append(["生成时间", minute(report["generated_at"])])
    info.column_dimensions["A"].width = 12
    info.column_dimensions["B"].width = 40
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _width(value: Any) -> int:
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
