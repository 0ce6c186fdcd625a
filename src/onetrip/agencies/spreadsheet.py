"""Reading a batch from a spreadsheet (openpyxl), defensively.

The sheet's first row must be exactly ``HEADER``; at most ``MAX_ROWS`` data rows; every cell is
read as a value (never a formula result) and any cell that is a formula or starts like one
(``= + - @``, the CSV/DDE injection prefixes, e.g. ``=cmd|' /C calc'!A0``) refuses the row, so
nothing of it is ever stored or echoed into another spreadsheet.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from onetrip.errors import ValidationFailed

HEADER = ("统一社会信用代码", "企业名称", "事项编码", "已交材料")
MAX_ROWS = 200
MAX_BYTES = 2 * 1024 * 1024
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class SheetRow:
    row: int
    credit_code: str
    company_name: str
    matter_code: str
    materials: list[str] | None  # None: every material to hand in was handed in
    errors: list[str] = field(default_factory=list)


def split_materials(text: str) -> list[str] | None:
    text = (text or "").strip()
    if not text or text in ("全部", "all"):
        return None
    parts = text.replace("；", ";").replace("，", ";").replace(",", ";").replace("、", ";")
    return [p.strip() for p in parts.split(";") if p.strip()]


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def rows_from_xlsx(data: bytes) -> list[SheetRow]:
    """Parse the upload; raises ValidationFailed for a file that is not a readable sheet, a
    wrong header, too many rows, or any formula (with the rows named). Writes nothing."""
    from openpyxl import load_workbook

    if len(data) > MAX_BYTES:
        raise ValidationFailed(
            _("表格文件过大（不超过 2 MB）。"), code="spreadsheet_too_large", status=413
        )
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a broken file
        raise _unreadable() from exc
    try:
        return _rows(wb)
    except ValidationFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - a sheet's XML is parsed lazily while reading
        raise _unreadable() from exc
    finally:
        wb.close()


def _unreadable() -> ValidationFailed:
    return ValidationFailed(
        _("无法读取表格：请上传 .xlsx 格式的批量申报模板。"), code="not_a_spreadsheet"
    )


def _rows(wb) -> list[SheetRow]:
    """The rows of the first sheet after the header check (see the module docstring)."""
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=False)
    header = next(it, None)
    got = tuple(_cell_text(c.value) for c in (header or ()))
    while got and got[-1] == "":
        got = got[:-1]
    if got != HEADER:
        raise ValidationFailed(
            _("表头应为：%(want)s。") % {"want": "、".join(HEADER)},
            code="spreadsheet_header",
            fields={"header": ["、".join(got) or _("空")]},
        )
    rows: list[SheetRow] = []
    formula_rows: list[int] = []
    for n, cells in enumerate(it, start=2):
        values: list[str | None] = []
        for c in cells[: len(HEADER)]:
            if getattr(c, "data_type", None) == "f":
                values.append(None)
                formula_rows.append(n)
                continue
            values.append(_cell_text(c.value))
        values += [""] * (len(HEADER) - len(values))
        if all(v == "" for v in values):
            continue
        if any(v and v.startswith(FORMULA_PREFIXES) for v in values if v is not None):
            formula_rows.append(n)
            continue
        if len(rows) >= MAX_ROWS:
            raise ValidationFailed(
                _("一个批次最多 %(n)s 行，请分批提交。") % {"n": MAX_ROWS},
                code="spreadsheet_too_many_rows",
            )
        code, name, matter, mats = values
        rows.append(
            SheetRow(
                row=n,
                credit_code=(code or "").upper(),
                company_name=name or "",
                matter_code=matter or "",
                materials=split_materials(mats or ""),
            )
        )
    if formula_rows:
        rows_text = "、".join(str(n) for n in sorted(set(formula_rows)))
        raise ValidationFailed(
            _("第 %(rows)s 行含公式或以 = + - @ 开头的内容，出于安全不予读取。")
            % {"rows": rows_text},
            code="spreadsheet_formula",
            fields={f"row_{n}": [_("含公式")] for n in sorted(set(formula_rows))},
        )
    if not rows:
        raise ValidationFailed(_("表格中没有数据行。"), code="spreadsheet_empty")
    return rows


def template_xlsx() -> bytes:
    """An empty batch template with the header and one worked example row."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "批量申报"
    ws.append(list(HEADER))
    for i, width in enumerate((24, 30, 18, 40), start=1):
        ws.column_dimensions[chr(64 + i)].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
