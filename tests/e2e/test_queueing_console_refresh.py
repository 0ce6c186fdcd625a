"""Playwright: a ticket issued after the clerk's console loaded shows in its waiting list within
a few seconds without any click or reload, and the clerk's half-filled transfer form is left alone
(neither reset nor unfocused) by the refresh."""

from __future__ import annotations

import pytest

from tests.queueing.conftest import build_hall, ensure_role_groups


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def hall(transactional_db):
    from tests.factories import make_world

    ensure_role_groups()
    return build_hall(make_world())


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_new_ticket_appears_in_the_console_without_reload(live_server, page, hall):
    from onetrip.queueing.services import ticket_call_next, ticket_issue, window_open

    base = live_server.url
    window_open(window=hall.w1, user=hall.clerk)
    ticket_issue(queue=hall.qa)
    ticket_call_next(window=hall.w1, user=hall.clerk)  # a current ticket: the transfer form shows
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", hall.clerk.username)
    page.fill("input[name=password]", "pass-1234-word")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    page.goto(f"{base}/console/windows/{hall.w1.pk}/")
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    waiting = page.locator("[data-testid=waiting-list]")
    assert "没有等候的号码" in waiting.inner_text()

    # The clerk starts choosing where to transfer the current ticket.
    select = page.locator("select[name=queue]")
    select.select_option(str(hall.qg.pk))
    select.focus()

    new = ticket_issue(queue=hall.qa)  # at the kiosk, after the page loaded
    waiting.filter(has_text=new.number).wait_for(timeout=5000)

    assert navigations == []  # no reload
    assert select.input_value() == str(hall.qg.pk)
    assert page.evaluate("document.activeElement && document.activeElement.name") == "queue"
    assert page.locator("[data-testid=current-number]").inner_text().strip() == "A001"
