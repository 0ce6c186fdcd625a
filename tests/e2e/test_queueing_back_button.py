"""Playwright: after "finish and open a case" the clerk presses Back; the console must show the
window as it is now (ticket done), not the page as it was first loaded (ticket still waiting)."""

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
def test_back_from_case_intake_shows_the_console_as_it_is_now(live_server, page, hall):
    from onetrip.queueing.services import ticket_issue, window_open

    base = live_server.url
    window_open(window=hall.w1, user=hall.clerk)
    first = ticket_issue(queue=hall.qa)
    ticket_issue(queue=hall.qa)
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", hall.clerk.username)
    page.fill("input[name=password]", "pass-1234-word")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    page.goto(f"{base}/console/windows/{hall.w1.pk}/")
    assert first.number in page.locator("[data-testid=waiting-list]").inner_text()
    page.click("[data-testid=btn-call-next]")
    page.locator("[data-testid=btn-start]").click()
    page.locator("[data-testid=btn-finish-case]").click()
    page.wait_for_url("**/cases/new/?ticket=*")
    page.go_back()
    page.wait_for_url(f"**/console/windows/{hall.w1.pk}/")
    page.locator("[data-testid=waiting-list]").wait_for()
    waiting = page.locator("[data-testid=waiting-list]").inner_text()
    assert first.number not in waiting, waiting
