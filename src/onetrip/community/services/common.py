"""What every community write shares: checking a move against its table, the audit event,
telling a resident by SMS through the notices app."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.access import is_active_user
from onetrip.audit.services import audit_record
from onetrip.cases.states import Transition
from onetrip.community import selectors as sel
from onetrip.community import states as S
from onetrip.community.models import Booking, Complex, Decision, Meeting, Slot, Topic
from onetrip.errors import Conflict, DomainError, Forbidden, ValidationFailed

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from onetrip.catalogue.models import ServicePoint
    from onetrip.people.models import User

logger = logging.getLogger("onetrip.community")
M = TypeVar("M", bound=models.Model)
#: a community row that moves through one of ``states.TABLES``
R = TypeVar("R", Booking, Slot, Topic, Meeting, Decision)


def now_or(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def require_signed_in(user: User | AnonymousUser | None) -> None:
    if not is_active_user(user):
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
    subject: Any,
    *,
    actor: User | None,
    action: str,
    was: str,
    to: str,
    role: str,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """The audit event of one community row (``community.<model>``) moving from ``was``."""
    audit_record(
        (subject_type_of(subject), subject.pk),
        action,
        actor=actor,
        from_state="" if was == S.NEW else was,
        to_state=to,
        note=note,
        role=role,
        point=point_of(subject),
        data=data,
    )


def audit_move(
    subject: Any,
    *,
    actor: User | None,
    move: Transition,
    roles: set[str],
    was: str,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """The audit event of ``move`` taken by ``roles`` (a ``SAME`` move stays in ``was``)."""
    audit(
        subject,
        actor=actor,
        action=move.action,
        was=was,
        to=was if move.target == S.SAME else move.target,
        role=role_of(move, roles),
        note=note,
        data=data,
    )


def move_row(
    row: Any,
    *,
    actor: User | None,
    move: Transition,
    roles: set[str],
    also: tuple[str, ...] = (),
    note: str = "",
    data: dict[str, Any] | None = None,
) -> str:
    """Take ``move`` on ``row``: set its state, save it with the ``also`` fields the caller
    changed, write the audit event. Returns the state it had."""
    field = state_field(row)
    was = getattr(row, field)
    setattr(row, field, was if move.target == S.SAME else move.target)
    row.save(update_fields=[field, *also])
    audit_move(row, actor=actor, move=move, roles=roles, was=was, note=note, data=data)
    return was


def locked(row: M, *related: str) -> M:
    """``row`` read again under a row lock (its own row only), with ``related`` joined."""
    rows = type(row)._default_manager.select_for_update(of=("self",))
    return rows.select_related(*related).get(pk=row.pk)


def locked_move(
    row: R, action: str, *, actor: User, related: tuple[str, ...]
) -> tuple[R, set[str], Transition]:
    """How every move on a stored community row starts: the actor must be signed in, the row
    is read again under its lock (with ``related`` joined), so ``action`` is checked against
    the row's table from the stored state, not the caller's copy, for the roles the actor
    holds on it. Returns the locked row, those roles and the move."""
    require_signed_in(actor)
    row = locked(row, *related)
    roles = sel.row_roles(user=actor, row=row)
    table = S.TABLES[subject_type_of(row)]
    move = check_move(table, action, state=getattr(row, state_field(row)), roles=roles)
    return row, roles, move


def state_field(row: Any) -> str:
    """The field that holds a community row's state (bookings and slots call it ``status``)."""
    return "status" if isinstance(row, (Booking, Slot)) else "state"


def complex_of(row: Any) -> Complex:
    """The complex a community row belongs to (a booking's: its slot's)."""
    return row.slot.complex if isinstance(row, Booking) else row.complex


def point_of(row: Any) -> ServicePoint:
    """The service point of a community row's complex: where its audit events happen."""
    return complex_of(row).point


def subject_type_of(subject: Any) -> str:
    return f"community.{type(subject).__name__.lower()}"


def phone_of(user: User) -> str:
    phone = (getattr(user, "phone", "") or "").strip()
    if not phone:
        applicant = getattr(user, "applicant", None) if hasattr(user, "applicant") else None
        phone = (getattr(applicant, "phone", "") or "").strip() if applicant else ""
    return phone


def tell(*, user: User, template: str, context: dict[str, Any], subject: Any) -> bool:
    """SMS the user about ``subject`` (a community row) through the notices app (delivered
    after commit, in its complex's district); False when they have no usable phone number —
    the page still shows the change."""
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
            subject_type=subject_type_of(subject),
            subject_id=subject.pk,
            district=complex_of(subject).district,
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
