"""Figures API: permissions, scope, filters, the Excel export."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from onetrip.people.services import api_token_create
from tests.factories import make_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/metrics"
PERIOD = {"since": "2026-10-01", "until": "2026-10-31"}


def bearer(user):
    _, key = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_manager_gets_all_figures(client, history):
    r = client.get(URL, PERIOD, **bearer(history.manager))
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["district"]["code"] == "sc"
    assert body["figures"]["waits"]["p90_wait_minutes"] == 64.0
    assert body["figures"]["cases"]["cases"] == 7
    assert body["figures"]["satisfaction"]["ratings"] == 3
    assert {"point", "department", "matter", "agency"} == set(body["breakdowns"])
    assert all(p["code"].startswith("sc") for p in body["breakdowns"]["point"])


def test_filters_by_code(client, history):
    auth = bearer(history.manager)
    body = client.get(URL, {**PERIOD, "department": "mz"}, **auth).json()
    assert body["figures"]["cases"]["cases"] == 2
    body = client.get(URL, {**PERIOD, "agency": history.agency_a.pk}, **auth).json()
    assert body["figures"]["cases"]["error_rate"] == 1.0
    body = client.get(URL, {**PERIOD, "point": "sc-hubin"}, **auth).json()
    assert body["figures"]["waits"]["avg_wait_minutes"] == 2.5
    r = client.get(URL, {"matter": "xh-001"}, **auth)  # the other district's matter
    assert r.status_code == 404 and r.json()["code"] == "matter_not_found"


def test_session_login_works(client, history):
    client.force_login(history.manager)
    assert client.get(URL, PERIOD).status_code == 200


def test_permissions(client, history):
    assert client.get(URL).status_code == 401
    applicant = client.get(URL, **bearer(history.person_user))
    assert applicant.status_code == 403 and applicant.json()["code"] == "wrong_role"
    assert client.get(URL, **bearer(history.clerk)).status_code == 403
    # a manager of one district cannot read the other's
    r = client.get(URL, {"district": "xh"}, **bearer(history.manager))
    assert r.status_code == 403 and r.json()["code"] == "district_out_of_scope"
    other_manager = make_user("manager-xh", "manager", point=history.other_district)
    body = client.get(URL, **bearer(other_manager)).json()
    assert body["district"]["code"] == "xh"
    assert body["figures"]["cases"]["cases"] == 1
    admin = make_user("root", "admin")
    body = client.get(URL, {"district": "xh"}, **bearer(admin)).json()
    assert body["figures"]["waits"]["avg_wait_minutes"] == 999.0


def test_bad_period(client, history):
    r = client.get(URL, {"since": "2026-11-01", "until": "2026-10-01"}, **bearer(history.manager))
    assert r.status_code == 422 and r.json()["code"] == "bad_period"
    r = client.get(URL, {"since": "yesterday"}, **bearer(history.manager))
    assert r.status_code == 422


def test_export_xlsx(client, history):
    r = client.get(URL + "/export.xlsx", PERIOD, **bearer(history.manager))
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["总览", "按网点", "按部门", "按事项", "按代办机构", "每周趋势"]
    summary = {row[0]: row[1] for row in wb["总览"].iter_rows(min_row=2, values_only=True)}
    assert summary["办件数"] == 7
    assert summary["90%等候（分钟）"] == 64.0
    points = list(wb["按网点"].iter_rows(values_only=True))
    assert points[0][:3] == ("名称", "编码", "办件数")
    assert {row[1] for row in points[1:]} == {"sc", "sc-hubin", "sc-hubin-dongpo"}
    agencies = {row[0]: row for row in wb["按代办机构"].iter_rows(min_row=2, values_only=True)}
    assert set(agencies) == {"甲代办", "乙代办"}
    assert client.get(URL + "/export.xlsx", **bearer(history.person_user)).status_code == 403
