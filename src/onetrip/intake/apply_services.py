"""The online application (网上办): one write, one transaction.

Everything is checked first against the matter's rule set (``catalogue.rules``, the one the
pre-check and the window intake read): who applies (a person, a company, a person founding a
company, an agent for a company it is authorised for), the route (online, or the on-site step
that makes it the one visit), the form, delivery, each upload and each 容缺 commitment. Only
then is the case opened through the cases services, the scans stored and the case submitted;
on any error nothing is written.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from onetrip.cases import services as case_services
from onetrip.cases.models import Case, Channel, MaterialStatus
from onetrip.catalogue.models import Matter
from onetrip.catalogue.rules import ApplicantKind
from onetrip.clock import local_today
from onetrip.errors import Forbidden, ValidationFailed
from onetrip.intake.apply_selectors import (
    Holder,
    form_fields_for_holder,
    holder_rules,
    holders_for,
    material_plan,
)
from onetrip.intake.forms import validate_data
from onetrip.intake.models import OnlineApplication, OnlineDelivery
from onetrip.roles import Role

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from onetrip.people.models import User

MAX_ADDRESS = 200


def _holder_for(*, user: User, holder_key: str, matter: Matter, on: dt.date) -> Holder:
    """The holder the form names, allowed by the rule set to apply online; else a 4xx."""
    holders = {h["key"]: h for h in holders_for(user=user, on=on)}
    holder = holders.get(holder_key or "")
    if holder is None:
        if (holder_key or "").startswith("client-") and user.has_role(Role.AGENT):
            raise Forbidden(
                _("代办机构未取得该企业有效的授权委托，不能代为申请：请先登记授权委托书。"),
                code="authorisation_required",
                fields={"holder": [_("无有效授权")]},
            )
        raise ValidationFailed(
            _("请选择以谁的名义申请。"), code="holder_required", fields={"holder": [_("必选")]}
        )
    rules = holder_rules(matter=matter, holder=holder)
    if not rules.allowed:
        raise ValidationFailed(
            rules.refusal, code="audience_mismatch", fields={"holder": [_("申请人类型不符")]}
        )
    if not rules.online:
        if rules.onsite_steps:
            raise ValidationFailed(
                _(
                    "本事项需本人到窗口现场实名核验一次，不能全程网上办理：请先预检材料，再取号办理。"
                ),
                code="realname_onsite_required",
                fields={"holder": [_("需到现场一次")]},
            )
        raise ValidationFailed(_("该事项不支持网上办理。"), code="channel_not_offered")
    return holder


@transaction.atomic
def online_apply(
    *,
    actor: User,
    matter: Matter,
    holder_key: str,
    form_data: dict[str, Any],
    delivery: str,
    delivery_address: str = "",
    uploads: dict[int, Any] | None = None,
    later: list[int] | tuple[int, ...] | set[int] = (),
    commitment_signed: bool = False,
    now: dt.datetime | None = None,
) -> Case:
    """Apply online with no visit (see the module docstring).

    ``uploads`` maps a catalogue Material id to an uploaded file; ``later`` lists the 容缺
    materials the applicant will hand in later, on the signed commitment
    (``commitment_signed``). A founder's company is recorded by the name in the form, without
    a credit code; an agent applies for a client company on its authorisation."""
    if not getattr(actor, "is_authenticated", False):
        raise Forbidden(_("请先登录。"), code="not_authenticated", status=401)
    if not matter.is_active or not matter.channel_online:
        raise ValidationFailed(_("该事项不支持网上办理。"), code="channel_not_offered")
    today = local_today(now)
    uploads = {k: v for k, v in (uploads or {}).items() if v is not None}
    later_ids = set()
    for value in later or ():
        try:
            later_ids.add(int(value))
        except (TypeError, ValueError):
            raise ValidationFailed(
                _("容缺材料无效。"), code="invalid_material", fields={"later": [_("无效")]}
            ) from None
    errors: dict[str, list[str]] = {}
    holder: Holder | None = None
    try:
        holder = _holder_for(user=actor, holder_key=holder_key, matter=matter, on=today)
    except ValidationFailed as exc:
        errors.update(exc.fields or {"holder": [str(exc.message)]})
        if exc.code == "realname_onsite_required":
            raise
    fields = form_fields_for_holder(matter=matter, holder=holder)
    cleaned, form_errors = validate_data(fields, dict(form_data or {}), enforce_required=True)
    for name, message in form_errors.items():
        errors[f"form.{name}"] = [message]
    if holder is not None:
        if holder["kind"] in (ApplicantKind.COMPANY, ApplicantKind.AGENT):
            key = "credit_code"
        else:
            key = "id_number"
        if cleaned.get(key) and cleaned[key] != holder["number"]:
            errors[f"form.{key}"] = [_("须与所选申请人的证件号码一致。")]
        if holder["kind"] == ApplicantKind.FOUNDER and not (cleaned.get("company_name") or ""):
            errors["form.company_name"] = [_("设立企业须填写拟设立的企业名称。")]
    if delivery not in OnlineDelivery.values:
        errors["delivery"] = [_("请选择送达方式。")]
    address = (delivery_address or "").strip()
    if delivery in (OnlineDelivery.POST, OnlineDelivery.HOME) and not address:
        errors["delivery_address"] = [_("邮寄或送达上门须填写地址。")]
    if len(address) > MAX_ADDRESS:
        errors["delivery_address"] = [_("地址过长。")]
    plan = material_plan(matter=matter, holder=holder, on=today) if holder else []
    by_id = {p["material"].pk: p for p in plan}
    for pk in uploads:
        if pk not in by_id or not by_id[pk]["upload"]:
            errors[f"material_{pk}"] = [_("该材料无需上传。")]
    for pk in later_ids:
        item = by_id.get(pk)
        if item is None or not item["later"]:
            errors[f"material_{pk}"] = [_("该材料不适用容缺后补。")]
        elif pk in uploads:
            errors[f"material_{pk}"] = [_("已上传的材料无需容缺后补。")]
    if later_ids and not commitment_signed:
        errors["commitment_signed"] = [_("容缺受理须由申请人签署承诺书。")]
    for pk, item in by_id.items():
        if not item["upload"]:
            continue
        upload = uploads.get(pk)
        if upload is None:
            if item["later"] and pk not in later_ids:
                errors[f"material_{pk}"] = [
                    _("请上传“%(name)s”，或选择容缺后补并签署承诺。")
                    % {"name": item["material"].name}
                ]
            elif item["required"] and pk not in later_ids:
                errors[f"material_{pk}"] = [
                    _("请上传“%(name)s”。") % {"name": item["material"].name}
                ]
            continue
        problem = _upload_problem(upload)
        if problem:
            errors[f"material_{pk}"] = [problem]
    if errors:
        raise ValidationFailed(
            _("有 %(n)d 处需要修改，申请未提交。") % {"n": len(errors)},
            code="validation_failed",
            fields=errors,
        )
    assert holder is not None
    applicant, company = holder["applicant"], holder["company"]
    if holder["kind"] == ApplicantKind.FOUNDER and applicant is not None:  # a founder is a person
        from onetrip.people.services import company_found

        company = company_found(
            name=cleaned["company_name"],
            founder=applicant,
            phone=cleaned.get("phone") or applicant.phone,
            actor=actor,
        )
        applicant = None
    given = {pk: {"status": MaterialStatus.LATER, "commitment_signed": True} for pk in later_ids}
    case = case_services.case_create(
        matter=matter,
        actor=actor,
        channel=Channel.ONLINE,
        applicant=applicant,
        company=company,
        materials=given,
        submit=False,
        now=now,
    )
    rows = {cm.material_id: cm for cm in case.materials.all()}
    for pk, upload in uploads.items():
        case_services.case_file_upload(
            case=case, case_material_id=rows[pk].pk, actor=actor, upload=upload, now=now
        )
    OnlineApplication.objects.create(
        case=case,
        applied_by=actor,
        form_data=cleaned,
        delivery=delivery,
        delivery_address=address,
    )
    return case_services.case_transition(case=case, action="submit", actor=actor, now=now)


def _upload_problem(upload: UploadedFile | None) -> str:
    """Why the scan cannot be stored (``cases.services.upload_checked``); "" when it can."""
    try:
        case_services.upload_checked(upload)
    except ValidationFailed as exc:
        return str(exc.message)
    return ""
