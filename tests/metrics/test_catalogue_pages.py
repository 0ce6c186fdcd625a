"""The matter and point pages show the share of zero-visit cases from the case history."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def text_of(html: str, name: str) -> str:
    m = re.search(rf'data-testid="{name}">([^<]*)<', html)
    assert m, name
    return m.group(1).strip()


def test_matter_page_shows_zero_visit_share(client, history):
    html = client.get("/matters/sc-002/").content.decode()  # senior card: c5 online, c6 one visit
    assert text_of(html, "zero-visit-share") == "50%"
    assert text_of(html, "case-count") == "2"
    assert text_of(html, "avg-visits") == "0.50"
    html = client.get("/matters/sc-001/").content.decode()
    # c1 c2 c3 c4 c7 and the September case: zero visits only c7 → 1 of 6
    assert text_of(html, "case-count") == "6"
    assert text_of(html, "zero-visit-share") == "17%"


def test_point_page_shows_zero_visit_share(client, history):
    html = client.get("/points/sc/").content.decode()
    # at the centre: c1 c2 c3 c5 c7 and the September case; zero visits c5, c7
    assert text_of(html, "case-count") == "6"
    assert text_of(html, "zero-visit-share") == "33%"
    html = client.get("/points/sc-hubin-dongpo/").content.decode()
    assert text_of(html, "zero-visit-share") == "0%"
    assert text_of(html, "case-count") == "1"


def test_pages_without_cases_and_other_district(client, history):
    html = client.get("/matters/sc-005/").content.decode()
    assert 'data-testid="no-history"' in html
    html = client.get("/points/xh/").content.decode()
    assert text_of(html, "case-count") == "1"  # only the other district's own case
    assert text_of(html, "avg-visits") == "3.00"
