"""Writes for people: applicants, companies, agencies, API tokens."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.audit.services import audit_record
from onetrip.errors import Conflict, ValidationFailed
from onetrip.people.models import Agency, ApiToken, Applicant, Company, User
from onetrip.people.validators import clean_credit_code, clean_id_number, clean_phone


def _birth_date(id_number: str):
    from stdnum.cn import ric

    return ric.get_birth_date(id_number)


@transaction.atomic
def applicant_register(
    *,
    name: str,
    id_number: str,
    phone: str = "",
    address: str = "",
    actor: Any = None,
    user: User | None = None,
) -> Applicant:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(
            _("请填写姓名。"), code="name_required", fields={"name": [_("必填")]}
        )
    id_number = clean_id_number(id_number)
    if phone:
        phone = clean_phone(phone)
    if Applicant.objects.filter(id_number=id_number).exists():
        raise Conflict(_("该公民身份号码已登记。"), code="applicant_exists")
    applicant = Applicant.objects.create(
        name=name,
        id_number=id_number,
        phone=phone,
        address=address,
        birth_date=_birth_date(id_number),
        user=user,
    )
    audit_record(
        actor=actor,
        subject_type="applicant",
        subject_id=applicant.pk,
        action="register",
        to_state="registered",
    )
    return applicant


@transaction.atomic
def company_register(
    *,
    name: str,
    credit_code: str,
    legal_representative: str = "",
    phone: str = "",
    address: str = "",
    actor: Any = None,
) -> Company:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(
            _("请填写企业名称。"), code="name_required", fields={"name": [_("必填")]}
        )
    credit_code = clean_credit_code(credit_code)
    if phone:
        phone = clean_phone(phone)
    if Company.objects.filter(credit_code=credit_code).exists():
        raise Conflict(_("该统一社会信用代码已登记。"), code="company_exists")
    company = Company.objects.create(
        name=name,
        credit_code=credit_code,
        legal_representative=legal_representative,
        phone=phone,
        address=address,
    )
    audit_record(
        actor=actor,
        subject_type="company",
        subject_id=company.pk,
        action="register",
        to_state="registered",
    )
    return company


@transaction.atomic
def agency_register(
    *,
    district: Any,
    name: str,
    credit_code: str,
    contact_name: str = "",
    phone: str = "",
    address: str = "",
    actor: Any = None,
) -> Agency:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(
            _("请填写机构名称。"), code="name_required", fields={"name": [_("必填")]}
        )
    credit_code = clean_credit_code(credit_code)
    if phone:
        phone = clean_phone(phone)
    if Agency.objects.filter(credit_code=credit_code).exists():
        raise Conflict(_("该代办机构已登记。"), code="agency_exists")
    agency = Agency.objects.create(
        district=district,
        name=name,
        credit_code=credit_code,
        contact_name=contact_name,
        phone=phone,
        address=address,
    )
    audit_record(
        actor=actor,
        subject_type="agency",
        subject_id=agency.pk,
        action="register",
        to_state=agency.status,
    )
    return agency


@transaction.atomic
def api_token_create(*, user: User, name: str, actor: Any = None) -> tuple[ApiToken, str]:
    """Create a token and return it with the clear key, which is shown once and never stored."""
    key = "ot_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[3:11], key_hash=ApiToken.hash_key(key)
    )
    audit_record(
        actor=actor,
        subject_type="api_token",
        subject_id=token.pk,
        action="create",
        to_state="active",
        note=name,
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: Any = None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            subject_type="api_token",
            subject_id=token.pk,
            action="revoke",
            from_state="active",
            to_state="revoked",
        )
    return token
