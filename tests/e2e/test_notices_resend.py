"""A manager resends a failed SMS from the staff page on a phone-sized screen; the message
then appears in the demo phone inbox with the number masked."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from onetrip.notices.models import Notice, NoticeStatus


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_manager_resends_a_failed_sms(live_server, page, settings):
    settings.ONETRIP_DEMO = True
    from tests.factories import make_world

    settings.ONETRIP_NOTICE_SENDERS = {"sms": "outbox"}
    w = make_world()
    notice = Notice.objects.create(
        district=w.district,
        channel="sms",
        sender="failing",
        recipient="13812345678",
        template="ready_for_pickup",
        text="您的办件 SC-20261127-00007（公司设立登记）的办理结果已可领取，请到 3 号窗口 领取。",
        status=NoticeStatus.GIVEN_UP,
        attempts=5,
        last_error="SendError: simulated gateway failure",
    )
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/accounts/login/?next=/staff/notices/")
    page.fill("input[name=username]", "manager1")
    page.fill("input[name=password]", "pass-1234-word")
    page.locator("form.form button.primary").click()
    page.wait_for_url("**/staff/notices/")
    row = page.locator(f"#notice-{notice.pk}")
    expect(row).to_contain_text("138****5678")
    expect(row).to_contain_text("已放弃")
    row.get_by_role("button", name="重新发送").click()
    expect(page.locator(".messages")).to_contain_text("已重新发送")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT and notice.attempts == 6

    page.goto(live_server.url + "/demo/sms/")
    expect(page.locator(".sms").first).to_contain_text("SC-20261127-00007")
    expect(page.locator(".sms").first).to_contain_text("138****5678")
    assert "13812345678" not in page.content()
