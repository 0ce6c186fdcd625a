"""The figures as an Excel workbook (openpyxl): a summary sheet and one sheet per breakdown.

Rates and shares stay numeric fractions (0.83) so spreadsheets can compute with them; their cells
carry a percentage number format, so they read as 83.0 %."""

from __future__ import annotations

import csv
import io
from typing import Any, NamedTuple

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


class _Figure(NamedTuple):
    part: str  # the part of the report (or of a breakdown row) the figure is in
    label: str
    rate: bool  # a fraction, shown in percent format


def _figures() -> dict[str, _Figure]:
    """Every figure the files show, by its key: the one table the summary, breakdown and trend
    sheets take their headers from (built per call: the labels in the request's language)."""
    return {
        "cases": _Figure("cases", _("办件数"), False),
        "first_pass_rate": _Figure("cases", _("首次提交通过率"), True),
        "first_pass_rate_with_precheck": _Figure("cases", _("经预检的首次提交通过率"), True),
        "one_go_supplement_rate": _Figure("cases", _("一次性补正率"), True),
        "one_go_supplement_rate_companies": _Figure("cases", _("企业一次性补正率"), True),
        "avg_visits": _Figure("cases", _("件均跑动次数"), False),
        "zero_visit_share": _Figure("cases", _("零跑动办件占比"), True),
        "local_share": _Figure("cases", _("街道社区办件占比"), True),
        "overdue_rate": _Figure("cases", _("超期率"), True),
        "error_rate": _Figure("cases", _("差错率"), True),
        "tickets": _Figure("waits", _("叫号数"), False),
        "avg_wait_minutes": _Figure("waits", _("平均等候（分钟）"), False),
        "p90_wait_minutes": _Figure("waits", _("90%等候（分钟）"), False),
        "matters": _Figure("matters", _("事项数"), False),
        "zero_visit_matter_share": _Figure("matters", _("零跑动事项占比"), True),
        "five_star_matter_share": _Figure("matters", _("五星级事项占比"), True),
        "ratings": _Figure("satisfaction", _("评价数"), False),
        "avg_score": _Figure("satisfaction", _("平均评分"), False),
        "satisfied_share": _Figure("satisfaction", _("满意率"), True),
        "bad_ratings": _Figure("followups", _("差评数"), False),
        "callback_rate": _Figure("followups", _("实名差评回访率"), True),
    }


#: the columns of every breakdown sheet (point, department, matter, agency)
BREAKDOWN_FIGURES = (
    "cases",
    "first_pass_rate",
    "one_go_supplement_rate",
    "avg_visits",
    "zero_visit_share",
    "local_share",
    "overdue_rate",
    "error_rate",
    "tickets",
    "avg_wait_minutes",
    "p90_wait_minutes",
    "ratings",
    "avg_score",
    "satisfied_share",
)
#: the weekly series of the trend sheet
TREND_FIGURES = (
    "cases",
    "tickets",
    "avg_wait_minutes",
    "p90_wait_minutes",
    "first_pass_rate",
    "one_go_supplement_rate",
    "zero_visit_share",
    "avg_visits",
    "local_share",
    "overdue_rate",
    "satisfied_share",
)
#: the summary's figures before and after its visit counts
_SUMMARY_HEAD = (
    "tickets",
    "avg_wait_minutes",
    "p90_wait_minutes",
    "cases",
    "first_pass_rate",
    "first_pass_rate_with_precheck",
    "one_go_supplement_rate",
    "one_go_supplement_rate_companies",
    "avg_visits",
)
_SUMMARY_TAIL = (
    "zero_visit_share",
    "local_share",
    "overdue_rate",
    "matters",
    "zero_visit_matter_share",
    "five_star_matter_share",
    "ratings",
    "avg_score",
    "satisfied_share",
    "bad_ratings",
    "callback_rate",
)


def _figure_rows(figures: dict[str, Any], keys: tuple[str, ...]) -> list[tuple[str, Any, bool]]:
    """(header, value, is a rate) of ``keys`` in ``figures`` (the report's, or a breakdown
    row's: both are grouped by part)."""
    table = _figures()
    rows = []
    for key in keys:
        figure = table[key]
        rows.append((figure.label, figures[figure.part][key], figure.rate))
    return rows


def summary_rows(report: dict[str, Any]) -> list[tuple[str, Any, bool]]:
    """(label, value, is a rate) for the summary sheet."""
    f = report["figures"]
    visits = f["cases"]["visits"]
    return [
        (_("区县"), report["district"]["name"], False),
        (_("起始日期"), report["period"]["since"] or "", False),
        (_("截止日期"), report["period"]["until"] or "", False),
        (_("数据截至"), as_of_text(report), False),
        *_figure_rows(f, _SUMMARY_HEAD),
        (_("零跑动办件"), visits["0"], False),
        (_("跑动1次办件"), visits["1"], False),
        (_("跑动2次及以上办件"), visits["2+"], False),
        *_figure_rows(f, _SUMMARY_TAIL),
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
        table = _figures()
        header = [_("周（周一）")] + [table[k].label for k in TREND_FIGURES]
        rows = [
            [week] + [trend["series"][k][i] for k in TREND_FIGURES]
            for i, week in enumerate(trend.get("weeks", []))
        ]
        rates = [i + 1 for i, k in enumerate(TREND_FIGURES) if table[k].rate]
        return header, rows, rates
    first = [_("名称")] + ([_("编码")] if key != "agency" else [])
    for row in report["breakdowns"].get(key, []):
        head = [row["name"]] + ([row.get("code", "")] if key != "agency" else [])
        rows.append(head + [value for _h, value, _r in _figure_rows(row, BREAKDOWN_FIGURES)])
    table = _figures()
    header = first + [table[k].label for k in BREAKDOWN_FIGURES]
    rates = [len(first) + i for i, k in enumerate(BREAKDOWN_FIGURES) if table[k].rate]
    return header, rows, rates


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


def _append_table(sheet: Any, header: list[Any], rows: list[list[Any]], rates: Any) -> None:
    """A table from ``_table`` on ``sheet``, its rate columns (0-based) in percent format."""
    sheet.append(header)
    for row in rows:
        sheet.append(row)
        for column in rates:
            sheet.cell(row=sheet.max_row, column=column + 1).number_format = PERCENT


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
    for by, title in SHEETS:
        _append_table(wb.create_sheet(title), *_table(report, by))
        wb[title].column_dimensions["A"].width = 30
    if trend is not None:
        sheet = wb.create_sheet(_("每周趋势"))
        _append_table(sheet, *_table(report, "trend", trend))
        sheet.column_dimensions["A"].width = 14
    for sheet in wb.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
