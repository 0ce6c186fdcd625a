"""Case notices: what the applicant's phone is told about a case, sent through ``notices``.

- ``case_state_changed`` (``cases.signals``): for every state the case state table marks with a
  ``notify_template``, an SMS to the applicant's (or company's) phone with the tracking link
  (connected in ``CasesConfig.ready``).
- ``case_context``: the fields every case notice fills in (the texts are in ``notices.texts``).
- ``case_holder_notify``: the one way other apps (tracking replies, ratings) tell a case's
  holder something.

Receivers never raise: a notification problem must not undo or break the change itself.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from onetrip.cases import states as S
from onetrip.cases.models import Case, DeliveryMethod
from onetrip.cases.selectors import case_missing
from onetrip.errors import DomainError
from onetrip.masking import mask_phone
from onetrip.notices import texts
from onetrip.notices.services import notice_send

log = logging.getLogger(__name__)


def tracking_url(case: Case) -> str:
    """The case's public tracking page (the token is the credential)."""
    base = settings.ONETRIP_SITE_URL.rstrip("/")
    return f"{base}/t/{case.tracking_token}"


def holder_phone(case: Case) -> str:
    """The phone of the case's holder (the applicant, else the company), or ""."""
    holder = case.applicant if case.applicant_id else case.company
    return (getattr(holder, "phone", "") or "") if holder is not None else ""


def case_context(case: Case, *, note: str = "", template: str | None = None) -> dict[str, str]:
    """The fields the case notices use. With ``template``, ``missing`` (a query over the
    case's materials) is only worked out when that template's text shows it."""
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


def case_holder_notify(*, case: Case, phone: str, template: str, context: dict[str, Any]) -> None:
    """Send an SMS to the case's holder through the notices module. A bad phone number is
    logged, not raised: it must not undo the change. Inside a transaction the notice gets a
    savepoint; outside one (a receiver run after commit) ``notice_send`` is one INSERT."""
    try:
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            notice_send(
                channel="sms",
                to=phone,
                template=template,
                context=context,
                subject_type="case",
                subject_id=case.number,
                district=case.district,
            )
    except DomainError as exc:
        log.warning(
            "notice %s for %s not sent to %s: %s", template, case.number, mask_phone(phone), exc
        )


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
        # The instance sent with the signal is the case as this transition left it (later
        # transitions in the same request work on fresh instances).
        phone = holder_phone(case)
        if not phone:
            return
        if note is None:  # a sender that does not pass the event's note
            event = case.events.filter(action=action).order_by("-at", "-id").first()
            note = event.note if event else ""
        case_holder_notify(
            case=case,
            phone=phone,
            template=info.notify_template,
            context=case_context(case, note=note, template=info.notify_template),
        )
    except Exception:  # noqa: BLE001 - never break the state change that was committed
        log.exception("case notification failed for %s", getattr(case, "number", case))


def connect() -> None:
    from onetrip.cases.signals import case_state_changed

    case_state_changed.connect(on_case_state_changed, dispatch_uid="cases-notify-holder")
