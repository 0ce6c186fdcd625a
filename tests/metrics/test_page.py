"""The /metrics/ page for district managers."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_user

pytestmark = pytest.mark.django_db

Q = {
    "a_since": "2026-09-01",
    "a_until": "2026-09-30",
    "b_since": "2026-10-01",
    "b_until": "2026-10-31",
}


def text_of(html: str, name: str) -> str:
    m = re.search(rf'data-testid="{name}"[^>]*>(.*?)</(b|td|span|p|div)>', html, re.S)
    assert m, name
    return re.sub(r"<[^>]+>", "", m.group(1)).strip()


def test_manager_sees_figures_and_comparison(client, history):
    client.force_login(history.manager)
    r = client.get("/metrics/", Q)
    assert r.status_code == 200
    html = r.content.decode()
    # the whole span of both periods: September's ticket (500 min) and case join October's
    assert text_of(html, "first-pass") == "50%"  # c1 c5 c6 + September case ÷ 8
    assert text_of(html, "zero-visit") == "25%"
    assert html.count('data-testid="compare-row"') == 11
    assert "甲代办" in html and "西湖" not in html
    assert text_of(html, "agency-error") in {"100%", "0%"}
    assert "/api/v1/metrics/export.xlsx?" in html


def test_filters_and_bad_input(client, history):
    client.force_login(history.manager)
    html = client.get(
        "/metrics/", {**Q, "a_since": "2026-10-01", "department": "mz"}
    ).content.decode()
    assert text_of(html, "first-pass") == "100%"  # c5, c6
    html = client.get("/metrics/", {**Q, "matter": "xh-001"}).content.decode()
    assert 'data-testid="error"' in html  # the other district's matter is unknown here


def test_access(client, history):
    assert client.get("/metrics/").status_code == 302
    client.force_login(history.person_user)
    assert client.get("/metrics/").status_code == 403
    client.force_login(history.clerk)
    assert client.get("/metrics/").status_code == 403
    client.force_login(history.manager)
    assert client.get("/metrics/", {"district": "xh"}).status_code == 403
    client.force_login(make_user("manager-xh", "manager", point=history.other_district))
    html = client.get("/metrics/", Q).content.decode()
    assert "西湖区" in html and "甲代办" not in html
