"""Playwright: a long unbroken note typed by staff (a delivery tracking number pasted twice, a
reason without spaces) wraps on the case page instead of making it thousands of pixels wide."""

from __future__ import annotations

import pytest

from onetrip.cases.services import case_transition
from tests.cases.conftest import _fast_passwords, at, cw, frozen  # noqa: F401  (fixtures)
from tests.cases.helpers import window_case
from tests.e2e.test_cases_flow import login


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_long_unbroken_note_does_not_widen_the_case_page(live_server, page, cw, frozen, width):  # noqa: F811
    day = frozen.date()
    case = window_case(cw, day=day)
    case_transition(case=case, action="start_review", actor=cw.civil_reviewer, now=at(day, 11))
    case_transition(case=case, action="approve", actor=cw.civil_reviewer, now=at(day, 12))
    case_transition(
        case=case,
        action="deliver",
        actor=cw.clerk,
        note="SF" + "1234567890" * 300,
        method="post",
        now=at(day, 13),
    )
    page.set_viewport_size({"width": width, "height": 800})
    login(page, live_server.url, "clerk1")
    page.goto(f"{live_server.url}/cases/{case.number}/")
    page.wait_for_selector("#timeline")
    assert "SF123456" in page.locator("#timeline").inner_text()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, scroll_width
