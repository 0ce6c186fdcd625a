"""A manager opens the dashboard, filters by a street, drills into the overdue cases and exports
Excel; the workbook opens with openpyxl and holds the numbers the page shows."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth.models import Group
from openpyxl import load_workbook

from onetrip.people.models import Role
from tests.factories import make_world
from tests.metrics import conftest as mc


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_manager_filters_drills_and_exports(live_server, page, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for role in Role.values:
        Group.objects.get_or_create(name=role)
    h = mc.history.__wrapped__(make_world())
    # a second overdue case at the street, so the street has something to drill into
    mc.make_case(h, matter=h.senior_card, point=h.street, state="in_review", applicant=h.person)
    mc.worker_refresh()  # what the task worker does after that write

    page.goto(live_server.url + "/accounts/login/?next=/metrics/")
    page.fill("input[name=username]", "manager1")
    page.fill("input[name=password]", "pass-1234-word")
    page.click("button.primary")
    page.wait_for_url("**/metrics/**")
    for name, value in (
        ("a_since", "2026-10-01"),
        ("a_until", "2026-10-15"),
        ("b_since", "2026-10-16"),
        ("b_until", "2026-10-31"),
    ):
        page.fill(f"input[name={name}]", value)
    page.get_by_test_id("point").select_option(h.street.code)
    page.get_by_role("button", name="查看").click()
    page.wait_for_url(re.compile(r".*point=sc-hubin.*"))
    # the trend charts are drawn (uPlot canvases), one per headline figure
    page.wait_for_selector(".chart canvas")
    assert page.locator(".chart canvas").count() >= 9
    cases_shown = page.get_by_test_id("drill-all").inner_text()
    overdue_link = page.get_by_test_id("drill-overdue")
    overdue_count = overdue_link.get_attribute("data-count")
    overdue_rate = overdue_link.inner_text()
    assert overdue_count == "1" and "2 件" in cases_shown  # c4 refused, the new case overdue

    overdue_link.click()
    page.wait_for_url("**/metrics/cases/**")
    assert page.get_by_test_id("drill-total").inner_text() == overdue_count
    rows = page.get_by_test_id("drill-row")
    assert rows.count() == 1 and "超期" in rows.first.inner_text()
    page.go_back()
    page.wait_for_url(re.compile(r".*/metrics/\?.*"))

    with page.expect_download() as info:
        page.get_by_test_id("export").click()
    wb = load_workbook(io.BytesIO(open(info.value.path(), "rb").read()))
    summary = {row[0]: row[1] for row in wb["总览"].iter_rows(min_row=2, values_only=True)}
    assert summary["办件数"] == 2
    assert f"{summary['超期率'] * 100:.0f}%" == overdue_rate
    points = {row[1]: row[2] for row in wb["按网点"].iter_rows(min_row=2, values_only=True)}
    assert points == {"sc-hubin": 2}
    assert wb["每周趋势"].max_row > 1
