"""The tickets of the demo history, bulk-written (thousands through the calling services would
take minutes) with the simulator's times, and the appointments behind the booked ones."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from onetrip.catalogue.models import ServicePoint
from onetrip.demo.history_season import Season
from onetrip.simulation.model import SimTicket


def tickets_write(tickets: list) -> dict[tuple[int, dt.date], list]:
    """Bulk-write tickets and their issue/call/start/finish (or walk-out, no-show) events;
    returns the served tickets of self-service queues by (point, day)."""
    from onetrip.queueing.models import ApplicantType, Ticket, TicketEvent, TicketStatus

    Ticket.objects.bulk_create(tickets, batch_size=500)
    S = TicketStatus
    events = []
    served: dict[tuple[int, dt.date], list] = defaultdict(list)
    for t in tickets:
        # (action, time, from, to) of each step the ticket took, in order
        steps = [("issue", t.issued_at, "", S.WAITING)]
        if t.walked_out_at:
            steps.append(("walk_out", t.walked_out_at, S.WAITING, S.WALKED_OUT))
        else:
            steps.append(("call", t.called_at, S.WAITING, S.CALLED))
            if t.no_show_at:
                steps.append(("no_show", t.no_show_at, S.CALLED, S.NO_SHOW))
            else:
                steps.append(("start", t.started_at, S.CALLED, S.SERVING))
                steps.append(("finish", t.finished_at, S.SERVING, S.DONE))
        events += [
            TicketEvent(
                ticket=t,
                at=at,
                action=action,
                from_status=was,
                to_status=to,
                # the window is at work from the call on
                window_id=None if action in ("issue", "walk_out") else t.window_id,
            )
            for action, at, was, to in steps
        ]
        if t.walked_out_at or t.no_show_at:
            continue
        if t.queue.applicant_type != ApplicantType.AGENT:
            served[(t.point_id, t.day)].append(t)
    # The events are written without firing TicketEvent post_save receivers (no alerts).
    TicketEvent.objects.bulk_create(events, batch_size=1000)
    return served


SLOT_MINUTES = 30  # the demo's appointment slots (``demo.queues``: 30 minutes, 4 places)


def appointment_slot(t: SimTicket) -> tuple[float, bool]:
    """The booked slot of a simulated appointment (rank 1), in simulated minutes, and whether
    its holder checked in late (more than ``LATE_GRACE`` after the slot began: then the ticket
    queues as a walk-in). Two in three arrive up to half an hour early for the next slot, one
    in three during their own slot (``queueing.services.booking``: check-in opens 30 minutes
    before the slot, 15 minutes' grace)."""
    floor = t.issued // SLOT_MINUTES * SLOT_MINUTES
    if t.id % 3 == 0:
        return floor, t.issued - floor > 15
    return floor + SLOT_MINUTES, False


def dashboard_wait(t: SimTicket) -> float:
    """The wait of a called ticket as the dashboard defines it (``metrics.definitions``): from
    issue, or for an appointment checked in on time from its slot's start, never negative."""
    if t.called is None:
        raise ValueError(f"ticket {t.id} was never called: it has no wait")
    start = t.issued
    if t.rank == 1:
        slot, late = appointment_slot(t)
        if not late:
            start = slot
    return max(t.called - start, 0.0)


def _on_day(season: Season, days: list[dt.date], t: float, *, anchor: float) -> dt.datetime:
    """``season.when`` of a time of a ticket whose issue (``anchor``) is in the season: never
    None then (``when`` is None only for no time or an anchor outside the season's days)."""
    moment = season.when(days, t, anchor=anchor)
    assert moment is not None  # the callers skip tickets issued outside the season's days
    return moment


def sim_tickets_write(
    *, district: ServicePoint, season: Season, agents: list, matters: dict | None = None
) -> dict:
    """Bulk-write the kept tickets at every simulated point; returns {(part name, sim ticket
    id): Ticket}. At the centre an individual's ticket (the layouts' queue B) is taken in the
    queue of its matter's department (``matters``: ``history_sim.journey_matters``)."""
    from onetrip.queueing.models import Queue, Ticket, TicketChannel, TicketStatus, WindowQueue

    points = {p.code: p for p in ServicePoint.objects.filter(district=district)}
    queues = {(q.point_id, q.code): q for q in Queue.objects.filter(point__district=district)}
    by_department = {
        q.department_id: q
        for q in Queue.objects.filter(
            point=district, department__isnull=False, applicant_type="self"
        )
    }
    windows: dict[int, list[int]] = defaultdict(list)
    for wq in WindowQueue.objects.filter(queue__point__district=district).order_by("window_id"):
        windows[wq.queue_id].append(wq.window_id)
    seq: dict[tuple[int, dt.date], int] = defaultdict(int)
    rows: list[tuple[tuple[str, int], Any]] = []
    booked: list[tuple[Any, dt.datetime, bool]] = []
    for part, t in sorted(season.tickets(), key=lambda x: (x[0].name, x[1].issued)):
        point = points.get(part.site.point) or district
        queue = queues.get((point.pk, t.queue))
        if point.pk == district.pk and t.queue == "B":
            matter = (matters or {}).get((part.name, t.journey))
            queue = by_department.get(getattr(matter, "department_id", None)) or queue
        issued = season.when(part.days, t.issued, anchor=t.issued)
        if queue is None or issued is None:
            continue
        day = issued.date()
        seq[(queue.pk, day)] += 1
        n = seq[(queue.pk, day)]
        choices: list[int | None] = [*windows.get(queue.pk, [])] or [None]
        ticket = Ticket(
            queue=queue,
            point=point,
            day=day,
            seq=n,
            number=f"{queue.code}{n:03d}",
            channel=TicketChannel.GUIDE if t.prechecked else TicketChannel.KIOSK,
            priority=t.rank == 0,
            sort_at=issued,
            issued_at=issued,
            window_id=choices[sum(map(ord, t.window)) % len(choices)] if t.window else None,
            agency=agents[t.agent_batch % len(agents)].agency if t.agent_batch and agents else None,
        )
        if t.walked_out is not None:
            ticket.status = TicketStatus.WALKED_OUT
            ticket.walked_out_at = season.when(part.days, t.walked_out, anchor=t.issued)
            ticket.window_id = None
        elif t.called is not None and t.finished is not None:
            called = _on_day(season, part.days, t.called, anchor=t.issued)
            ticket.called_at = ticket.first_called_at = called
            ticket.call_count = 1
            started = ticket.started_at = called + dt.timedelta(seconds=30)
            ticket.finished_at = max(
                _on_day(season, part.days, t.finished, anchor=t.issued), started
            )
            ticket.status = TicketStatus.DONE
        else:  # still waiting or being served when the simulated day ended: not written
            seq[(queue.pk, day)] -= 1
            continue
        if t.rank == 1:  # booked online, checked in at the kiosk
            slot, late = appointment_slot(t)
            ticket.channel = TicketChannel.APPOINTMENT
            ticket.applicant_phone = _phone(t.journey)
            slot_at = _on_day(season, part.days, slot, anchor=t.issued)
            if not late:
                ticket.slot_start = ticket.sort_at = slot_at
            booked.append((ticket, slot_at, late))
        rows.append(((part.name, t.id), ticket))
    tickets_write([ticket for _key, ticket in rows])
    _appointments_write(booked)
    return dict(rows)


def _phone(journey: int) -> str:
    return f"139{journey * 7919 % 10**8:08d}"


def _appointments_write(booked: list) -> None:
    """The bookings behind the appointment tickets: one slot of 30 minutes per queue and
    start (places: at least 4, as many as were booked), each booking checked in with its
    ticket at the kiosk (``queueing.services.booking.appointment_check_in``'s outcome, written
    in bulk like the tickets; demo-only, no audit events for history)."""
    from onetrip.queueing.models import Appointment, AppointmentStatus, Slot

    per_slot: dict[tuple[int, dt.datetime], list] = defaultdict(list)
    for ticket, start, late in booked:
        per_slot[(ticket.queue_id, start)].append((ticket, late))
    slots = {}
    for (queue_id, start), held in per_slot.items():
        ticket = held[0][0]
        slots[(queue_id, start)] = Slot(
            queue_id=queue_id,
            point_id=ticket.point_id,
            day=start.date(),
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=SLOT_MINUTES),
            capacity=max(4, len(held)),
            booked=len(held),
        )
    Slot.objects.bulk_create(slots.values(), batch_size=500)
    appointments = []
    for key, held in per_slot.items():
        slot = slots[key]
        for ticket, late in held:
            appointments.append(
                Appointment(
                    slot=slot,
                    queue_id=ticket.queue_id,
                    point_id=ticket.point_id,
                    day=slot.day,
                    phone=ticket.applicant_phone,
                    status=AppointmentStatus.CHECKED_IN,
                    late=late,
                    created_at=slot.starts_at - dt.timedelta(days=1 + ticket.pk % 3, hours=5),
                    checked_in_at=ticket.issued_at,
                    ticket=ticket,
                )
            )
    Appointment.objects.bulk_create(appointments, batch_size=500)
