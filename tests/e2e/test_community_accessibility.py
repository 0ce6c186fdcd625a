"""Accessibility of the community pages (residents' and the social worker's): axe-core finds
no serious or critical violation, on a phone, in the normal and the large-text view."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from onetrip.community import services
from onetrip.people.models import Role
from tests.community.conftest import at, build_community
from tests.e2e.test_accessibility import PHONE, _axe
from tests.e2e.test_community_flows import login
from tests.factories import make_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_community_pages_pass_axe(live_server, browser):
    for role in Role.values:
        Group.objects.get_or_create(name=role)
    cw = build_community(make_world())
    services.booking_create(user=cw.r1, slot=cw.slot)
    topic = services.topic_raise(
        complex=cw.complex, actor=cw.r1, title="东门路灯维修", body="路灯坏了一个多月，请尽快修好。"
    )
    meeting = services.meeting_schedule(
        complex=cw.complex, actor=cw.social, title="议事会", starts_at=at(1, 19)
    )
    services.topic_transition(topic=topic, action="schedule", actor=cw.social, meeting=meeting)
    services.meeting_transition(
        meeting=meeting, action="hold", actor=cw.social, minutes="到会 20 人，同意更换路灯。"
    )
    services.topic_transition(
        topic=topic,
        action="decide",
        actor=cw.social,
        text="更换路灯",
        owner_name="物业",
        due_date=timezone.localdate() + dt.timedelta(days=7),
    )
    code = cw.community.code
    resident_pages = {
        "list": "/community/",
        "complex": f"/community/{code}/",
        "topic": f"/community/{code}/topics/{topic.pk}/",
        "topic-new": f"/community/{code}/topics/new/",
        "my-bookings": "/community/my/bookings/",
    }
    report: dict[str, list[dict]] = {}
    for view in ("normal", "large"):
        ctx = browser.new_context(viewport=PHONE, locale="zh-CN")
        if view == "large":
            ctx.add_cookies([{"name": "onetrip_view", "value": "large", "url": live_server.url}])
        page = ctx.new_page()
        login(page, live_server.url, "res1")
        for name, path in resident_pages.items():
            assert page.goto(live_server.url + path).status == 200, path
            report[f"{name}-{view}"] = _axe(page)
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
        ctx.close()
    staff = browser.new_context(viewport=PHONE, locale="zh-CN")
    sp = staff.new_page()
    login(sp, live_server.url, "social-dongpo")
    assert sp.goto(f"{live_server.url}/community/{code}/manage/").status == 200
    report["manage"] = _axe(sp)
    bad = {
        name: [v for v in found if v["impact"] in ("serious", "critical")]
        for name, found in report.items()
    }
    bad = {k: v for k, v in bad.items() if v}
    assert bad == {}, json.dumps(bad, ensure_ascii=False, indent=1)
