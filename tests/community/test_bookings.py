"""Booking a place: capacity, one booking per person, the waiting list, cancellation; refused
input changes nothing."""

from __future__ import annotations

import pytest
from django.db.models import Q

from onetrip.audit.models import AuditEvent
from onetrip.community import selectors as sel
from onetrip.community import services
from onetrip.community.models import Booking, Slot
from onetrip.errors import DomainError
from onetrip.notices.models import Notice
from tests.community.conftest import at, make_slot

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(Booking.objects.order_by("pk").values_list("pk", "status", "slot_id", "user_id")),
        list(Slot.objects.order_by("pk").values_list("pk", "booked", "status")),
        AuditEvent.objects.count(),
        Notice.objects.count(),
    )


def refused(code: str, fn, **kw) -> DomainError:
    before = snapshot()
    with pytest.raises(DomainError) as info:
        fn(**kw)
    assert info.value.code == code, (info.value.code, str(info.value))
    assert 400 <= info.value.status < 500
    assert snapshot() == before  # nothing written
    return info.value


def test_book_takes_a_place_and_audits(cw):
    b = services.booking_create(user=cw.r1, slot=cw.slot)
    assert b.status == "confirmed" and b.confirmed_at is not None
    cw.slot.refresh_from_db()
    assert cw.slot.booked == 1 and cw.slot.places_left == 1
    ev = AuditEvent.objects.get(subject_type="community.booking", subject_id=str(b.pk))
    assert (ev.action, ev.from_state, ev.to_state, ev.actor_id) == (
        "book",
        "",
        "confirmed",
        cw.r1.pk,
    )
    assert ev.point_id == cw.community.pk


def test_full_slot_refused_with_waiting_list_offer(cw, slot_full):
    err = refused("slot_full", services.booking_create, user=cw.r3, slot=slot_full)
    assert err.status == 409 and "候补" in str(err.message)
    waiting = services.booking_create(user=cw.r3, slot=slot_full, waitlist=True)
    assert waiting.status == "waiting"
    assert sel.waiting_position(booking=waiting) == 1
    slot_full.refresh_from_db()
    assert slot_full.booked == 2


def test_waitlist_flag_books_directly_when_a_place_is_free(cw):
    assert services.booking_create(user=cw.r1, slot=cw.slot, waitlist=True).status == "confirmed"


def test_cancel_promotes_first_waiting_and_tells_them_by_sms(cw, slot_full):
    w3 = services.booking_create(user=cw.r3, slot=slot_full, waitlist=True)
    r4 = type(cw.r1).objects.create_user("res4", phone="13800000004")
    w4 = services.booking_create(user=r4, slot=slot_full, waitlist=True)
    assert sel.waiting_position(booking=w4) == 2
    b1 = Booking.objects.get(slot=slot_full, user=cw.r1)
    services.booking_cancel(booking=b1, actor=cw.r1)
    b1.refresh_from_db()
    w3.refresh_from_db()
    w4.refresh_from_db()
    assert b1.status == "cancelled" and b1.cancelled_at
    assert w3.status == "confirmed" and w4.status == "waiting"
    assert sel.waiting_position(booking=w4) == 1
    slot_full.refresh_from_db()
    assert slot_full.booked == 2
    notice = Notice.objects.get(template="community_promoted")
    assert notice.recipient == "13800000003" and "书法兴趣班" in notice.text
    promote = AuditEvent.objects.get(action="promote", subject_id=str(w3.pk))
    assert (promote.from_state, promote.to_state, promote.actor_id) == (
        "waiting",
        "confirmed",
        None,
    )
    assert promote.data["notified"] is True


def test_cancelling_a_waiting_booking_frees_no_place(cw, slot_full):
    w3 = services.booking_create(user=cw.r3, slot=slot_full, waitlist=True)
    services.booking_cancel(booking=w3, actor=cw.r3)
    slot_full.refresh_from_db()
    assert slot_full.booked == 2
    assert not Notice.objects.filter(template="community_promoted").exists()
    # and after cancelling the person may book again (the unique constraint covers live rows)
    again = services.booking_create(user=cw.r3, slot=slot_full, waitlist=True)
    assert again.status == "waiting"


def test_double_booking_refused(cw):
    services.booking_create(user=cw.r1, slot=cw.slot)
    refused("already_booked", services.booking_create, user=cw.r1, slot=cw.slot)
    refused("already_booked", services.booking_create, user=cw.r1, slot=cw.slot, waitlist=True)


def test_past_closed_and_cancelled_slots_refused(cw):
    services.slot_transition(slot=cw.slot, action="close", actor=cw.social)
    refused("slot_closed", services.booking_create, user=cw.r1, slot=cw.slot)
    services.slot_transition(slot=cw.slot, action="reopen", actor=cw.social)
    later = at(1, 12)
    refused("slot_past", services.booking_create, user=cw.r1, slot=cw.slot, now=later)
    services.slot_transition(slot=cw.slot, action="cancel", actor=cw.social, note="场地维修")
    refused("slot_closed", services.booking_create, user=cw.r1, slot=cw.slot)


def test_anonymous_cannot_book(cw):
    from django.contrib.auth.models import AnonymousUser

    refused("not_authenticated", services.booking_create, user=AnonymousUser(), slot=cw.slot)


def test_cancel_permissions_per_object(cw):
    b = services.booking_create(user=cw.r1, slot=cw.slot)
    refused("not_allowed", services.booking_cancel, booking=b, actor=cw.r2)
    refused("not_allowed", services.booking_cancel, booking=b, actor=cw.social2)  # other community
    refused("not_allowed", services.booking_cancel, booking=b, actor=cw.xh_manager)
    with pytest.raises(DomainError):
        sel.booking_get_for_user(user=cw.r2, booking_id=b.pk)
    services.booking_cancel(booking=b, actor=cw.social, note="居民电话取消")
    b.refresh_from_db()
    assert b.status == "cancelled"
    refused("wrong_state", services.booking_cancel, booking=b, actor=cw.r1)


def test_resident_cannot_cancel_after_start_but_staff_can(cw):
    b = services.booking_create(user=cw.r1, slot=cw.slot)
    refused("slot_past", services.booking_cancel, booking=b, actor=cw.r1, now=at(1, 10, 30))
    services.booking_cancel(booking=b, actor=cw.manager, now=at(1, 10, 30))


def test_slot_cancel_cancels_bookings_and_tells_holders(cw, slot_full):
    services.booking_create(user=cw.r3, slot=slot_full, waitlist=True)
    services.slot_transition(slot=slot_full, action="cancel", actor=cw.social, note="暴雨预警")
    assert set(Booking.objects.values_list("status", flat=True)) == {"cancelled"}
    slot_full.refresh_from_db()
    assert slot_full.booked == 0 and slot_full.status == "cancelled"
    assert Notice.objects.filter(template="community_slot_cancelled").count() == 2


def test_slot_create_rules(cw):
    def bad(code, **kw):
        args = dict(
            actor=cw.social,
            facility=cw.classroom,
            kind="activity",
            title="太极拳",
            starts_at=at(2, 9),
            ends_at=at(2, 10),
            capacity=10,
        )
        args.update(kw)
        refused(code, services.slot_create, **args)

    bad("not_allowed", actor=cw.social2)
    bad("not_allowed", actor=cw.r1)
    bad("not_allowed", actor=cw.xh_manager)
    bad("outside_hours", starts_at=at(2, 7), ends_at=at(2, 8))
    bad("outside_hours", starts_at=at(2, 19), ends_at=at(2, 21))
    bad("time_order", ends_at=at(2, 8))
    bad("slot_past", starts_at=at(-1, 9), ends_at=at(-1, 10))
    bad("bad_capacity", capacity=21)
    bad("bad_capacity", capacity=0)
    bad("bad_capacity", capacity="many")
    bad("unknown_kind", kind="party")
    bad("field_required", title=" ")
    bad("slot_overlap", starts_at=at(1, 10, 30), ends_at=at(1, 11, 30))
    bad("not_bookable", facility=cw.canteen)
    # a space is booked whole: capacity 1 whatever is asked
    space = make_slot(cw, kind="space", title="活动室整场", days=3, capacity=15)
    assert space.capacity == 1
    # the manager of the district may publish too
    s = services.slot_create(
        actor=cw.manager,
        facility=cw.classroom,
        kind="activity",
        title="合唱",
        starts_at=at(2, 14),
        ends_at=at(2, 15),
        capacity=5,
    )
    assert AuditEvent.objects.filter(
        Q(subject_type="community.slot", subject_id=str(s.pk), action="create", role="staff")
    ).exists()
