import time

import pytest
from django.conf import settings
from django.test import Client

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
def test_kiosk_ticket_called_from_console_shows_on_board(live_server, page, hall):
    base = live_server.url
    # The hall board on a TV, in its own page.
    board = page.context.browser.new_page()
    board.goto(f"{base}/points/sc/board/")

    # 1. Take a ticket at the kiosk.
    page.goto(f"{base}/points/sc/kiosk/")
    page.fill("input[name=phone]", "13812345678")
    page.click("[data-testid=queue-A]")
    number = page.locator("[data-testid=ticket-number]").inner_text().strip()
    assert number == "A001"
    assert page.locator(".qr svg").count() == 1
    status_url = page.locator("[data-testid=status-link]").inner_text().strip()

    # 2. The clerk signs in (session cookie), opens window 1 and calls the next ticket.
    client = Client()
    client.force_login(hall.clerk)
    clerk_ctx = page.context.browser.new_context(locale="zh-CN")
    clerk_ctx.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base,
            }
        ]
    )
    console = clerk_ctx.new_page()
    console.goto(f"{base}/console/windows/{hall.w1.pk}/")
    console.click("[data-testid=btn-open]")
    console.locator("[data-testid=btn-call-next]").wait_for()
    assert "A001" in console.locator("[data-testid=waiting-list]").inner_text()
    console.click("[data-testid=btn-call-next]")
    called_at = time.monotonic()
    assert console.locator("[data-testid=current-number]").inner_text().strip() == "A001"

    # 3. The board shows "A001 → window 1" within 2 seconds of the call.
    board.locator("[data-testid=board-latest]", has_text="A001").wait_for(timeout=2000)
    assert time.monotonic() - called_at < 2.0
    assert "A001" in board.locator("[data-testid=board-calls]").inner_text()
    assert "1" in board.locator("[data-testid=board-latest]").inner_text()

    # 4. The applicant's status page (from the QR) says which window.
    page.goto(status_url)
    assert "请到 1 号窗口办理" in page.locator("[data-testid=status-window]").inner_text()

    # 5. Serve and finish; "open a case" hands over to the cases page with the ticket id.
    console.click("[data-testid=btn-start]")
    console.locator("[data-testid=btn-finish-case]").click()
    console.wait_for_url("**/cases/new/?ticket=*")
    assert f"ticket={hall.qa.tickets.get().pk}" in console.url
    clerk_ctx.close()
    board.close()
