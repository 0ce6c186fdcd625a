"""Playwright: a button the console swaps in answers the very first click.

htmx wires the hx-* attributes of swapped-in content only when the swap "settles", 20 ms later by
default (longer on a busy machine): a click in between does nothing, and the clerk (or the
Playwright test behind `test_queueing_back_button.py`, which failed that way under load) waits
for a response that never comes. The site turns the settle delay off, so new content is live in
the same task that inserts it. The test clicks "开始办理" from a MutationObserver, in the microtask
right after the call-next swap inserts it."""

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


CLICK_START_WHEN_INSERTED = """() => new Promise((resolve) => {
  const observer = new MutationObserver(() => {
    const start = document.querySelector("[data-testid=btn-start]");
    if (start) { observer.disconnect(); start.click(); resolve(true); }
  });
  observer.observe(document.getElementById("panel"), {childList: true, subtree: true});
  document.querySelector("[data-testid=btn-call-next]").click();
})"""


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_button_swapped_in_answers_the_first_click(live_server, page, hall):
    from onetrip.queueing.models import TicketStatus
    from onetrip.queueing.services import ticket_issue, window_open

    base = live_server.url
    window_open(window=hall.w1, user=hall.clerk)
    ticket = ticket_issue(queue=hall.qa)
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", hall.clerk.username)
    page.fill("input[name=password]", "pass-1234-word")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    page.goto(f"{base}/console/windows/{hall.w1.pk}/")
    assert page.evaluate(CLICK_START_WHEN_INSERTED)
    page.locator("[data-testid=btn-finish-case]").wait_for(timeout=10_000)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SERVING
