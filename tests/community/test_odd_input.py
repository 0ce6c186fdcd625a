"""Odd input to the community pages and API never yields a 5xx and writes nothing."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from onetrip.community import services
from tests.community.test_api import client_for, counts
from tests.community.test_pages import PAGE, signed_in

pytestmark = pytest.mark.django_db

ODD = [
    "\x00",
    "a\x00b",
    "9" * 30,
    "-1",
    "1e5",
    "１２",
    "<script>",
    "' OR 1=1 --",
    " " * 3,
    "😀" * 3,
]


def test_pages_odd_input(cw):
    services.booking_create(user=cw.r1, slot=cw.slot)
    booking = cw.slot.bookings.get()
    topic = services.topic_raise(
        complex=cw.complex, actor=cw.r2, title="东门路灯维修", body="路灯坏了一个多月，请尽快修好。"
    )
    staff, resident = signed_in(cw.social), signed_in(cw.r3)
    before = counts()
    for odd in ODD:
        for c, url, data in [
            (resident, f"{PAGE}slots/{cw.slot.pk}/book/", {"waitlist": odd}),
            (resident, f"{PAGE}topics/new/", {"title": odd, "body": odd}),
            (resident, f"/community/bookings/{booking.pk}/cancel/", {"note": odd}),
            (staff, f"/community/bookings/{booking.pk}/cancel/", {"note": "\x00" * 400}),
            (
                staff,
                f"{PAGE}manage/slot/",
                {
                    "facility": odd,
                    "kind": odd,
                    "title": odd,
                    "day": odd,
                    "start": odd,
                    "end": odd,
                    "capacity": odd,
                },
            ),
            (
                staff,
                f"{PAGE}manage/slot/",
                {
                    "facility": cw.classroom.pk,
                    "kind": "activity",
                    "title": "合唱",
                    "day": "2030-01-02",
                    "start": "14:00",
                    "end": "15:00",
                    "capacity": odd,
                },
            ),
            (staff, f"{PAGE}manage/slot-action/", {"slot": odd, "action": odd, "note": odd}),
            (staff, f"{PAGE}manage/slot-action/", {"slot": cw.slot.pk, "action": odd, "note": odd}),
            (staff, f"{PAGE}manage/meeting/", {"title": odd, "starts_at": odd, "place": odd}),
            (
                staff,
                f"{PAGE}manage/meeting-action/",
                {"meeting": odd, "action": "hold", "minutes": odd},
            ),
            (staff, f"{PAGE}manage/topic-action/", {"topic": odd, "action": odd}),
            (
                staff,
                f"{PAGE}manage/topic-action/",
                {"topic": topic.pk, "action": odd, "meeting": odd},
            ),
            (
                staff,
                f"{PAGE}manage/topic-action/",
                {"topic": topic.pk, "action": "decline", "note": odd},
            ),
            (
                staff,
                f"{PAGE}manage/decision-action/",
                {"decision": odd, "action": odd, "note": odd},
            ),
        ]:
            resp = c.post(url, data)
            assert resp.status_code < 500, (url, odd, resp.status_code)
    for odd in ODD:
        assert Client().get(f"/community/?district={odd}").status_code < 500
        assert Client().get(f"{PAGE}topics/{9 * 10**20}/").status_code == 404
    # odd but acceptable text (long enough for both title and body) makes a topic, shown
    # escaped; nothing else is written
    from onetrip.community.models import Topic

    acceptable = {v.strip() for v in ODD if len(v.strip().replace("\x00", "")) >= 10}
    made = set(Topic.objects.exclude(pk=topic.pk).values_list("title", flat=True))
    assert made == acceptable
    after = counts()
    assert after[3:5] == before[3:5]


def test_api_odd_input(cw):
    r = client_for(cw.r1)
    staff = client_for(cw.social)
    before = counts()
    base = "/api/v1/community"
    for odd in ODD:
        for c, url, body in [
            (r, f"{base}/bookings", {"slot_id": odd}),
            (r, f"{base}/complexes/sc-hubin-dongpo/topics", {"title": odd, "body": odd}),
            (
                staff,
                f"{base}/complexes/sc-hubin-dongpo/slots",
                {
                    "facility_id": cw.classroom.pk,
                    "kind": odd,
                    "title": odd,
                    "starts_at": odd,
                    "ends_at": odd,
                },
            ),
            (staff, f"{base}/slots/{cw.slot.pk}/actions", {"action": odd, "note": odd}),
            (staff, f"{base}/complexes/sc-hubin-dongpo/meetings", {"title": odd, "starts_at": odd}),
        ]:
            resp = c.post(url, data=json.dumps(body), content_type="application/json")
            if url.endswith("/topics") and len(odd.strip()) >= 10:
                assert resp.status_code == 201  # odd but acceptable text
                continue
            assert 400 <= resp.status_code < 500, (url, odd, resp.status_code, resp.content)
            assert resp.json()["code"]
        for url in (
            f"{base}/complexes/{odd}",
            f"{base}/topics/{odd}",
            f"{base}/complexes?district={odd}",
        ):
            assert 400 <= Client().get(url).status_code < 500, url
    after = counts()
    assert after[:2] == before[:2] and after[3:5] == before[3:5]
