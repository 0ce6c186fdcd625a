"""Reads for the tracking page, messages and online applications.

The public page finds its case by token through ``case_by_token`` only: one indexed lookup for
every input (well-formed or not), a constant-time comparison, and the same ``NotFound`` for an
unknown, malformed or revoked token.
"""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils.translation import gettext as _

from onetrip.access import authenticated
from onetrip.cases import states as S
from onetrip.cases.models import Case, MaterialStatus
from onetrip.cases.selectors import (
    BAD,
    case_get_for_user,
    case_missing,
    case_roles,
    cases_visible_to,
)
from onetrip.errors import Forbidden, NotFound
from onetrip.masking import mask_name
from onetrip.roles import Role
from onetrip.tracking.models import AuthorKind, Message

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from onetrip.people.models import User

#: ``secrets.token_urlsafe(32)``: 43 characters of the URL-safe base64 alphabet
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
#: looked up in place of a malformed token, so every request takes the same path
_NEVER = "!" * 43
STAFF_CASE_ROLES = {S.CLERK, S.SOCIAL_WORKER, S.REVIEWER, S.MANAGER}
STAFF_USER_ROLES = (Role.CLERK, Role.SOCIAL_WORKER, Role.REVIEWER, Role.MANAGER, Role.ADMIN)
#: actions whose note is meant for the applicant (reasons they are entitled to read)
PUBLIC_NOTES = {"refuse", "reject", "suspend", "extend", "request_supplement"}


def _not_found() -> NotFound:
    return NotFound(_("未找到。"), code="not_found")


def case_by_token(*, token: Any) -> Case:
    """The case whose live tracking token is ``token``; the same NotFound otherwise."""
    token = token if isinstance(token, str) else ""
    lookup = token if TOKEN_RE.fullmatch(token) else _NEVER
    case = (
        Case.objects.select_related("matter", "department", "applicant", "company", "district")
        .filter(tracking_token=lookup)
        .first()
    )
    stored = case.tracking_token if case is not None else _NEVER
    same = secrets.compare_digest(stored.encode(), token.encode())
    if case is None or not same or case.token_revoked_at is not None:
        raise _not_found()
    return case


def holder_masked(case: Case) -> str:
    return mask_name(case.holder_name)


def _actor_label(event) -> str:
    role = S.ROLE_LABELS.get(event.role, _("工作人员"))
    if event.role in (S.APPLICANT, S.AGENT, S.SYSTEM, "") or event.actor_id is None:
        return str(role)
    name = event.actor.display_name or event.actor.username
    return f"{role}（{mask_name(name)}）"


def case_timeline(*, case: Case) -> list[dict[str, Any]]:
    names = dict(case.materials.values_list("pk", "name"))
    rows = []
    for e in case.events.select_related("actor").order_by("at", "id"):
        t = S.TRANSITIONS.get(e.action)
        label = str(t.label) if t else str(S.EVENT_LABELS.get(e.action, e.action))
        if e.action in ("material", "upload"):
            material_id = (e.data or {}).get("material")
            material = names.get(material_id) if material_id is not None else None
            if material:
                label = f"{label}：{material}"
        rows.append(
            {
                "at": e.at,
                "action": e.action,
                "label": label,
                "state": e.to_state,
                "state_label": S.state_label(e.to_state) if e.to_state else "",
                "by": _actor_label(e),
                "note": e.note if e.action in PUBLIC_NOTES else "",
            }
        )
    return rows


def latest_notice(*, case: Case):
    return case.supplement_notices.order_by("-round").first()


def case_messages(*, case: Case) -> list[Message]:
    return list(case.messages.order_by("at", "id"))


def case_result(*, case: Case) -> dict[str, Any] | None:
    """The decision as what it is (准予登记 / 准予许可 / … per the matter's result), the
    documents issued with their numbers (a new company's credit code among them), and how the
    result reaches the applicant (method, postal tracking number). None before a decision."""
    from onetrip.cases.models import Decision, DeliveryMethod

    if not case.decision:
        return None
    kinds = {"credit_code": _("统一社会信用代码")}
    return {
        "decision": case.decision,
        "decision_label": str(dict(Decision.choices).get(case.decision, case.decision)),
        "decided_at": case.decided_at,
        "reason": case.decision_reason,
        "documents": [
            {
                "kind": d.get("kind", ""),
                "title": str(kinds.get(d.get("kind"), d.get("title", ""))),
                "number": d.get("number", ""),
            }
            for d in (case.documents or [])
        ],
        "delivery_method": case.delivery_method,
        "delivery_label": (
            str(DeliveryMethod(case.delivery_method).label) if case.delivery_method else ""
        ),
        "delivery_note": case.delivery_note,
        "delivered_at": case.delivered_at,
    }


def case_uploads(*, case: Case) -> list[dict[str, Any]]:
    """The scans uploaded for the case (by the applicant online or from this page, or by the
    window), newest last: which material, when, the file type and size. No file names."""
    from onetrip.cases.models import CaseFile

    return [
        {
            "material": f.case_material.name,
            "at": f.uploaded_at,
            "type": f.content_type.rsplit("/", 1)[-1].upper(),
            "size_kb": max(1, round(f.size / 1024)),
        }
        for f in CaseFile.objects.filter(case_material__case=case)
        .select_related("case_material")
        .order_by("uploaded_at", "id")
    ]


def case_public(*, case: Case) -> dict[str, Any]:
    """Everything the public page and ``GET /api/v1/track/{token}`` show: no personal data
    beyond the masked holder name; staff names masked."""
    labels = dict(MaterialStatus.choices)
    missing = case_missing(case=case)
    notice = latest_notice(case=case)
    state = case.state
    return {
        "number": case.number,
        "matter": case.matter.name,
        "department": case.department.name,
        "holder": holder_masked(case),
        "channel": case.get_channel_display(),
        "state": state,
        "state_label": S.state_label(state),
        "submitted_at": case.submitted_at,
        "accepted_on": case.accepted_on,
        "promised_due": case.promised_due,
        "legal_due": case.legal_due,
        "state_due": case.state_due,
        "paused": state in (S.State.SUPPLEMENT_REQUESTED, S.State.SUSPENDED),
        "suspended": state == S.State.SUSPENDED,
        "suspension_reason": case.suspension_reason if state == S.State.SUSPENDED else "",
        "extended_days": case.extended_days,
        "extension_reason": case.extension_reason,
        "visit_count": case.visit_count,
        "timeline": case_timeline(case=case),
        "materials": [
            {
                "id": cm.pk,
                "name": cm.name,
                "status": cm.status,
                "status_label": str(labels.get(cm.status, cm.status)),
                "reason": cm.reason if cm.status in BAD else "",
                "required": cm.required,
            }
            for cm in case.materials.all()
        ],
        "missing": [
            {
                "id": cm.pk,
                "name": cm.name,
                "status": cm.status,
                "status_label": str(labels.get(cm.status, cm.status)),
                "reason": cm.reason,
            }
            for cm in missing
        ],
        "notice": (
            {
                "round": notice.round,
                "due": notice.due,
                "note": notice.note,
                "answered": notice.answered_at is not None,
                "items": [
                    {"name": i.get("name", ""), "reason": i.get("reason", "")} for i in notice.items
                ],
            }
            if notice is not None
            else None
        ),
        "result": case_result(case=case),
        "uploads": case_uploads(case=case),
        "can_upload": state == S.State.SUPPLEMENT_REQUESTED,
        "can_resubmit": state == S.State.SUPPLEMENT_REQUESTED
        and not any(cm.required for cm in missing),
        "messages": [
            {
                "at": m.at,
                "from": m.author_kind,
                "from_label": str(AuthorKind(m.author_kind).label),
                "body": m.body,
            }
            for m in case_messages(case=case)
        ],
    }


# -- staff threads -----------------------------------------------------------------------------


def require_staff(user: User | AnonymousUser | None) -> None:
    if not authenticated(user):
        raise Forbidden(_("请先登录。"), code="not_authenticated", status=401)
    if not user.has_role(*STAFF_USER_ROLES):
        raise Forbidden(_("只有工作人员可以查看留言。"), code="wrong_role")


def staff_threads(
    *, user: User | AnonymousUser | None, unread_only: bool = False
) -> QuerySet[Case]:
    """Cases the staff member may see (cases selectors) that have messages, newest first, with
    ``unread`` (applicant messages not yet read by staff) and ``last_at``."""
    require_staff(user)
    qs = (
        cases_visible_to(user=user)
        .filter(messages__isnull=False)
        .annotate(
            unread=Count(
                "messages",
                filter=Q(
                    messages__author_kind=AuthorKind.APPLICANT,
                    messages__read_by_staff_at__isnull=True,
                ),
            ),
            last_at=Max("messages__at"),
        )
        .order_by("-last_at")
    )
    if unread_only:
        qs = qs.filter(unread__gt=0)
    return qs


def staff_case(*, user: User | AnonymousUser | None, number: str) -> Case:
    """A case the user handles as staff (clerk of its point, reviewer of its department,
    manager of its district); NotFound otherwise."""
    require_staff(user)
    case = case_get_for_user(user=user, number=number)
    if not case_roles(user=user, case=case) & STAFF_CASE_ROLES:
        raise NotFound(_("未找到该办件。"), code="case_not_found")
    return case


# -- the applicant's own cases ---------------------------------------------------------------


def my_cases(*, user: User | AnonymousUser | None) -> QuerySet[Case]:
    """The signed-in applicant's cases, their companies' cases, and an agent's own cases (those
    they applied for on a company's behalf)."""
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    return (
        Case.objects.filter(Q(applicant__user=user) | Q(company__users=user) | Q(agent=user))
        .select_related("matter", "department", "applicant", "company")
        .distinct()
        .order_by("-id")
    )


def my_case(*, user: User | AnonymousUser | None, number: str) -> Case:
    case = my_cases(user=user).filter(number=number).first()
    if case is None:
        raise NotFound(_("未找到该办件。"), code="case_not_found")
    return case


def was_approved(*, case: Case) -> bool:
    if case.state == S.State.APPROVED:
        return True
    return (
        case.state in (S.State.DELIVERED, S.State.CLOSED)
        and case.events.filter(action="approve").exists()
    )


def e_certificate_ready(*, case: Case) -> bool:
    """An approved case whose result goes out as an e-certificate (chosen online, or recorded
    so at delivery) can be downloaded by the applicant."""
    if not was_approved(case=case):
        return False
    if case.delivery_method == "e_certificate":
        return True
    from onetrip.intake.models import OnlineApplication

    online = OnlineApplication.objects.filter(case=case).first()
    return online is not None and online.delivery == "e_certificate" and not case.delivery_method
