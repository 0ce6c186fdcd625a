"""The overdue sweep: mark each overdue case once and escalate it to its department head."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from onetrip.cases import states as S
from onetrip.cases.models import Case, DepartmentHead
from onetrip.cases.selectors import overdue_q
from onetrip.cases.services.base import _event, _now, _send_changed
from onetrip.clock import local_today
from onetrip.roles import Role

# -- overdue sweep ---------------------------------------------------------------------------


def department_head(*, department) -> Any:
    head = DepartmentHead.objects.filter(department=department).select_related("user").first()
    if head is not None and head.user.is_active:
        return head.user
    from onetrip.people.models import User

    return (
        User.objects.filter(
            is_active=True, groups__name=Role.MANAGER, point__district_id=department.district_id
        )
        .order_by("id")
        .first()
    )


def cases_sweep_overdue(*, today: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """Mark overdue cases (once), escalate each to its department head, audit and signal.

    Each case is handled in its own transaction with ``skip_locked`` so two sweepers (or a
    sweeper and a clerk) never fight over a row. Returns the number of cases marked.
    """
    now = _now(now)
    today = today or local_today(now)
    ids = list(
        Case.objects.filter(overdue_q(today=today), overdue_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    marked = 0
    for pk in ids:
        with transaction.atomic():
            case = (
                Case.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("department", "point")
                .filter(pk=pk, overdue_at__isnull=True)
                .filter(overdue_q(today=today))
                .first()
            )
            if case is None:
                continue
            head = department_head(department=case.department)
            case.overdue_at = now
            case.escalated_to = head
            case.escalated_at = now
            case.save(update_fields=["overdue_at", "escalated_to", "escalated_at"])
            _event(
                case=case,
                actor=None,
                role=S.SYSTEM,
                action="escalate",
                from_state=case.state,
                to_state=case.state,
                note=_("办件超期，已督办至 %(who)s。") % {"who": head or _("（未设部门负责人）")},
                data={
                    "escalated_to": head.pk if head else None,
                    "promised_due": case.promised_due.isoformat() if case.promised_due else None,
                },
                now=now,
            )
            _send_changed(case, case.state, case.state, "escalate", None)
            marked += 1
    return marked
