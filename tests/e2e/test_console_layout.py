"""The clerk console on a 1920 screen: the current ticket with its pre-check result beside the
waiting lists, using the width of the screen."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from onetrip.intake.services import precheck_run
from onetrip.queueing import services
from tests.queueing.conftest import build_hall, ensure_role_groups

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hall(transactional_db):
    from tests.factories import make_world

    ensure_role_groups()
    return build_hall(make_world())


def test_console_uses_1920_and_shows_the_precheck(live_server, browser, hall):
    pc = precheck_run(
        matter=hall.world.matter,
        applicant_kind="company",
        materials_at_hand=[hall.world.matter.materials.order_by("position").first().pk],
        actor=hall.guide,
        point=hall.point,
    )
    services.ticket_issue(queue=hall.qa, channel="guide", actor=hall.guide, precheck_token=pc.token)
    for i in range(6):
        services.ticket_issue(queue=hall.qa, phone=f"1360000000{i}")
    services.window_open(window=hall.w1, user=hall.clerk)
    services.ticket_call_next(window=hall.w1, user=hall.clerk)
    client = Client()
    client.force_login(hall.clerk)
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/console/windows/{hall.w1.pk}/")
    summary = page.locator("[data-testid=precheck-summary]")
    summary.wait_for()
    assert hall.world.matter.name in summary.inner_text()
    assert "还缺 1 项材料" in page.locator("[data-testid=precheck-verdict]").inner_text()
    assert "公司章程" in page.locator("[data-testid=precheck-missing]").inner_text()
    main = page.locator(".console-main").bounding_box()
    side = page.locator(".console-side").bounding_box()
    assert side["x"] >= main["x"] + main["width"] - 1  # side by side, not one column
    used = side["x"] + side["width"] - main["x"]
    assert used > 1600, used  # the width of the screen, not an 810 px column
    assert page.evaluate("document.documentElement.scrollWidth") <= 1920
