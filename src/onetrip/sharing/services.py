"""Writes for shared data: registering and revoking records, and logging every read."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from onetrip.access import signed_in
from onetrip.audit.services import audit_record
from onetrip.errors import Conflict, ValidationFailed, limited_text, required_text
from onetrip.masking import mask_id_number
from onetrip.people.validators import clean_credit_code, clean_id_number
from onetrip.sharing.models import KIND_HOLDER, HolderKind, SharedDocument, ShareReadLog
from onetrip.sharing.selectors import shared_documents_for_holder

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from onetrip.catalogue.models import Department, ServicePoint
    from onetrip.people.models import User
    from onetrip.sharing.sources import SharedRecord


def _clean_purpose(purpose: str) -> str:
    purpose = required_text(
        purpose, _("读取共享数据必须说明用途。"), code="purpose_required", field="purpose"
    )
    return limited_text(
        purpose, 200, _("用途说明不能超过200个字。"), code="purpose_too_long", field="purpose"
    )


@transaction.atomic
def shared_document_read_log(
    *,
    document: SharedDocument | SharedRecord,
    reader: User | AnonymousUser | None,
    purpose: str,
    case_ref: str = "",
) -> ShareReadLog:
    """Record that ``reader`` (a user, or None for self-service) read ``document`` and why."""
    purpose = _clean_purpose(purpose)
    reader = signed_in(reader)  # self-service (no one signed in) is recorded as None
    return ShareReadLog.objects.create(
        document=document if isinstance(document, SharedDocument) else None,
        source=getattr(document, "source", "local") or "local",
        kind=document.kind,
        number=document.number,
        holder_number_masked=mask_id_number(document.holder_number),
        reader=reader,
        purpose=purpose,
        case_ref=case_ref or "",
    )


def shared_documents_read(
    *,
    holder_number: str,
    reader: User | AnonymousUser | None,
    purpose: str,
    kinds: list[str] | None = None,
    on: dt.date | None = None,
    district: ServicePoint | None = None,
    case_ref: str = "",
) -> list[Any]:
    """Find the holder's valid records and log one read per record returned."""
    purpose = _clean_purpose(purpose)
    records = shared_documents_for_holder(
        holder_number=holder_number, kinds=kinds, on=on, district=district
    )
    with transaction.atomic():
        for record in records:
            shared_document_read_log(
                document=record, reader=reader, purpose=purpose, case_ref=case_ref
            )
    return records


@transaction.atomic
def shared_document_issue(
    *,
    kind: str,
    holder_number: str,
    title: str,
    number: str,
    source_department: Department,
    issued_on: dt.date,
    valid_until: dt.date | None = None,
    holder_name: str = "",
    data: dict[str, Any] | None = None,
    actor: User | None = None,
) -> SharedDocument:
    """Register a record a department issued. The holder number is checked by its checksum."""
    kind = (kind or "").strip()
    title = (title or "").strip()
    number = (number or "").strip()
    errors: dict[str, list[str]] = {}
    if not kind:
        errors["kind"] = [_("必填")]
    if not title:
        errors["title"] = [_("必填")]
    if not number:
        errors["number"] = [_("必填")]
    if valid_until is not None and valid_until < issued_on:
        errors["valid_until"] = [_("有效期不能早于签发日期")]
    if errors:
        raise ValidationFailed(_("共享证照信息不完整或有误。"), fields=errors)
    expected = KIND_HOLDER.get(kind)
    raw = (holder_number or "").strip().upper()
    holder_kind: str | None
    if expected == HolderKind.COMPANY or (expected is None and not raw[:1].isdigit()):
        holder_kind = HolderKind.COMPANY
        holder_number = clean_credit_code(raw, field="holder_number")
    elif expected == HolderKind.PERSON:
        holder_kind = HolderKind.PERSON
        holder_number = clean_id_number(raw, field="holder_number")
    else:
        from onetrip.sharing.sources import holder_kind_of

        holder_kind = holder_kind_of(raw)
        if holder_kind is None:
            raise ValidationFailed(
                _("持有人证件号码无效：应为公民身份号码或统一社会信用代码。"),
                code="invalid_holder_number",
                fields={"holder_number": [_("证件号码无效")]},
            )
        holder_number = raw
    if SharedDocument.objects.filter(
        source_department=source_department, kind=kind, number=number
    ).exists():
        raise Conflict(_("该部门已登记同一编号的证照。"), code="shared_document_exists")
    document = SharedDocument.objects.create(
        kind=kind,
        holder_kind=holder_kind,
        holder_number=holder_number,
        holder_name=holder_name,
        title=title,
        number=number,
        source_department=source_department,
        issued_on=issued_on,
        valid_until=valid_until,
        data=data or {},
    )
    audit_record(document, "issue", actor=actor, to_state="valid", note=f"{kind} {number}")
    return document


@transaction.atomic
def shared_document_revoke(*, document: SharedDocument, reason: str, actor: User | None = None):
    reason = required_text(
        reason, _("注销证照须说明原因。"), code="reason_required", field="reason"
    )
    updated = SharedDocument.objects.filter(pk=document.pk, revoked=False).update(revoked=True)
    if updated:
        document.revoked = True
        audit_record(
            document, "revoke", actor=actor, from_state="valid", to_state="revoked", note=reason
        )
    return document
