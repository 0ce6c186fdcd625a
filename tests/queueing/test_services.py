import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from onetrip.audit.models import AuditEvent
from onetrip.clock import local_today
from onetrip.errors import DomainError
from onetrip.queueing import selectors, services
from onetrip.queueing.models import DailyCounter, Ticket, TicketEvent, TicketStatus

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(y, m, d, hh=10, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=SH)


def test_numbers_per_queue_reset_daily(hall):
    day1, day2 = at(2026, 3, 2, 10), at(2026, 3, 3, 10)
    a1 = services.ticket_issue(queue=hall.qa, now=day1)
    a2 = services.ticket_issue(queue=hall.qa, now=day1)
    d1 = services.ticket_issue(queue=hall.qd, now=day1)
    a_next_day = services.ticket_issue(queue=hall.qa, now=day2)
    assert [a1.number, a2.number, d1.number, a_next_day.number] == ["A001", "A002", "D001", "A001"]
    assert a1.day == dt.date(2026, 3, 2) and a_next_day.day == dt.date(2026, 3, 3)
    assert DailyCounter.objects.get(queue=hall.qa, day=dt.date(2026, 3, 2)).last == 2
    assert len(a1.token) >= 30 and a1.token != a2.token
    ev = TicketEvent.objects.get(ticket=a1)
    assert ev.action == "issue" and ev.to_status == "waiting"
    assert AuditEvent.objects.filter(subject_type="ticket", subject_id=str(a1.pk)).count() == 1


def test_local_day_boundary_uses_shanghai_time(hall):
    # 2026-03-02 23:30 in Shanghai is 15:30 UTC the same day; 00:30 next day is 16:30 UTC.
    late = services.ticket_issue(queue=hall.qa, now=at(2026, 3, 2, 23, 30))
    early = services.ticket_issue(queue=hall.qa, now=at(2026, 3, 3, 0, 30))
    assert (late.day, late.number) == (dt.date(2026, 3, 2), "A001")
    assert (early.day, early.number) == (dt.date(2026, 3, 3), "A001")


def test_one_live_ticket_per_person_and_queue(hall):
    now = timezone.now()
    t = services.ticket_issue(queue=hall.qa, phone="13812345678", now=now)
    with pytest.raises(DomainError) as e:
        services.ticket_issue(queue=hall.qa, phone="13812345678", now=now)
    assert e.value.code == "duplicate_live_ticket" and e.value.status == 409
    # another queue is fine; after the ticket is done a new one is fine too
    services.ticket_issue(queue=hall.qd, phone="13812345678", now=now)
    services.window_open(window=hall.w1, user=hall.clerk)
    services.ticket_call_next(window=hall.w1, user=hall.clerk)
    services.ticket_start(window=hall.w1, user=hall.clerk)
    services.ticket_finish(window=hall.w1, user=hall.clerk)
    t.refresh_from_db()
    assert t.status == "done"
    again = services.ticket_issue(queue=hall.qa, phone="13812345678")
    assert again.number == "A002"
    # the counter rolled back with the refused issue: no gap
    assert Ticket.objects.filter(queue=hall.qa).count() == 2


def test_opening_hours_weekdays_and_holidays(hall):
    point = hall.point
    point.opens_at, point.closes_at = dt.time(9), dt.time(17)
    point.open_weekdays, point.open_on_holidays = "12345", False
    point.save()
    ok = selectors.point_is_open
    assert ok(point=point, at=at(2026, 3, 2, 9, 0))  # Monday
    assert not ok(point=point, at=at(2026, 3, 2, 8, 59))
    assert not ok(point=point, at=at(2026, 3, 2, 17, 0))
    assert not ok(point=point, at=at(2026, 3, 7, 10))  # Saturday
    assert not ok(point=point, at=at(2026, 10, 1, 10))  # National Day, a Thursday
    assert ok(point=point, at=at(2026, 2, 14, 10))  # shifted working Saturday (Spring Festival)
    assert not ok(point=point, at=at(2026, 2, 17, 10))  # Spring Festival, a Tuesday
    # no published schedule (2031): falls back to the weekday rule rather than refusing
    assert ok(point=point, at=at(2031, 3, 3, 10))  # Monday
    assert not ok(point=point, at=at(2031, 3, 8, 10))  # Saturday
    with pytest.raises(DomainError) as e:
        services.ticket_issue(queue=hall.qa, now=at(2026, 10, 1, 10))
    assert e.value.code == "point_closed" and "办公时间" in str(e.value.message)
    assert not Ticket.objects.exists() and not DailyCounter.objects.exists()


def test_closed_queue_refused(hall):
    services.queue_set_open(queue=hall.qa, is_open=False, actor=hall.world.manager)
    with pytest.raises(DomainError) as e:
        services.ticket_issue(queue=hall.qa)
    assert e.value.code == "queue_closed"
    assert not Ticket.objects.exists()


def test_call_order_priority_then_window_queue_order_then_age(hall):
    now = timezone.now()
    a1 = services.ticket_issue(queue=hall.qa, now=now - dt.timedelta(minutes=9))
    d1 = services.ticket_issue(queue=hall.qd, now=now - dt.timedelta(minutes=20))
    a2 = services.ticket_issue(queue=hall.qa, now=now - dt.timedelta(minutes=5))
    g1 = services.ticket_issue(queue=hall.qg, now=now - dt.timedelta(minutes=1))
    assert g1.priority
    services.window_open(window=hall.w5, user=hall.clerk)  # serves D then A (no G)
    services.window_open(window=hall.w1, user=hall.clerk2)  # serves A then G
    order5, order1 = [], []
    for _ in range(2):
        t = services.ticket_call_next(window=hall.w5, user=hall.clerk)
        order5.append(t.number)
        services.ticket_start(window=hall.w5, user=hall.clerk)
        services.ticket_finish(window=hall.w5, user=hall.clerk)
    t = services.ticket_call_next(window=hall.w1, user=hall.clerk2)
    order1.append(t.number)
    assert order5 == [d1.number, a1.number]
    assert order1 == [g1.number]  # green channel before the older A002
    services.ticket_no_show(window=hall.w1, user=hall.clerk2)
    assert services.ticket_call_next(window=hall.w1, user=hall.clerk2).pk == a2.pk
    with pytest.raises(DomainError) as e:
        services.ticket_call_next(window=hall.w1, user=hall.clerk2)
    assert e.value.code == "window_busy"


def test_full_lifecycle_records_times_and_events(hall):
    t = services.ticket_issue(queue=hall.qa, phone="13900001111")
    services.window_open(window=hall.w1, user=hall.clerk)
    called = services.ticket_call_next(window=hall.w1, user=hall.clerk)
    assert called.pk == t.pk and called.window_id == hall.w1.pk
    services.ticket_recall(window=hall.w1, user=hall.clerk)
    services.ticket_start(window=hall.w1, user=hall.clerk)
    services.ticket_finish(window=hall.w1, user=hall.clerk)
    t.refresh_from_db()
    assert t.status == "done" and t.call_count == 2
    assert t.issued_at <= t.first_called_at <= t.called_at <= t.started_at <= t.finished_at
    assert t.wait_seconds is not None and t.wait_seconds >= 0
    actions = list(TicketEvent.objects.filter(ticket=t).values_list("action", flat=True))
    assert actions == ["issue", "call", "recall", "start", "finish"]
    assert AuditEvent.objects.filter(subject_type="ticket", subject_id=str(t.pk)).count() == 5


def test_illegal_transitions_refused(hall):
    t = services.ticket_issue(queue=hall.qa)
    services.window_open(window=hall.w1, user=hall.clerk)
    with pytest.raises(DomainError) as e:
        services.ticket_start(window=hall.w1, user=hall.clerk, ticket=t)
    assert e.value.code == "illegal_transition"
    services.ticket_call_next(window=hall.w1, user=hall.clerk)
    with pytest.raises(DomainError) as e:
        services.ticket_finish(window=hall.w1, user=hall.clerk)
    assert e.value.code == "illegal_transition"
    with pytest.raises(DomainError):
        services.ticket_walk_out(ticket=t, actor=hall.clerk)  # called: that's a no-show
    t.refresh_from_db()
    assert t.status == "called"


def test_no_show_distinct_from_walk_out_and_return_keeps_place(hall):
    now = timezone.now()
    a1 = services.ticket_issue(queue=hall.qa, now=now - dt.timedelta(minutes=3))
    a2 = services.ticket_issue(queue=hall.qa, now=now - dt.timedelta(minutes=2))
    a3 = services.ticket_issue(queue=hall.qa, now=now - dt.timedelta(minutes=1))
    services.window_open(window=hall.w1, user=hall.clerk)
    services.ticket_call_next(window=hall.w1, user=hall.clerk)
    services.ticket_return(window=hall.w1, user=hall.clerk)  # a1 back in the queue, first again
    assert services.ticket_call_next(window=hall.w1, user=hall.clerk).pk == a1.pk
    services.ticket_no_show(window=hall.w1, user=hall.clerk)
    services.ticket_walk_out(ticket=a2, actor=hall.clerk)
    for t in (a1, a2):
        t.refresh_from_db()
    assert (a1.status, a2.status) == ("no_show", "walked_out")
    assert a1.no_show_at and not a1.walked_out_at and a2.walked_out_at and not a2.no_show_at
    assert services.ticket_call_next(window=hall.w1, user=hall.clerk).pk == a3.pk


def test_park_and_resume_at_window_zero(hall):
    now = timezone.now()
    a1 = services.ticket_issue(queue=hall.qa, now=now - dt.timedelta(minutes=5))
    a2 = services.ticket_issue(queue=hall.qa, now=now - dt.timedelta(minutes=4))
    services.window_open(window=hall.w0, user=hall.guide)
    services.ticket_park(window=hall.w0, user=hall.guide, ticket=a1, note="填写申请书")
    a1.refresh_from_db()
    assert a1.status == "parked"
    services.window_open(window=hall.w1, user=hall.clerk)
    assert services.ticket_call_next(window=hall.w1, user=hall.clerk).pk == a2.pk
    services.ticket_start(window=hall.w1, user=hall.clerk)
    services.ticket_finish(window=hall.w1, user=hall.clerk)
    services.ticket_resume(window=hall.w0, user=hall.guide, ticket=a1)
    assert services.ticket_call_next(window=hall.w1, user=hall.clerk).pk == a1.pk


def test_transfer_keeps_issue_time_and_number(hall):
    now = timezone.now()
    a1 = services.ticket_issue(queue=hall.qa, now=now - dt.timedelta(minutes=30))
    d1 = services.ticket_issue(queue=hall.qd, now=now - dt.timedelta(minutes=10))
    services.window_open(window=hall.w1, user=hall.clerk)
    services.ticket_call_next(window=hall.w1, user=hall.clerk)
    moved = services.ticket_transfer(window=hall.w1, user=hall.clerk, to_queue=hall.qd)
    assert moved.pk == a1.pk and moved.queue_id == hall.qd.pk and moved.number == "A001"
    assert moved.status == "waiting" and moved.window_id is None
    assert moved.transferred_from_id == hall.qa.pk
    assert moved.issued_at == a1.issued_at
    services.window_open(window=hall.w5, user=hall.clerk2)
    # in queue D the transferred ticket is older than D001, so it comes first
    assert services.ticket_call_next(window=hall.w5, user=hall.clerk2).pk == a1.pk
    assert selectors.people_ahead(ticket=d1) == 0
    with pytest.raises(DomainError) as e:
        services.ticket_transfer(window=hall.w1, user=hall.clerk, to_queue=hall.other_q, ticket=d1)
    assert e.value.code == "queue_out_of_scope"


def test_appointment_not_called_before_its_slot(hall):
    now = timezone.now()
    slot = now + dt.timedelta(minutes=30)
    appt = services.ticket_issue(queue=hall.qa, slot_start=slot, now=now)
    assert appt.channel == "online" and appt.sort_at == slot
    walk_in = services.ticket_issue(queue=hall.qa, now=now)
    services.window_open(window=hall.w1, user=hall.clerk)
    assert services.ticket_call_next(window=hall.w1, user=hall.clerk, now=now).pk == walk_in.pk
    services.ticket_start(window=hall.w1, user=hall.clerk, now=now)
    services.ticket_finish(window=hall.w1, user=hall.clerk, now=now)
    if appt.day == walk_in.day:
        with pytest.raises(DomainError):
            services.ticket_call_next(window=hall.w1, user=hall.clerk, now=now)
    later = slot + dt.timedelta(minutes=2)
    got = services.ticket_call_next(window=hall.w1, user=hall.clerk, now=later)
    assert got.pk == appt.pk
    got.refresh_from_db()
    assert got.wait_seconds == pytest.approx(120, abs=1)  # call − slot start
    with pytest.raises(DomainError) as e:
        services.ticket_issue(queue=hall.qa, slot_start=now - dt.timedelta(hours=1), now=now)
    assert e.value.code == "slot_in_past"


def test_call_at_closed_window_and_wrong_staff(hall):
    services.ticket_issue(queue=hall.qa)
    with pytest.raises(DomainError) as e:
        services.ticket_call_next(window=hall.w1, user=hall.clerk)
    assert e.value.code == "window_closed"
    with pytest.raises(DomainError) as e:
        services.window_open(window=hall.w1, user=hall.other_clerk)
    assert e.value.code == "window_out_of_scope"
    with pytest.raises(DomainError) as e:
        services.window_open(window=hall.w1, user=hall.world.reviewer)
    assert e.value.code == "wrong_role"
    services.window_open(window=hall.w1, user=hall.clerk)
    with pytest.raises(DomainError) as e:
        services.window_open(window=hall.w1, user=hall.clerk2)
    assert e.value.code == "window_taken"
    with pytest.raises(DomainError) as e:
        services.ticket_call_next(window=hall.w1, user=hall.clerk2)
    assert e.value.code == "window_taken"
    assert Ticket.objects.get().status == "waiting"


def test_estimated_wait_from_recent_service_times(hall):
    now = timezone.now()
    services.window_open(window=hall.w1, user=hall.clerk)
    services.window_open(window=hall.w2, user=hall.clerk2)
    # two finished tickets taking 4 and 6 minutes -> mean 5 minutes
    for minutes in (4, 6):
        services.ticket_issue(queue=hall.qa, now=now - dt.timedelta(minutes=30))
        services.ticket_call_next(
            window=hall.w1, user=hall.clerk, now=now - dt.timedelta(minutes=20)
        )
        services.ticket_start(window=hall.w1, user=hall.clerk, now=now - dt.timedelta(minutes=20))
        services.ticket_finish(
            window=hall.w1, user=hall.clerk, now=now - dt.timedelta(minutes=20 - minutes)
        )
    waiting = [services.ticket_issue(queue=hall.qa, now=now) for _ in range(4)]
    status = selectors.ticket_public_status(ticket=waiting[-1], now=now)
    assert status["ahead"] == 3
    assert status["estimated_wait_minutes"] == 8  # 3 ahead / 2 windows × 5 min = 7.5 -> 8
    summary = {q["code"]: q for q in selectors.queue_summaries(point=hall.point, now=now)}
    assert summary["A"]["waiting"] == 4 and summary["A"]["estimated_wait_minutes"] == 10
    assert summary["D"]["estimated_wait_minutes"] is None  # no open window serves D
    assert "phone" not in status


def test_board_scoped_to_point_and_window_share(hall):
    services.ticket_issue(queue=hall.qa)
    services.ticket_issue(queue=hall.other_q)
    services.window_open(window=hall.w1, user=hall.clerk)
    services.window_open(window=hall.other_w, user=hall.other_clerk)
    services.ticket_call_next(window=hall.w1, user=hall.clerk)
    services.ticket_call_next(window=hall.other_w, user=hall.other_clerk)
    board = selectors.board_data(point=hall.point)
    assert [(c["number"], c["window"]) for c in board["calls"]] == [("A001", "1")]
    other = selectors.board_data(point=hall.other_point)
    assert [(c["number"], c["window"]) for c in other["calls"]] == [("A001", "1")]
    share = selectors.window_share(point=hall.point)
    assert share["total"] == 4 and share["self_service"] == 2
    assert share["self_service_share"] == pytest.approx(2 / 3)


def test_close_day_sweep(hall):
    yesterday = timezone.now() - dt.timedelta(days=1)
    t = services.ticket_issue(queue=hall.qa, now=yesterday)
    n = services.tickets_close_day(before_day=local_today())
    t.refresh_from_db()
    assert n == 1 and t.status == TicketStatus.WALKED_OUT


@pytest.mark.django_db
def test_people_ahead_are_counted_up_to_the_limit(hall, client, monkeypatch):
    """The count runs on every ticket issued, so a runaway backlog is shown as "N or more"."""
    monkeypatch.setattr(selectors, "AHEAD_COUNT_LIMIT", 3)
    for _ in range(4):
        services.ticket_issue(queue=hall.qa)
    late = services.ticket_issue(queue=hall.qa)
    status = selectors.ticket_public_status(ticket=late)
    assert (status["ahead"], status["ahead_capped"]) == (3, True)
    page = client.get(f"/q/{late.token}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "前面还有 3 人以上" in page
    page = client.get(f"/q/{late.token}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "More than 3 people ahead of you" in page
    first = Ticket.objects.filter(queue=hall.qa).order_by("id").first()
    assert selectors.ticket_public_status(ticket=first)["ahead_capped"] is False
