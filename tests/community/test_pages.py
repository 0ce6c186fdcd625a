"""Community pages: the public complex page, booking by page with the waiting-list offer,
raising and supporting topics, the staff page per complex; refusals answer 4xx and write
nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from onetrip.community import services
from onetrip.community.models import Booking, Slot, Topic, TopicSupport
from tests.community.test_api import counts

pytestmark = pytest.mark.django_db

PAGE = "/community/sc-hubin-dongpo/"


def signed_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_complex_page_public(cw):
    resp = Client().get(PAGE)
    assert resp.status_code == 200
    html = resp.content.decode()
    for text in ("一厅迎客", "一岗受理", "一坊议事", "老年食堂", "书法兴趣班", "08:30–20:00"):
        assert text in html, text
    assert Client().get("/community/").status_code == 200
    assert "东坡路社区" in Client().get("/community/").content.decode()
    assert "松木场社区" not in Client().get("/community/").content.decode()  # other district
    assert Client().get("/community/nowhere/").status_code == 404
    en = Client(headers={"Accept-Language": "en"})
    en.cookies["django_language"] = "en"
    html = en.get(PAGE).content.decode()
    for text in ("Reception hall", "Deliberation workshop", "Book an activity or a space"):
        assert text in html, text
    assert "2 of 2 places left" in html


def test_book_by_page_full_then_waiting_list(cw):
    url = f"{PAGE}slots/{cw.slot.pk}/book/"
    assert signed_in(cw.r1).post(url).status_code == 302
    assert signed_in(cw.r2).post(url).status_code == 302
    before = counts()
    resp = signed_in(cw.r3).post(url)
    assert resp.status_code == 409
    html = resp.content.decode()
    assert 'data-code="slot_full"' in html and 'data-testid="join-waitlist"' in html
    assert counts() == before
    again = signed_in(cw.r1).post(url)
    assert again.status_code == 409 and 'data-code="already_booked"' in again.content.decode()
    assert counts() == before
    en = signed_in(cw.r3)
    en.cookies["django_language"] = "en"
    full_en = en.post(url).content.decode()
    assert "the last place of “书法兴趣班” has just been taken" in full_en
    assert "Join the waiting list" in full_en
    assert signed_in(cw.r3).post(url, {"waitlist": "1"}).status_code == 302
    assert Booking.objects.get(user=cw.r3).status == "waiting"
    mine = signed_in(cw.r3).get("/community/my/bookings/").content.decode()
    assert "候补中" in mine and "第 1 位" in mine


def test_book_odd_input(cw):
    c = signed_in(cw.r1)
    before = counts()
    assert c.post(f"{PAGE}slots/999999/book/").status_code == 404
    assert c.post(f"/community/sc-qingbo-qb/slots/{cw.slot.pk}/book/").status_code == 404
    assert c.get(f"{PAGE}slots/{cw.slot.pk}/book/").status_code == 405
    assert Client().post(f"{PAGE}slots/{cw.slot.pk}/book/").status_code == 302  # to login
    assert counts() == before
    services.slot_transition(slot=cw.slot, action="close", actor=cw.social)
    before = counts()
    resp = c.post(f"{PAGE}slots/{cw.slot.pk}/book/")
    assert resp.status_code == 409 and 'data-code="slot_closed"' in resp.content.decode()
    assert counts() == before


def test_cancel_by_page(cw):
    b = services.booking_create(user=cw.r1, slot=cw.slot)
    before = counts()
    assert signed_in(cw.r2).post(f"/community/bookings/{b.pk}/cancel/").status_code == 404
    assert counts() == before
    assert signed_in(cw.r1).post(f"/community/bookings/{b.pk}/cancel/").status_code == 302
    assert Slot.objects.get(pk=cw.slot.pk).booked == 0
    resp = signed_in(cw.r1).post(f"/community/bookings/{b.pk}/cancel/")
    assert resp.status_code == 409


def test_raise_and_support_by_page(cw):
    c = signed_in(cw.r1)
    before = counts()
    bad = c.post(f"{PAGE}topics/new/", {"title": "灯", "body": "坏了"})
    assert bad.status_code == 422 and 'data-code="field_required"' in bad.content.decode()
    assert counts() == before
    resp = c.post(
        f"{PAGE}topics/new/", {"title": "东门路灯维修", "body": "路灯坏了一个多月，请尽快修好。"}
    )
    assert resp.status_code == 302
    topic = Topic.objects.get()
    url = f"{PAGE}topics/{topic.pk}/support/"
    assert signed_in(cw.r2).post(url).status_code == 302
    before = counts()
    twice = signed_in(cw.r2).post(url)
    assert twice.status_code == 409 and 'data-code="already_supported"' in twice.content.decode()
    assert counts() == before and TopicSupport.objects.count() == 1
    page = signed_in(cw.r2).get(f"{PAGE}topics/{topic.pk}/").content.decode()
    assert 'data-testid="supported"' in page
    assert Client().get(f"/community/sc-qingbo-qb/topics/{topic.pk}/").status_code == 404


def test_manage_page_per_complex(cw):
    url = f"{PAGE}manage/"
    assert signed_in(cw.social).get(url).status_code == 200
    assert signed_in(cw.manager).get(url).status_code == 200
    for outsider in (cw.social2, cw.r1, cw.xh_manager):
        assert signed_in(outsider).get(url).status_code == 403
    assert Client().get(url).status_code == 302
    before = counts()
    resp = signed_in(cw.social2).post(f"{url}slot-action/", {"slot": cw.slot.pk, "action": "close"})
    assert resp.status_code == 403
    assert counts() == before
    # the right social worker: a refused form answers its 4xx on the page
    bad = signed_in(cw.social).post(
        f"{url}slot/",
        {
            "facility": cw.classroom.pk,
            "kind": "activity",
            "title": "夜场",
            "day": "2030-01-01",
            "start": "21:00",
            "end": "22:00",
        },
    )
    assert bad.status_code == 422 and 'data-code="outside_hours"' in bad.content.decode()
    assert signed_in(cw.social).post(f"{url}nonsense/").status_code == 404
    ok = signed_in(cw.social).post(
        f"{url}slot/",
        {
            "facility": cw.classroom.pk,
            "kind": "activity",
            "title": "合唱团",
            "day": "2030-01-02",
            "start": "14:00",
            "end": "15:30",
            "capacity": "8",
        },
    )
    assert ok.status_code == 302
    assert Slot.objects.get(title="合唱团").capacity == 8


def test_home_links_to_complexes(cw):
    assert "/community/" in Client().get("/").content.decode()
    html = signed_in(cw.social).get("/community/").content.decode()
    assert f"{PAGE}manage/" in html
    assert "/community/sc-qingbo-qb/manage/" not in html


def test_social_worker_way_in(cw):
    home = signed_in(cw.social).get("/").content.decode()
    assert "/community/manage/" in home
    assert "/community/manage/" not in signed_in(cw.r1).get("/").content.decode()
    resp = signed_in(cw.social).get("/community/manage/")
    assert resp.status_code == 302 and resp["Location"] == f"{PAGE}manage/"
    assert signed_in(cw.manager).get("/community/manage/")["Location"] == "/community/"
    assert signed_in(cw.r1).get("/community/manage/").status_code == 403
