"""The demo phone inbox on a phone: long tracking links wrap instead of widening the page."""

from __future__ import annotations

import pytest

from onetrip.notices.models import Notice, NoticeStatus


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_demo_inbox_fits_a_phone_screen(live_server, page, settings):
    settings.ONETRIP_DEMO = True
    link = "http://127.0.0.1:8000/t/" + "fB4ed0JWZhZhrp4Cz_RyTqyk6KVjYJ77oQGL_zlq4wA"
    Notice.objects.create(
        channel="sms",
        sender="console",
        recipient="13900001111",
        template="case_accepted",
        text=f"您的办件 SC-20260302-00001 已受理。查询进度：{link}",
        status=NoticeStatus.SENT,
    )
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/demo/sms/")
    assert link in page.inner_text(".sms .text")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
