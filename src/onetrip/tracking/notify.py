"""Notification wiring: case state changes and queue positions reach the applicant's phone
through ``onetrip.notices.services.notice_send`` (stored, then delivered by a background task).

- ``cases.signals.case_state_changed``: for every state the case state table marks with a
  ``notify_template``, an SMS to the applicant's (or company's) phone with the tracking link.
- ``queueing.signals.ticket_called`` (sent by both write paths): the waiting ticket that now has
  exactly three people ahead is told "您前面还有 3 位" once (a TicketAlert row makes it once-only).

Receivers never raise: a notification problem must not undo or break the change itself.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction

from onetrip.cases import states as S
from onetrip.notices import texts

log = logging.getLogger(__name__)
AHEAD = 3


def case_context(case: Any, *, note: str = "", template: str | None = None) -> dict[str, str]:
    """The fields the case notices use. With ``template``, ``missing`` (a query over the
    case's materials) is only worked out when that template's text shows it."""
    from onetrip.cases.models import DeliveryMethod
    from onetrip.tracking.selectors import case_missing
    from onetrip.tracking.services import tracking_url

    tpl = texts.TEMPLATES.find(template) if template else None
    if tpl is None or "missing" in tpl.fields:
        missing = "、".join(cm.name for cm in case_missing(case=case)) or "—"
    else:
        missing = "—"

    url = tracking_url(case)
    due = case.state_due if case.state == S.State.SUPPLEMENT_REQUESTED else case.promised_due
    due = due or case.state_due
    delivery = dict(DeliveryMethod.choices).get(case.delivery_method, case.delivery_method)
    return {
        "case_number": case.number,
        "number": case.number,
        "matter": case.matter.name,
        "due_date": due.isoformat() if due else "—",
        "promised_due": case.promised_due.isoformat() if case.promised_due else "—",
        "state_due": case.state_due.isoformat() if case.state_due else "—",
        "url": url,
        "tracking_url": url,
        "missing": missing,
        "result": S.state_label(case.state),
        "note": note
        or case.decision_reason
        or case.refusal_reason
        or case.suspension_reason
        or "—",
        "delivery": str(delivery or "—"),
        "place": case.point.name if case.point_id else "",
    }


def on_case_state_changed(
    sender, *, case, from_state, to_state, action, actor=None, note=None, **kwargs
):
    """Tell the applicant about the states the state table marks as telling.

    Runs after the change committed (outside any transaction on a web request): the notice is
    one INSERT and its delivery one task row (``notice_send``), delivered in the background."""
    try:
        info = S.STATES.get(to_state)
        if info is None or not info.notify_template or from_state == to_state:
            return
        from onetrip.tracking.services import holder_phone

        # The instance sent with the signal is the case as this transition left it (later
        # transitions in the same request work on fresh instances).
        phone = holder_phone(case)
        if not phone:
            return
        if note is None:  # a sender that does not pass the event's note
            event = case.events.filter(action=action).order_by("-at", "-id").first()
            note = event.note if event else ""
        from onetrip.tracking.services import case_holder_notify

        case_holder_notify(
            case=case,
            phone=phone,
            template=info.notify_template,
            context=case_context(case, note=note, template=info.notify_template),
        )
    except Exception:  # noqa: BLE001 - never break the state change that was committed
        log.exception("case notification failed for %s", getattr(case, "number", case))


def on_ticket_called(sender, *, ticket, **kwargs):
    """After a call, the waiting ticket with exactly three ahead in its queue is told once: by
    the task worker (``tracking.tasks``); the task row commits with the call."""
    from onetrip.tracking.tasks import ticket_alert_three_ahead

    try:
        ticket_alert_three_ahead.enqueue(ticket_id=ticket.pk)
    except Exception:  # noqa: BLE001 - a reminder must never stop a window calling
        log.exception("ticket alert not queued after ticket %s was called", ticket.pk)


def alert_three_ahead(*, called_ticket_id: int) -> None:
    from onetrip.notices.services import notice_send
    from onetrip.queueing.models import Ticket, TicketStatus
    from onetrip.tracking.models import TicketAlert

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


def connect() -> None:
    from onetrip.cases.signals import case_state_changed
    from onetrip.queueing.signals import ticket_called

    case_state_changed.connect(on_case_state_changed, dispatch_uid="tracking-case-notify")
    ticket_called.connect(on_ticket_called, dispatch_uid="tracking-ticket-alert")
