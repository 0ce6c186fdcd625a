"""The figures as an Excel workbook (openpyxl): a summary sheet and one sheet per breakdown."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

SHEETS = (
    ("point", "按网点"),
    ("department", "按部门"),
    ("matter", "按事项"),
    ("agency", "按代办机构"),
)


def _columns() -> list[tuple[str, Any]]:
    """(header, getter on a breakdown row) for every breakdown sheet."""
    return [
        (_("办件数"), lambda r: r["cases"]["cases"]),
        (_("首次提交通过率"), lambda r: r["cases"]["first_pass_rate"]),
        (_("一次性补正率"), lambda r: r["cases"]["one_go_supplement_rate"]),
        (_("件均跑动次数"), lambda r: r["cases"]["avg_visits"]),
        (_("零跑动办件占比"), lambda r: r["cases"]["zero_visit_share"]),
        (_("街道社区办件占比"), lambda r: r["cases"]["local_share"]),
        (_("超期率"), lambda r: r["cases"]["overdue_rate"]),
        (_("差错率"), lambda r: r["cases"]["error_rate"]),
        (_("叫号数"), lambda r: r["waits"]["tickets"]),
        (_("平均等候（分钟）"), lambda r: r["waits"]["avg_wait_minutes"]),
        (_("90%等候（分钟）"), lambda r: r["waits"]["p90_wait_minutes"]),
        (_("评价数"), lambda r: r["satisfaction"]["ratings"]),
        (_("平均评分"), lambda r: r["satisfaction"]["avg_score"]),
        (_("满意率"), lambda r: r["satisfaction"]["satisfied_share"]),
    ]


def summary_rows(report: dict[str, Any]) -> list[tuple[str, Any]]:
    f = report["figures"]
    c, w, m, s = f["cases"], f["waits"], f["matters"], f["satisfaction"]
    return [
        (_("区县"), report["district"]["name"]),
        (_("起始日期"), report["period"]["since"] or ""),
        (_("截止日期"), report["period"]["until"] or ""),
        (_("叫号数"), w["tickets"]),
        (_("平均等候（分钟）"), w["avg_wait_minutes"]),
        (_("90%等候（分钟）"), w["p90_wait_minutes"]),
        (_("办件数"), c["cases"]),
        (_("首次提交通过率"), c["first_pass_rate"]),
        (_("经预检的首次提交通过率"), c["first_pass_rate_with_precheck"]),
        (_("一次性补正率"), c["one_go_supplement_rate"]),
        (_("企业一次性补正率"), c["one_go_supplement_rate_companies"]),
        (_("件均跑动次数"), c["avg_visits"]),
        (_("零跑动办件"), c["visits"]["0"]),
        (_("跑动1次办件"), c["visits"]["1"]),
        (_("跑动2次及以上办件"), c["visits"]["2+"]),
        (_("零跑动办件占比"), c["zero_visit_share"]),
        (_("街道社区办件占比"), c["local_share"]),
        (_("超期率"), c["overdue_rate"]),
        (_("事项数"), m["matters"]),
        (_("零跑动事项占比"), m["zero_visit_matter_share"]),
        (_("五星级事项占比"), m["five_star_matter_share"]),
        (_("评价数"), s["ratings"]),
        (_("平均评分"), s["avg_score"]),
        (_("满意率"), s["satisfied_share"]),
    ]


def metrics_workbook(report: dict[str, Any]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "总览"
    ws.append([_("指标"), _("数值")])
    for label, value in summary_rows(report):
        ws.append([label, value])
    ws.column_dimensions["A"].width = 28
    cols = _columns()
    for by, title in SHEETS:
        sheet = wb.create_sheet(title)
        first = [_("名称")] + ([_("编码")] if by != "agency" else [])
        sheet.append(first + [h for h, _get in cols])
        for row in report["breakdowns"].get(by, []):
            head = [row["name"]] + ([row.get("code", "")] if by != "agency" else [])
            sheet.append(head + [get(row) for _h, get in cols])
        sheet.column_dimensions["A"].width = 30
    for sheet in wb.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
