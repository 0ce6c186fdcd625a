"""The figures as an Excel workbook (openpyxl): a summary sheet and one sheet per breakdown.

Rates and shares stay numeric fractions (0.83) so spreadsheets can compute with them; their cells
carry a percentage number format, so they read as 83.0 %."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

PERCENT = "0.0%"
#: how the page and the files write the as-of time (local time, to the second)
AS_OF_FORMAT = "Y-m-d H:i:s"


def as_of_text(report: dict[str, Any]) -> str:
    """The time the figures are current to (the last refresh of the roll-ups), in local time as
    the page shows it; "统计表尚未生成" when they were never built."""
    from django.utils import dateformat, timezone

    at = report.get("as_of")
    if at is None:
        return _("统计表尚未生成")
    return dateformat.format(timezone.localtime(at), AS_OF_FORMAT)


SHEETS = (
    ("point", "按网点"),
    ("department", "按部门"),
    ("matter", "按事项"),
    ("agency", "按代办机构"),
)


def _columns() -> list[tuple[str, Any, bool]]:
    """(header, getter on a breakdown row, is a rate) for every breakdown sheet."""
    return [
        (_("办件数"), lambda r: r["cases"]["cases"], False),
        (_("首次提交通过率"), lambda r: r["cases"]["first_pass_rate"], True),
        (_("一次性补正率"), lambda r: r["cases"]["one_go_supplement_rate"], True),
        (_("件均跑动次数"), lambda r: r["cases"]["avg_visits"], False),
        (_("零跑动办件占比"), lambda r: r["cases"]["zero_visit_share"], True),
        (_("街道社区办件占比"), lambda r: r["cases"]["local_share"], True),
        (_("超期率"), lambda r: r["cases"]["overdue_rate"], True),
        (_("差错率"), lambda r: r["cases"]["error_rate"], True),
        (_("叫号数"), lambda r: r["waits"]["tickets"], False),
        (_("平均等候（分钟）"), lambda r: r["waits"]["avg_wait_minutes"], False),
        (_("90%等候（分钟）"), lambda r: r["waits"]["p90_wait_minutes"], False),
        (_("评价数"), lambda r: r["satisfaction"]["ratings"], False),
        (_("平均评分"), lambda r: r["satisfaction"]["avg_score"], False),
        (_("满意率"), lambda r: r["satisfaction"]["satisfied_share"], True),
    ]


def summary_rows(report: dict[str, Any]) -> list[tuple[str, Any, bool]]:
    """(label, value, is a rate) for the summary sheet."""
    f = report["figures"]
    c, w, m, s = f["cases"], f["waits"], f["matters"], f["satisfaction"]
    return [
        (_("区县"), report["district"]["name"], False),
        (_("起始日期"), report["period"]["since"] or "", False),
        (_("截止日期"), report["period"]["until"] or "", False),
        (_("数据截至"), as_of_text(report), False),
        (_("叫号数"), w["tickets"], False),
        (_("平均等候（分钟）"), w["avg_wait_minutes"], False),
        (_("90%等候（分钟）"), w["p90_wait_minutes"], False),
        (_("办件数"), c["cases"], False),
        (_("首次提交通过率"), c["first_pass_rate"], True),
        (_("经预检的首次提交通过率"), c["first_pass_rate_with_precheck"], True),
        (_("一次性补正率"), c["one_go_supplement_rate"], True),
        (_("企业一次性补正率"), c["one_go_supplement_rate_companies"], True),
        (_("件均跑动次数"), c["avg_visits"], False),
        (_("零跑动办件"), c["visits"]["0"], False),
        (_("跑动1次办件"), c["visits"]["1"], False),
        (_("跑动2次及以上办件"), c["visits"]["2+"], False),
        (_("零跑动办件占比"), c["zero_visit_share"], True),
        (_("街道社区办件占比"), c["local_share"], True),
        (_("超期率"), c["overdue_rate"], True),
        (_("事项数"), m["matters"], False),
        (_("零跑动事项占比"), m["zero_visit_matter_share"], True),
        (_("五星级事项占比"), m["five_star_matter_share"], True),
        (_("评价数"), s["ratings"], False),
        (_("平均评分"), s["avg_score"], False),
        (_("满意率"), s["satisfied_share"], True),
        (_("差评数"), f["followups"]["bad_ratings"], False),
        (_("实名差评回访率"), f["followups"]["callback_rate"], True),
    ]


TABLE_KEYS = ("summary", "trend", "point", "department", "matter", "agency")


def _table(report: dict[str, Any], key: str, trend: dict[str, Any] | None = None):
    """(header, rows, which columns are rates) of one table of the dashboard."""
    rows: list[list[Any]] = []
    if key == "summary":
        figures = summary_rows(report)
        return [_("指标"), _("数值")], [[label, value] for label, value, _r in figures], None
    if key == "trend":
        trend = trend or {}
        series = _trend_columns()
        header = [_("周（周一）")] + [title for _k, title, _rate in series]
        rows = [
            [week] + [trend["series"][k][i] for k, _t, _rate in series]
            for i, week in enumerate(trend.get("weeks", []))
        ]
        rates = [i + 1 for i, (_k, _t, rate) in enumerate(series) if rate]
        return header, rows, rates
    cols = _columns()
    first = [_("名称")] + ([_("编码")] if key != "agency" else [])
    for row in report["breakdowns"].get(key, []):
        head = [row["name"]] + ([row.get("code", "")] if key != "agency" else [])
        rows.append(head + [get(row) for _h, get, _rate in cols])
    rates = [len(first) + i for i, (_h, _get, rate) in enumerate(cols) if rate]
    return first + [h for h, _get, _rate in cols], rows, rates


def _trend_columns() -> list[tuple[str, str, bool]]:
    return [
        ("cases", _("办件数"), False),
        ("tickets", _("叫号数"), False),
        ("avg_wait_minutes", _("平均等候（分钟）"), False),
        ("p90_wait_minutes", _("90%等候（分钟）"), False),
        ("first_pass_rate", _("首次提交通过率"), True),
        ("one_go_supplement_rate", _("一次性补正率"), True),
        ("zero_visit_share", _("零跑动办件占比"), True),
        ("avg_visits", _("件均跑动次数"), False),
        ("local_share", _("街道社区办件占比"), True),
        ("overdue_rate", _("超期率"), True),
        ("satisfied_share", _("满意率"), True),
    ]


def report_csv(report: dict[str, Any], key: str, *, trend: dict[str, Any] | None = None) -> str:
    """One table as CSV (UTF-8 with a BOM so spreadsheet programs read the Chinese right);
    rates as fractions, like the Excel cells under their percent format. The time the figures
    are current to: a row of the summary, a footer line (after an empty one) of the others."""
    header, rows, _rates = _table(report, key, trend)
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    if key != "summary":  # the summary holds it as a row; the other tables as a footer
        writer.writerow([])
        writer.writerow([_("数据截至"), as_of_text(report)])
    return buf.getvalue()


class _Line:
    """A file-like object whose ``write`` returns what it was given (csv.writer → one line)."""

    def write(self, value: str) -> str:
        return value


def drill_csv_lines(cases, *, chunk_size: int = 2000):
    """The cases behind a figure as CSV lines (number, matter, department, point, state, dates,
    visits), produced while the rows are read: a server-side cursor on PostgreSQL, so the
    memory stays constant however many cases there are. The lines are made after the view
    has returned, in the language of the request that asked for them."""
    from django.utils import translation

    return _drill_lines(cases, chunk_size=chunk_size, language=translation.get_language())


def _drill_lines(cases, *, chunk_size: int, language: str | None):
    from django.utils import translation

    from onetrip.cases import states as S

    writer = csv.writer(_Line())
    with translation.override(language):
        yield from _drill_rows(cases, writer, S, chunk_size)


def _drill_rows(cases, writer, S, chunk_size: int):
    yield "\ufeff" + writer.writerow(
        [
            _("办件编号"),
            _("事项"),
            _("承办部门"),
            _("受理网点"),
            _("状态"),
            _("提交时间"),
            _("承诺办结日期"),
            _("跑动次数"),
            _("补正次数"),
        ]
    )
    lines: list[str] = []
    for c in cases.iterator(chunk_size=chunk_size):
        if len(lines) >= 500:  # a few tens of kilobytes per write
            yield "".join(lines)
            lines = []
        lines.append(
            writer.writerow(
                [
                    c.number,
                    c.matter.name,
                    c.department.name,
                    c.point.name,
                    S.state_label(c.state),
                    c.submitted_at.isoformat() if c.submitted_at else "",
                    c.promised_due.isoformat() if c.promised_due else "",
                    c.visit_count,
                    c.supplement_rounds,
                ]
            )
        )
    yield "".join(lines)


def drill_csv(cases) -> str:
    """``drill_csv_lines`` in one string."""
    return "".join(drill_csv_lines(cases))


def metrics_workbook(report: dict[str, Any], *, trend: dict[str, Any] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "总览"
    ws.append([_("指标"), _("数值")])
    for label, value, rate in summary_rows(report):
        ws.append([label, value])
        if rate:
            ws.cell(row=ws.max_row, column=2).number_format = PERCENT
    ws.column_dimensions["A"].width = 28
    cols = _columns()
    for by, title in SHEETS:
        sheet = wb.create_sheet(title)
        first = [_("名称")] + ([_("编码")] if by != "agency" else [])
        sheet.append(first + [h for h, _get, _rate in cols])
        rate_columns = [len(first) + i + 1 for i, (_h, _get, rate) in enumerate(cols) if rate]
        for row in report["breakdowns"].get(by, []):
            head = [row["name"]] + ([row.get("code", "")] if by != "agency" else [])
            sheet.append(head + [get(row) for _h, get, _rate in cols])
            for column in rate_columns:
                sheet.cell(row=sheet.max_row, column=column).number_format = PERCENT
        sheet.column_dimensions["A"].width = 30
    if trend is not None:
        header, rows, rates = _table(report, "trend", trend)
        sheet = wb.create_sheet(_("每周趋势"))
        sheet.append(header)
        for row in rows:
            sheet.append(row)
            for column in rates:
                sheet.cell(row=sheet.max_row, column=column + 1).number_format = PERCENT
        sheet.column_dimensions["A"].width = 14
    for sheet in wb.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
