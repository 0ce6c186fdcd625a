"""Ticket notices, sent through ``notices``: after a call (``queueing.signals.ticket_called``,
sent by both write paths) the waiting ticket that now has exactly three people ahead is told
"您前面还有 3 位" once (a TicketAlert row makes it once-only). Connected in
``QueueingConfig.ready``; the work runs in the task worker (``ticket_alert_three_ahead``).

Receivers never raise: a reminder must never stop a window calling.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django_tasks import task

from onetrip.notices.services import notice_send
from onetrip.queueing.models import Ticket, TicketAlert, TicketStatus

log = logging.getLogger(__name__)
AHEAD = 3


def on_ticket_called(sender, *, ticket, **kwargs):
    """After a call, the waiting ticket with exactly three ahead in its queue is told once: by
    the task worker; the task row commits with the call."""
    try:
        ticket_alert_three_ahead.enqueue(ticket_id=ticket.pk)
    except Exception:  # noqa: BLE001 - a reminder must never stop a window calling
        log.exception("ticket alert not queued after ticket %s was called", ticket.pk)


def alert_three_ahead(*, called_ticket_id: int) -> None:
    called = Ticket.objects.only("queue_id", "day").get(pk=called_ticket_id)
    waiting = list(
        Ticket.objects.filter(queue_id=called.queue_id, day=called.day, status=TicketStatus.WAITING)
        .order_by("-priority", "sort_at", "id")
        .select_related("point")[AHEAD : AHEAD + 1]
    )
    if not waiting:
        return
    ticket = waiting[0]
    if not ticket.applicant_phone:
        return
    try:
        with transaction.atomic():
            TicketAlert.objects.create(ticket=ticket, ahead=AHEAD)
    except IntegrityError:
        return  # told already
    notice_send(
        channel="sms",
        to=ticket.applicant_phone,
        template="ticket_almost_due",
        context={"ticket": ticket.number, "ahead": AHEAD, "place": ticket.point.name},
        subject_type="ticket",
        subject_id=ticket.pk,
        district=ticket.point.district,
    )


@task()
def ticket_alert_three_ahead(ticket_id: int) -> None:
    """After ticket ``ticket_id`` was called, tell the waiting ticket that now has three people
    ahead of it in that queue (once). Runs in the task worker, so a window's call does not wait
    for the reminder's queries and SMS."""
    try:
        with transaction.atomic():
            alert_three_ahead(called_ticket_id=ticket_id)
    except Exception:  # noqa: BLE001 - a reminder must never fail loudly
        log.exception("ticket alert failed after ticket %s was called", ticket_id)


def connect() -> None:
    from onetrip.queueing.signals import ticket_called

    ticket_called.connect(on_ticket_called, dispatch_uid="queueing-ticket-alert")
