"""Issue 15: with the Content-Security-Policy on (no inline script), the pages that had inline
scripts still work in Chromium, and no page reports a policy violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.queueing.conftest import build_hall, ensure_role_groups

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_pages_run_their_scripts_under_the_policy(live_server, page, settings):
    from tests.factories import make_world

    ensure_role_groups()
    hall = build_hall(make_world())
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    code = hall.point.code
    # the hall board polls the API and fills its list (queueing/board.js)
    from onetrip.queueing import services

    ticket = services.ticket_issue(queue=hall.qa)
    services.window_open(window=hall.w1, user=hall.clerk)
    services.ticket_call_next(window=hall.w1, user=hall.clerk)
    page.goto(f"{live_server.url}/points/{code}/board/")
    page.wait_for_selector(f"[data-testid=board-calls] >> text={ticket.number}", timeout=10_000)
    # the board's clock runs
    expect(page.locator("#clock")).not_to_be_empty(timeout=5_000)
    for path in ("/", "/matters/", "/nearby/", f"/points/{code}/kiosk/", "/accounts/login/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
    assert violations == []
