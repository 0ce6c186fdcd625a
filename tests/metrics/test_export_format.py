"""The Excel export keeps rates numeric and formats them as percentages (0.83 reads 83.0%)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from onetrip.people.services import api_token_create

pytestmark = pytest.mark.django_db

PERIOD = {"since": "2026-10-01", "until": "2026-10-31"}


def _is_rate(label: str) -> bool:
    return label.endswith("率") or label.endswith("占比")


@pytest.fixture
def workbook(client, history):
    _, key = api_token_create(user=history.manager, name="test")
    r = client.get("/api/v1/metrics/export.xlsx", PERIOD, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert r.status_code == 200
    return load_workbook(io.BytesIO(r.content))


def test_summary_rates_are_numbers_shown_as_percentages(workbook):
    cells = {row[0].value: row[1] for row in workbook["总览"].iter_rows(min_row=2)}
    rate = cells["首次提交通过率"]  # 3 of 7 cases passed on first submission
    assert isinstance(rate.value, float) and rate.value == pytest.approx(3 / 7)
    assert rate.number_format == "0.0%"
    satisfied = cells["满意率"]
    assert satisfied.value == pytest.approx(2 / 3) and satisfied.number_format == "0.0%"
    # Every rate or share is formatted so; counts, minutes and averages are not.
    rates = [label for label in cells if _is_rate(label)]
    assert len(rates) == 11
    for label, cell in cells.items():
        if _is_rate(label):
            assert cell.number_format == "0.0%", label
            assert cell.value is None or isinstance(cell.value, int | float), label
        else:
            assert cell.number_format == "General", label
    assert cells["办件数"].value == 7 and cells["90%等候（分钟）"].value == 64.0


def test_breakdown_rate_columns_are_percentages(workbook):
    for sheet in workbook.worksheets[1:]:
        header = [c.value for c in sheet[1]]
        rows = list(sheet.iter_rows(min_row=2))
        assert rows, sheet.title
        seen_value = False
        for row in rows:
            for label, cell in zip(header, row, strict=True):
                if _is_rate(label):
                    assert cell.number_format == "0.0%", (sheet.title, label)
                    if cell.value is not None:
                        assert 0 <= cell.value <= 1, (sheet.title, label, cell.value)
                        seen_value = True
                else:
                    assert cell.number_format == "General", (sheet.title, label)
        assert seen_value, sheet.title
