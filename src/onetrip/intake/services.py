"""Writes for window zero: pre-checks (kept for the figures), form definitions and drafts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from onetrip.audit.services import audit_record
from onetrip.catalogue.models import MaterialForm, Matter, ServicePoint
from onetrip.clock import local_today
from onetrip.errors import Forbidden, NotFound, ValidationFailed
from onetrip.intake.forms import clean_definition, validate_data
from onetrip.intake.models import ApplicantKind, FormDefinition, FormDraft, NextStep, PreCheck
from onetrip.intake.selectors import (
    audience_allows,
    form_draft_get,
    form_fields_for,
    holder_hash,
    point_accepts,
    points_accepting,
    queue_for,
)
from onetrip.masking import mask_id_number
from onetrip.people.validators import clean_credit_code, clean_id_number

PRECHECK_PURPOSE = "导办预检：核对政府已有材料"
STAFF_PRECHECK_ROLES = ("guide", "clerk", "social_worker", "specialist", "manager", "admin")


def _hhmm(value: Any) -> str:
    return value.strftime("%H:%M") if hasattr(value, "strftime") else str(value)[:5]


def _point_dict(point: ServicePoint) -> dict[str, Any]:
    return {
        "code": point.code,
        "name": point.name,
        "level": point.level,
        "address": point.address,
        "phone": point.phone,
        "hours": f"{_hhmm(point.opens_at)}–{_hhmm(point.closes_at)}",
        "open_weekdays": point.open_weekdays,
    }


def _clean_holder(applicant_kind: str, holder_number: str | None) -> str:
    number = (holder_number or "").strip().upper()
    if not number:
        return ""
    if applicant_kind == ApplicantKind.PERSON:
        return clean_id_number(number, field="applicant.number")
    return clean_credit_code(number, field="applicant.number")


def _bad_credit(applicant_kind: str, number: str) -> bool:
    if not number:
        return False
    from onetrip.people.models import Applicant, Company

    if applicant_kind == ApplicantKind.PERSON:
        return Applicant.objects.filter(id_number=number, bad_credit=True).exists()
    return Company.objects.filter(credit_code=number, bad_credit=True).exists()


def _owns(actor: Any, applicant_kind: str, number: str) -> bool:
    """The signed-in user is the person with this ID number, or a user of this company."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    from onetrip.people.models import Applicant, Company

    if applicant_kind == ApplicantKind.PERSON:
        return Applicant.objects.filter(id_number=number, user=actor).exists()
    return Company.objects.filter(credit_code=number, users=actor).exists()


def _default_reason(material) -> str:
    form = MaterialForm(material.form).label if material.form else ""
    return _("必需材料：%(form)s %(count)d 份") % {"form": form, "count": material.count}


def _next_step(
    *, matter: Matter, applicant_kind: str, point: ServicePoint | None
) -> tuple[str, dict[str, Any]]:
    if matter.channel_online and (matter.visits_needed == 0 or matter.online_depth >= 3):
        return NextStep.ONLINE, {
            "message": _("本事项可网上办理，无需排队：请在网上提交申请。"),
            "url": f"/matters/{matter.code}/form/",
        }
    here = point or matter.district
    if point_accepts(point=here, matter=matter):
        queue = queue_for(point=here, matter=matter, applicant_kind=applicant_kind)
        queue_kind = "agent" if applicant_kind == ApplicantKind.AGENT else "self"
        detail: dict[str, Any] = {
            "point": _point_dict(here),
            "queue_kind": queue_kind,
            "queue": None,
            "message": (
                _("请到中介代办窗口取号办理。")
                if queue_kind == "agent"
                else _("请取号到自办窗口办理。")
            ),
        }
        if queue is not None:
            detail["queue"] = {"id": queue.pk, "code": queue.code, "name": queue.name}
            detail["message"] = _("请取“%(queue)s”号（%(code)s字头）办理。") % {
                "queue": queue.name,
                "code": queue.code,
            }
        nearby = points_accepting(matter=matter, near=here, limit=5)
        detail["also_at"] = [_point_dict(p) for p in nearby if p.pk != here.pk]
        return NextStep.TICKET, detail
    points = points_accepting(matter=matter, near=point)
    return NextStep.NEAREST_POINT, {
        "message": _("本事项可就近到以下街道、社区网点办理。"),
        "points": [_point_dict(p) for p in points],
    }


@transaction.atomic
def precheck_run(
    *,
    matter: Matter,
    applicant_kind: str,
    holder_number: str | None = None,
    materials_at_hand: list[int],
    actor: Any = None,
    point: ServicePoint | None = None,
    on: dt.date | None = None,
) -> PreCheck:
    """Check the materials at hand against the matter's list and store the answer.

    missing: required materials neither at hand, nor held by government, nor allowed later
    (with the reason); held: ``government_held`` materials and those found in shared data for
    the holder (each lookup is logged); later: 容缺 materials not at hand (not for applicants on
    the bad-credit list). The next step is online, a ticket for the right queue, or the nearest
    street/community points that accept the matter.
    """
    from onetrip.sharing.selectors import shared_document_find
    from onetrip.sharing.services import shared_document_read_log

    if matter is None or not matter.is_active:
        raise NotFound(_("未找到该事项。"), code="matter_not_found")
    if applicant_kind not in ApplicantKind.values:
        raise ValidationFailed(
            _("申请人类型应为个人、企业或中介代办。"),
            code="invalid_applicant_kind",
            fields={"applicant.kind": [_("类型无效")]},
        )
    if not audience_allows(matter=matter, applicant_kind=applicant_kind):
        raise ValidationFailed(
            _("事项“%(matter)s”的服务对象是%(audience)s，与申请人类型不符。")
            % {"matter": matter.name, "audience": matter.get_audience_display()},
            code="audience_mismatch",
            fields={"applicant.kind": [_("与事项服务对象不符")]},
        )
    number = _clean_holder(applicant_kind, holder_number)
    if isinstance(materials_at_hand, list | tuple | set):
        at_hand_ids = set()
        for value in materials_at_hand:
            if isinstance(value, bool) or not str(value).isdigit():
                raise ValidationFailed(
                    _("材料编号应为整数。"),
                    code="invalid_material",
                    fields={"materials_at_hand": [_("材料编号无效")]},
                )
            at_hand_ids.add(int(value))
    else:
        raise ValidationFailed(
            _("材料清单应为列表。"),
            code="invalid_material",
            fields={"materials_at_hand": [_("应为列表")]},
        )
    materials = list(
        matter.materials.select_related("issuing_department").order_by("position", "id")
    )
    known = {m.pk for m in materials}
    unknown = sorted(at_hand_ids - known)
    if unknown:
        raise ValidationFailed(
            _("材料 %(ids)s 不属于事项“%(matter)s”。")
            % {"ids": ", ".join(map(str, unknown)), "matter": matter.name},
            code="unknown_material",
            fields={"materials_at_hand": [_("含有不属于本事项的材料")]},
        )
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    staff = authenticated and actor.has_role(*STAFF_PRECHECK_ROLES)
    if point is None and staff:
        point = actor.point
    if point is not None and point.district_id != matter.district_id:
        raise Forbidden(
            _("网点“%(point)s”不属于事项所在区县。") % {"point": point.name},
            code="point_outside_district",
        )
    on = on or local_today()
    # Held documents and credit status are looked up only for staff or the number's signed-in
    # owner: for anyone else the pre-check would be an oracle on government records.
    looked_up = number if number and (staff or _owns(actor, applicant_kind, number)) else None
    bad_credit = _bad_credit(applicant_kind, looked_up) if looked_up else False

    missing, held, later = [], [], []
    for material in materials:
        if material.pk in at_hand_ids:
            continue
        if material.shared_kind:
            document = (
                shared_document_find(
                    holder_number=looked_up,
                    kind=material.shared_kind,
                    on=on,
                    district=matter.district,
                )
                if looked_up
                else None
            )
            if document is not None:
                shared_document_read_log(
                    document=document,
                    reader=actor if authenticated else None,
                    purpose=PRECHECK_PURPOSE,
                )
                held.append(
                    {
                        "id": material.pk,
                        "name": material.name,
                        "source": f"{document.source_department} {document.title}",
                        "number": document.number,
                        "valid_until": (
                            document.valid_until.isoformat() if document.valid_until else None
                        ),
                    }
                )
                continue
        elif material.government_held:
            held.append(
                {
                    "id": material.pk,
                    "name": material.name,
                    "source": str(material.issuing_department or _("政府已有")),
                    "number": "",
                    "valid_until": None,
                }
            )
            continue
        if material.later_allowed and not bad_credit:
            later.append({"id": material.pk, "name": material.name, "note": material.note})
            continue
        if not material.required and not material.later_allowed:
            continue
        if material.shared_kind and material.government_held:
            reason = (
                _("共享数据中未查到您的%(name)s，请携带。") % {"name": material.name}
                if looked_up
                else _("政府已有的%(name)s仅本人登录后或由工作人员查询：请登录或携带。")
                % {"name": material.name}
                if number
                else _("未提供证件号码，无法查询政府已有的%(name)s：请提供号码或携带。")
                % {"name": material.name}
            )
        elif material.later_allowed and bad_credit:
            reason = _("申请人在失信名单上，不适用容缺受理，须当场提交。")
        else:
            reason = material.note or _default_reason(material)
        missing.append(
            {
                "id": material.pk,
                "name": material.name,
                "form": material.get_form_display(),
                "count": material.count,
                "reason": reason,
            }
        )
    step, detail = _next_step(matter=matter, applicant_kind=applicant_kind, point=point)
    precheck = PreCheck.objects.create(
        district=matter.district,
        matter=matter,
        point=point,
        actor=actor if authenticated else None,
        self_service=not staff,
        applicant_kind=applicant_kind,
        holder_masked=mask_id_number(number),
        holder_hash=holder_hash(number),
        at_hand=sorted(at_hand_ids),
        missing=missing,
        held=held,
        later=later,
        complete=not missing,
        next_step=step,
        next_detail=detail,
    )
    audit_record(
        actor=actor,
        subject_type="precheck",
        subject_id=precheck.pk,
        action="precheck",
        to_state="complete" if precheck.complete else "incomplete",
        point=point,
        data={"matter": matter.code, "missing": len(missing), "next_step": step},
    )
    return precheck


@transaction.atomic
def precheck_link_case(*, precheck: PreCheck, case_number: str, actor: Any = None) -> PreCheck:
    """Remember which case followed a pre-check (for the with/without pre-check comparison)."""
    case_number = (case_number or "").strip()
    if not case_number:
        raise ValidationFailed(_("请填写办件编号。"), code="case_required")
    PreCheck.objects.filter(pk=precheck.pk).update(case_number=case_number)
    precheck.case_number = case_number
    audit_record(
        actor=actor,
        subject_type="precheck",
        subject_id=precheck.pk,
        action="link_case",
        note=case_number,
    )
    return precheck


@transaction.atomic
def form_definition_save(
    *, matter: Matter, fields: Any, title: str = "", actor: Any = None
) -> FormDefinition:
    cleaned = clean_definition(fields)
    definition, created = FormDefinition.objects.update_or_create(
        matter=matter, defaults={"fields": cleaned, "title": (title or "").strip()}
    )
    audit_record(
        actor=actor,
        subject_type="form_definition",
        subject_id=definition.pk,
        action="create" if created else "update",
        note=matter.code,
    )
    return definition


def form_check(*, matter: Matter, data: dict[str, Any], partial: bool = False):
    """Validate form data (``partial``: only the fields present). Returns (cleaned, errors)."""
    fields = form_fields_for(matter=matter)
    if partial:
        fields = [f for f in fields if f["name"] in data]
    return validate_data(fields, data, enforce_required=True)


@transaction.atomic
def form_draft_save(
    *, matter: Matter, data: Any, user: Any = None, token: str | None = None
) -> FormDraft:
    """Save a draft: blanks allowed, but every filled field must be valid — else nothing saved."""
    if not isinstance(data, dict):
        raise ValidationFailed(_("草稿内容应为字段到取值的对象。"), code="invalid_draft")
    fields = form_fields_for(matter=matter)
    cleaned, errors = validate_data(fields, data, enforce_required=False)
    if errors:
        raise ValidationFailed(
            _("有 %(n)d 处填写有误，草稿未保存。") % {"n": len(errors)},
            code="validation_failed",
            fields={k: [v] for k, v in errors.items()},
        )
    owner = user if getattr(user, "is_authenticated", False) else None
    if token:
        draft = form_draft_get(token=token, matter=matter, user=owner)
        draft.data = cleaned
        draft.save(update_fields=["data", "updated_at"])
        return draft
    return FormDraft.objects.create(matter=matter, user=owner, data=cleaned)
