"""Writes for tracking and messages (online applications: ``intake.apply_services``). Each is one transaction; state
changes of a case go through ``onetrip.cases.services`` only."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.access import authenticated
from onetrip.audit.services import audit_record
from onetrip.cases import services as case_services
from onetrip.cases import states as S
from onetrip.cases.models import Case, MaterialStatus, new_tracking_token
from onetrip.cases.notify import case_holder_notify, holder_phone, tracking_url
from onetrip.cases.selectors import case_roles
from onetrip.errors import Forbidden, NotFound, ValidationFailed, limited_text, required_text
from onetrip.roles import Role
from onetrip.tracking.models import AuthorKind, Message
from onetrip.tracking.selectors import (
    STAFF_CASE_ROLES,
    case_by_token,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from onetrip.catalogue.models import ServicePoint
    from onetrip.people.models import User

log = logging.getLogger(__name__)
MAX_MESSAGE = 1000
MAX_ADDRESS = 200


def _clean_body(body: Any) -> str:
    body = required_text(
        body if isinstance(body, str) else "",
        _("请填写留言内容。"),
        code="body_required",
        field="body",
    )
    too_long = _("留言不能超过%(n)d个字。") % {"n": MAX_MESSAGE}
    return limited_text(body, MAX_MESSAGE, too_long, code="body_too_long", field="body")


# -- messages --------------------------------------------------------------------------------


@transaction.atomic
def message_post_by_token(
    *,
    token: str,
    body: str,
    user: User | AnonymousUser | None = None,
    now: dt.datetime | None = None,
) -> Message:
    """The applicant (anyone holding the live tracking token) writes to the staff."""
    case = case_by_token(token=token)
    body = _clean_body(body)
    author = None
    if authenticated(user) and S.APPLICANT in case_roles(user=user, case=case):
        author = user
    message = Message.objects.create(
        case=case,
        author_kind=AuthorKind.APPLICANT,
        author=author,
        body=body,
        at=now or timezone.now(),
    )
    audit_record(
        case,
        "message",
        actor=author,
        role=Role.APPLICANT,
        point=case.point,
        data={"message": message.pk, "via": "tracking"},
    )
    return message


@transaction.atomic
def message_reply(*, case: Case, actor: User, body: str, now: dt.datetime | None = None) -> Message:
    """A staff member handling the case answers; the applicant is notified by SMS."""
    roles = case_roles(user=actor, case=case) & STAFF_CASE_ROLES
    if not roles:
        raise NotFound(_("未找到该办件。"), code="case_not_found")
    body = _clean_body(body)
    now = now or timezone.now()
    case.messages.filter(author_kind=AuthorKind.APPLICANT, read_by_staff_at__isnull=True).update(
        read_by_staff_at=now
    )
    message = Message.objects.create(
        case=case, author_kind=AuthorKind.STAFF, author=actor, body=body, at=now
    )
    audit_record(
        case,
        "message_reply",
        actor=actor,
        role=sorted(roles)[0],
        point=case.point,
        data={"message": message.pk},
    )
    phone = holder_phone(case)
    if phone and case.token_revoked_at is None:
        case_holder_notify(
            case=case,
            phone=phone,
            template="message_reply",
            context={
                "case_number": case.number,
                "excerpt": body[:40] + ("…" if len(body) > 40 else ""),
                "url": tracking_url(case),
            },
        )
    return message


@transaction.atomic
def messages_mark_read_by_applicant(*, case: Case, now: dt.datetime | None = None) -> int:
    return case.messages.filter(
        author_kind=AuthorKind.STAFF, read_by_applicant_at__isnull=True
    ).update(read_by_applicant_at=now or timezone.now())


@transaction.atomic
def messages_mark_read_by_staff(*, case: Case, actor: User, now: dt.datetime | None = None) -> int:
    if not case_roles(user=actor, case=case) & STAFF_CASE_ROLES:
        raise NotFound(_("未找到该办件。"), code="case_not_found")
    return case.messages.filter(
        author_kind=AuthorKind.APPLICANT, read_by_staff_at__isnull=True
    ).update(read_by_staff_at=now or timezone.now())


# -- supplements from the tracking page ------------------------------------------------------


def supplement_upload(*, token: str, case_material_id: Any, upload: Any, now=None):
    """Upload a supplement for a missing/defective material from the public page."""
    case = case_by_token(token=token)
    if case.state != S.State.SUPPLEMENT_REQUESTED:
        raise ValidationFailed(_("该办件当前不需要补正材料。"), code="no_supplement_requested")
    try:
        cm = case.materials.get(pk=int(case_material_id))
    except (ValueError, TypeError, case.materials.model.DoesNotExist):
        raise ValidationFailed(
            _("请选择要补正的材料。"), code="material_not_in_case", fields={"material": [_("无效")]}
        ) from None
    if cm.status not in (MaterialStatus.MISSING, MaterialStatus.DEFECTIVE):
        raise ValidationFailed(
            _("“%(name)s”无需补正。") % {"name": cm.name},
            code="material_not_requested",
            fields={"material": [_("无需补正")]},
        )
    return case_services.case_file_upload(
        case=case,
        case_material_id=cm.pk,
        actor=None,
        upload=upload,
        now=now,
        tracking_token=token,
    )


def supplement_submit(*, token: str, now=None) -> Case:
    """ "提交补正": the resubmit transition, taken as the applicant by the token holder."""
    case = case_by_token(token=token)
    return case_services.case_transition(
        case=case, action="resubmit", actor=None, tracking_token=token, now=now
    )


# -- tokens ----------------------------------------------------------------------------------


def _staff_roles(case: Case, actor: User) -> set[str]:
    roles = case_roles(user=actor, case=case) & STAFF_CASE_ROLES
    if not roles:
        raise NotFound(_("未找到该办件。"), code="case_not_found")
    return roles


@transaction.atomic
def tracking_token_revoke(*, case: Case, actor: User, reason: str = "") -> Case:
    """Stop the case's tracking link from working (the page then answers 404)."""
    roles = _staff_roles(case, actor)
    case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if case.token_revoked_at is not None:
        return case
    case.token_revoked_at = timezone.now()
    Case.objects.filter(pk=case.pk).update(token_revoked_at=case.token_revoked_at)
    _token_audit(
        case,
        actor=actor,
        roles=roles,
        action="token_revoke",
        was="live",
        to="revoked",
        note=(reason or "").strip()[:200],
    )
    return case


def _token_audit(
    case: Case, *, actor: User, roles: set[str], action: str, was: str, to: str, note: str = ""
) -> None:
    """The audit event of a change to the case's tracking link (by its first staff role)."""
    audit_record(
        case,
        action,
        actor=actor,
        role=sorted(roles)[0],
        from_state=was,
        to_state=to,
        note=note,
        point=case.point,
    )


@transaction.atomic
def tracking_token_renew(*, case: Case, actor: User) -> Case:
    """Issue a new tracking link (the old one stops working); the applicant is sent the new one."""
    roles = _staff_roles(case, actor)
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("applicant", "company", "district")
        .get(pk=case.pk)
    )
    case.tracking_token = new_tracking_token()
    case.token_revoked_at = None
    Case.objects.filter(pk=case.pk).update(
        tracking_token=case.tracking_token, token_revoked_at=None
    )
    _token_audit(case, actor=actor, roles=roles, action="token_renew", was="", to="live")
    return case


# -- second factor for uploads and messages: the last four digits of the holder's phone -------


def _last4(phone_last4: Any, message: Any) -> str:
    """The four digits given (blanks around them ignored); else the refusal ``message``."""
    last4 = (phone_last4 if isinstance(phone_last4, str) else "").strip()
    if not (len(last4) == 4 and last4.isdigit()):
        raise ValidationFailed(
            message, code="invalid_last4", fields={"phone_last4": [_("4位数字")]}
        )
    return last4


def _phone_ends_in(case: Case | None, last4: str) -> bool:
    """The case holder's phone ends in ``last4``, compared in constant time (no case, or no
    phone of four digits, compares against a value no digits match)."""
    phone = holder_phone(case) if case is not None else ""
    stored = phone[-4:] if len(phone) >= 4 else "----"
    return secrets.compare_digest(stored.encode(), last4.encode())


def second_factor_check(*, case: Case, phone_last4: Any) -> None:
    """Uploading and writing messages by a tracking link also need the last four digits of
    the holder's phone: a forwarded or photographed link alone only shows progress."""
    last4 = _last4(phone_last4, _("请输入办件预留手机号的后4位数字。"))
    if not _phone_ends_in(case, last4):
        raise Forbidden(
            _("手机号后4位与办件预留的不符。"),
            code="second_factor_failed",
            fields={"phone_last4": [_("与预留手机号不符")]},
        )


# -- window QR: case number + last four digits of the phone ----------------------------------


def window_lookup(*, point: ServicePoint, number: str, phone_last4: str) -> Case:
    """The case of this district with ``number`` whose holder's phone ends in ``phone_last4``.
    Every failure is the same NotFound, so numbers cannot be probed."""
    last4 = _last4(phone_last4, _("请输入手机号后4位数字。"))
    number = required_text(number, _("请输入办件编号。"), code="number_required", field="number")
    number = number.upper()[:32]
    case = (
        Case.objects.select_related("applicant", "company")
        .filter(number=number, district_id=point.district_id)
        .first()
    )
    ok = _phone_ends_in(case, last4)  # compared even without a case: the same time either way
    if case is None or not ok or case.token_revoked_at is not None:
        raise NotFound(
            _("没有找到与办件编号和手机号匹配的办件。"),
            code="not_found",
            fields={"number": [_("请核对办件编号和手机号")]},
        )
    return case
