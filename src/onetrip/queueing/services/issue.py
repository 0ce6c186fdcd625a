"""Issuing tickets: the checks and the ORM path (PostgreSQL's one statement is in
``one_statement``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.access import require_role, signed_in
from onetrip.clock import local_today
from onetrip.db import counter_next
from onetrip.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onetrip.people.validators import clean_phone
from onetrip.queueing.models import (
    LIVE_STATUSES,
    ApplicantType,
    DailyCounter,
    Queue,
    Ticket,
    TicketChannel,
)
from onetrip.queueing.selectors import (
    point_is_open,
    queue_with_point,
    staff_can_manage_point,
)
from onetrip.queueing.services._common import _check_can_issue, _event, _refuse_duplicate
from onetrip.queueing.services.one_statement import _issue_in_one_statement
from onetrip.queueing.signals import ticket_issued
from onetrip.roles import Role

if TYPE_CHECKING:
    from onetrip.people.models import Agency, Applicant, Company, User


def _next_number(*, queue: Queue, day: dt.date) -> int:
    """Increment the (queue, day) counter and return the new value (the row stays locked until
    the surrounding transaction, if any, ends)."""
    return counter_next(DailyCounter, queue_id=queue.pk, day=day)


def ticket_issue(
    *,
    queue: Queue,
    phone: str = "",
    channel: str = TicketChannel.KIOSK,
    applicant: Applicant | None = None,
    company: Company | None = None,
    agency: Agency | None = None,
    priority: bool = False,
    slot_start: dt.datetime | None = None,
    booked_slot: dt.datetime | None = None,
    precheck_token: str = "",
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Issue a ticket in ``queue``: now at a kiosk or window zero, or online for a time slot.

    ``booked_slot`` is for an appointment's check-in (``services.booking``): the ticket keeps
    the slot's start as its place and is called ahead of walk-ins once the slot has begun.

    Everything is validated before any write. The ticket, its event and its audit record are
    written atomically. The number comes from the (queue, day) counter row, the one hot spot
    when many kiosks issue in one queue:

    - on PostgreSQL, outside a caller's transaction (every web request), a ticket known by a
      phone number or by nobody is written by one statement (``_issue_in_one_statement``); the
      counter row is locked only while it runs and the one-live-ticket rule is the partial
      unique index on (queue, day, phone);
    - otherwise (SQLite, whose IMMEDIATE transactions serialise writers anyway; a caller's
      transaction; a registered applicant or company, which no index covers) the number is
      taken first inside the ticket's transaction, so the counter lock serialises the
      check-then-insert of that queue.
    """
    now = now or timezone.now()
    point = queue.point
    if channel not in TicketChannel.values:
        raise ValidationFailed(_("取号渠道无效。"), code="bad_channel")
    if channel == TicketChannel.GUIDE:
        require_role(actor, Role.GUIDE, Role.CLERK, Role.MANAGER)
        if not staff_can_manage_point(user=actor, point=point):
            raise Forbidden(_("无权为该网点出号。"), code="point_out_of_scope")
    if phone:
        phone = clean_phone(phone)
    _check_can_issue(queue)
    if booked_slot is not None:
        slot_start = None
    if slot_start is not None:
        if timezone.is_naive(slot_start):
            raise ValidationFailed(_("预约时间须带时区。"), code="bad_slot")
        if slot_start < now:
            raise ValidationFailed(_("预约时段已过，请选择之后的时段。"), code="slot_in_past")
        if slot_start - now > dt.timedelta(days=14):
            raise ValidationFailed(_("只能预约14天内的时段。"), code="slot_too_far")
        if not point_is_open(point=point, at=slot_start):
            raise Conflict(_("所选预约时段不在网点办公时间内。"), code="point_closed")
        channel = TicketChannel.ONLINE
        when = slot_start
    else:
        if not point_is_open(point=point, at=now):
            raise Conflict(
                _(
                    "现在不在%(point)s的办公时间（%(opens)s–%(closes)s），请在办公时间内取号或网上预约。"
                )
                % {
                    "point": point.name,
                    "opens": point.opens_at.strftime("%H:%M")
                    if hasattr(point.opens_at, "strftime")
                    else point.opens_at,
                    "closes": point.closes_at.strftime("%H:%M")
                    if hasattr(point.closes_at, "strftime")
                    else point.closes_at,
                },
                code="point_closed",
            )
        when = now
    day = local_today(when)
    if booked_slot is not None:  # checked in (now, at the point): its place is the slot
        slot_start = when = booked_slot
    ticket = Ticket(
        queue=queue,
        point=point,
        day=day,
        channel=channel,
        priority=priority or queue.applicant_type == ApplicantType.PRIORITY,
        sort_at=when,
        issued_at=now,
        slot_start=slot_start,
        applicant_phone=phone,
        precheck_token=(precheck_token or "").strip()[:48],
        applicant=applicant,
        company=company,
        agency=agency,
        issued_by=signed_in(actor),
    )
    if (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and applicant is None
        and company is None
    ):
        ticket = _issue_in_one_statement(ticket, actor=actor, now=now)
        ticket_issued.send(sender=Ticket, ticket=ticket)  # one statement: committed already
        return ticket
    who = Q()
    if phone:
        who |= Q(applicant_phone=phone)
    if applicant is not None:
        who |= Q(applicant=applicant)
    if company is not None:
        who |= Q(company=company)
    with transaction.atomic():
        # the counter row lock serialises this queue's issuing from here to the commit, which
        # makes the live-ticket check below safe for registered applicants and companies
        ticket.seq = _next_number(queue=queue, day=day)
        ticket.number = f"{queue.code}{ticket.seq:03d}"
        if not Queue.objects.filter(pk=queue.pk, is_open=True, point__is_active=True).exists():
            fresh = queue_with_point(queue_id=queue.pk)  # the caller's row was stale
            if fresh is None:
                raise NotFound(_("未找到该队列。"), code="queue_not_found")
            _check_can_issue(fresh)
        live = Ticket.objects.filter(who, queue=queue, day=day, status__in=LIVE_STATUSES)
        if who and live.exists():
            raise _refuse_duplicate()
        try:
            # No savepoint: on a (rare) race the whole issuing transaction is rolled back anyway.
            ticket.save(force_insert=True)
        except IntegrityError as exc:
            raise _refuse_duplicate() from exc
        _event(ticket, "issue", "", at=now, actor=actor, data={"channel": channel})
        transaction.on_commit(lambda: ticket_issued.send(sender=Ticket, ticket=ticket))
    return ticket
