"""The tickets of the demo history (bulk-written: thousands through the calling services would
take minutes); waits fall once window zero opens."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from zoneinfo import ZoneInfo

from onetrip.catalogue.models import PointLevel, ServicePoint

SH = ZoneInfo("Asia/Shanghai")


def _at(day: dt.date, minutes_after_nine: float) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), tzinfo=SH) + dt.timedelta(
        minutes=minutes_after_nine
    )


MARKER = "demo.history"
LAST_DAY = dt.date(2026, 11, 27)  # deadlines of the last cases still fall within 2026


def _wait_minutes(
    rng: random.Random, *, commercial: bool, priority: bool, street: bool, after: bool
):
    if priority:
        mean = 6 if after else 9
    elif street:
        mean = 9 if after else 13
    elif commercial:
        mean = 24 if after else 72
    else:
        mean = 17 if after else 38
    return rng.gammavariate(4.0, mean / 4.0)


def _tickets_load(
    *,
    district: ServicePoint,
    days: list[dt.date],
    switch: dt.date,
    rng: random.Random,
    per_day: int,
    exclude: tuple[int, ...] = (),
) -> dict[tuple[int, dt.date], list]:
    """Bulk-write the season's tickets and events at the district's points except ``exclude``
    (the centre's come from the simulator); returns served tickets by (point, day)."""
    from onetrip.people.models import Agency
    from onetrip.queueing.models import (
        ApplicantType,
        Queue,
        Ticket,
        TicketChannel,
        TicketStatus,
        WindowQueue,
    )

    queues = list(
        Queue.objects.filter(point__district=district, point__is_active=True)
        .exclude(point_id__in=exclude)
        .select_related("point", "department")
    )
    windows: dict[int, list[int]] = defaultdict(list)
    for wq in WindowQueue.objects.filter(queue__in=queues).values("queue_id", "window_id"):
        windows[wq["queue_id"]].append(wq["window_id"])
    agencies = list(Agency.objects.filter(district=district))
    tickets: list[Ticket] = []
    for day in days:
        after = day >= switch
        for queue in queues:
            street = queue.point.level != PointLevel.DISTRICT
            commercial = (
                queue.department is not None and queue.department.code == "scjg"
            ) or queue.code == "A"
            priority = queue.applicant_type == ApplicantType.PRIORITY
            base = per_day * (
                0.2
                if priority
                else 0.35
                if street
                else 1.0
                if commercial
                else 0.4
                if queue.applicant_type == ApplicantType.AGENT
                else 0.6
            )
            # a fraction of a ticket a day is a ticket on that share of days
            n = max(int(rng.gauss(base, base * 0.15) + rng.random()), 0)
            issued = sorted(rng.uniform(0, 420) for _ in range(n))
            for seq, minute in enumerate(issued, start=1):
                issued_at = _at(day, minute)
                t = Ticket(
                    queue=queue,
                    point=queue.point,
                    day=day,
                    seq=seq,
                    number=f"{queue.code}{seq:03d}",
                    channel=TicketChannel.GUIDE if after and not street else TicketChannel.KIOSK,
                    priority=priority,
                    sort_at=issued_at,
                    issued_at=issued_at,
                    window_id=rng.choice(windows[queue.pk]) if windows[queue.pk] else None,
                    agency=rng.choice(agencies)
                    if agencies and queue.applicant_type == ApplicantType.AGENT
                    else None,
                )
                roll = rng.random()
                if roll < 0.02:
                    t.status = TicketStatus.WALKED_OUT
                    t.walked_out_at = issued_at + dt.timedelta(minutes=rng.uniform(10, 40))
                    t.window_id = None
                else:
                    wait = _wait_minutes(
                        rng, commercial=commercial, priority=priority, street=street, after=after
                    )
                    called = issued_at + dt.timedelta(minutes=wait)
                    t.called_at = t.first_called_at = called
                    t.call_count = 1
                    if roll < 0.05:
                        t.status = TicketStatus.NO_SHOW
                        t.no_show_at = called + dt.timedelta(minutes=3)
                    else:
                        t.status = TicketStatus.DONE
                        t.started_at = called + dt.timedelta(minutes=rng.uniform(0.5, 2))
                        t.finished_at = t.started_at + dt.timedelta(minutes=rng.uniform(5, 16))
                tickets.append(t)
    return tickets_write(tickets)


def tickets_write(tickets: list) -> dict[tuple[int, dt.date], list]:
    """Bulk-write tickets and their issue/call/start/finish (or walk-out, no-show) events;
    returns the served tickets of self-service queues by (point, day)."""
    from onetrip.queueing.models import ApplicantType, Ticket, TicketEvent, TicketStatus

    Ticket.objects.bulk_create(tickets, batch_size=500)
    events = []
    served: dict[tuple[int, dt.date], list] = defaultdict(list)
    for t in tickets:
        events.append(
            TicketEvent(ticket=t, at=t.issued_at, action="issue", to_status=TicketStatus.WAITING)
        )
        if t.walked_out_at:
            events.append(
                TicketEvent(
                    ticket=t,
                    at=t.walked_out_at,
                    action="walk_out",
                    from_status=TicketStatus.WAITING,
                    to_status=TicketStatus.WALKED_OUT,
                )
            )
            continue
        events.append(
            TicketEvent(
                ticket=t,
                at=t.called_at,
                action="call",
                from_status=TicketStatus.WAITING,
                to_status=TicketStatus.CALLED,
                window_id=t.window_id,
            )
        )
        if t.no_show_at:
            events.append(
                TicketEvent(
                    ticket=t,
                    at=t.no_show_at,
                    action="no_show",
                    from_status=TicketStatus.CALLED,
                    to_status=TicketStatus.NO_SHOW,
                    window_id=t.window_id,
                )
            )
            continue
        events += [
            TicketEvent(
                ticket=t,
                at=t.started_at,
                action="start",
                from_status=TicketStatus.CALLED,
                to_status=TicketStatus.SERVING,
                window_id=t.window_id,
            ),
            TicketEvent(
                ticket=t,
                at=t.finished_at,
                action="finish",
                from_status=TicketStatus.SERVING,
                to_status=TicketStatus.DONE,
                window_id=t.window_id,
            ),
        ]
        if t.queue.applicant_type != ApplicantType.AGENT:
            served[(t.point_id, t.day)].append(t)
    # The events are written without firing TicketEvent post_save receivers (no alerts).
    TicketEvent.objects.bulk_create(events, batch_size=1000)
    return served


# -- cases -----------------------------------------------------------------------------------
