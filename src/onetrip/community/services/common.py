"""What every community write shares: checking a move against its table, the audit event,
telling a resident by SMS through the notices app."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.audit.services import audit_record
from onetrip.cases.states import Transition
from onetrip.community import states as S
from onetrip.errors import Conflict, DomainError, Forbidden, ValidationFailed

if TYPE_CHECKING:
    from onetrip.people.models import User

logger = logging.getLogger("onetrip.community")


def now_or(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def require_signed_in(user: Any) -> None:
    if not (user is not None and getattr(user, "is_authenticated", False) and user.is_active):
        raise Forbidden(_("请先登录。"), code="not_authenticated", status=401)


def check_move(
    table: dict[str, Transition], action: str, *, state: str, roles: set[str]
) -> Transition:
    """The transition ``action`` if ``roles`` may take it from ``state``; a DomainError if not."""
    move = table.get(action)
    if move is None:
        raise ValidationFailed(
            _("未知的操作“%(action)s”。") % {"action": str(action)[:40]}, code="unknown_action"
        )
    if not roles.intersection(move.roles):
        raise Forbidden(_("您无权进行此操作。"), code="not_allowed")
    if state not in move.sources:
        raise Conflict(_("当前状态下不能“%(label)s”。") % {"label": move.label}, code="wrong_state")
    return move


def role_of(move: Transition, roles: set[str]) -> str:
    for r in move.roles:
        if r in roles:
            return r
    return ""


def audit(
    *,
    actor: User | None,
    subject_type: str,
    subject: Any,
    action: str,
    from_state: str,
    to_state: str,
    role: str,
    point: Any,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    audit_record(
        actor=actor,
        subject_type=subject_type,
        subject_id=subject.pk,
        action=action,
        from_state="" if from_state == S.NEW else from_state,
        to_state=to_state,
        note=note,
        role=role,
        point=point,
        data=data,
    )


def phone_of(user: Any) -> str:
    phone = (getattr(user, "phone", "") or "").strip()
    if not phone:
        applicant = getattr(user, "applicant", None) if hasattr(user, "applicant") else None
        phone = (getattr(applicant, "phone", "") or "").strip() if applicant else ""
    return phone


def tell(*, user: Any, template: str, context: dict[str, Any], subject: Any, district: Any) -> bool:
    """SMS the user through the notices app (delivered after commit); False when they have
    no usable phone number — the page still shows the change."""
    from onetrip.notices.services import notice_send

    phone = phone_of(user)
    if not phone:
        return False
    try:
        notice_send(
            channel="sms",
            to=phone,
            template=template,
            context=context,
            subject_type=f"community.{type(subject).__name__.lower()}",
            subject_id=subject.pk,
            district=district,
        )
    except DomainError as exc:  # a malformed number on file: the change itself stands
        logger.warning("community notice %s not sent: %s", template, exc.code)
        return False
    return True


def clean_text(value: Any, *, field: str, label: str, min_len: int, max_len: int) -> str:
    text = str(value or "").strip().replace("\x00", "")
    if len(text) < min_len:
        raise ValidationFailed(
            _("请填写%(label)s。") % {"label": label}
            if min_len <= 1
            else _("%(label)s至少 %(n)d 个字。") % {"label": label, "n": min_len},
            code="field_required",
            fields={field: _("至少 %(n)d 个字。") % {"n": min_len}},
        )
    if len(text) > max_len:
        raise ValidationFailed(
            _("%(label)s不能超过 %(n)d 个字。") % {"label": label, "n": max_len},
            code="field_too_long",
            fields={field: _("不超过 %(n)d 个字。") % {"n": max_len}},
        )
    return text
