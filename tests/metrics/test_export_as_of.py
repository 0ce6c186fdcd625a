"""The exports state the time the figures are current to, as the page shows it (issue 13)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from onetrip.metrics.models import RollupMark
from onetrip.metrics.rollups import AS_OF
from onetrip.people.services import api_token_create

pytestmark = pytest.mark.django_db

PAGE = {
    "a_since": "2026-10-01",
    "a_until": "2026-10-15",
    "b_since": "2026-10-16",
    "b_until": "2026-10-31",
}
#: 05:06:07 UTC is 13:06:07 in Shanghai: the page and the files show the local time
AT = dt.datetime(2026, 11, 30, 5, 6, 7, tzinfo=dt.UTC)
SHOWN = "2026-11-30 13:06:07"


@pytest.fixture
def as_of(history):
    assert RollupMark.objects.filter(name=AS_OF).update(at=AT) == 1
    return history


def _page_as_of(client) -> str:
    html = client.get("/metrics/", PAGE).content.decode()
    m = re.search(r'data-testid="as-of"[^>]*>(.*?)</p>', html, re.S)
    assert m
    found = re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", m.group(1))
    assert found
    return found.group(0)


def _csv(client, table: str) -> list[list[str]]:
    r = client.get(
        "/metrics/export.csv", {"since": "2026-10-01", "until": "2026-10-31", "table": table}
    )
    assert r.status_code == 200
    return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))


def test_page_excel_and_csv_show_the_same_as_of(client, as_of):
    client.force_login(as_of.manager)
    assert _page_as_of(client) == SHOWN

    _, key = api_token_create(user=as_of.manager, name="test")
    r = client.get(
        "/api/v1/metrics/export.xlsx",
        {"since": "2026-10-01", "until": "2026-10-31"},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    summary = {row[0].value: row[1].value for row in wb["总览"].iter_rows(min_row=2)}
    assert summary["数据截至"] == SHOWN
    assert summary["办件数"] == 7  # the figures are still there beside it

    rows = _csv(client, "summary")
    assert rows[0] == ["指标", "数值"]
    assert ["数据截至", SHOWN] in rows
    assert ["办件数", "7"] in rows
    for table in ("point", "department", "matter", "agency", "trend"):
        rows = _csv(client, table)
        assert rows[-1] == ["数据截至", SHOWN], table  # a footer after the table
        assert rows[-2] == [], table
        assert rows[0][0] in {"名称", "周（周一）"}, table


def test_the_as_of_moves_with_the_refresh(client, as_of):
    client.force_login(as_of.manager)
    later = AT + dt.timedelta(hours=1, minutes=1, seconds=1)
    RollupMark.objects.filter(name=AS_OF).update(at=later)
    assert _page_as_of(client) == "2026-11-30 14:07:08"
    assert ["数据截至", "2026-11-30 14:07:08"] in _csv(client, "summary")


def test_never_built_says_so(client, as_of):
    client.force_login(as_of.manager)
    RollupMark.objects.filter(name=AS_OF).delete()
    rows = _csv(client, "summary")
    assert ["数据截至", "统计表尚未生成"] in rows
