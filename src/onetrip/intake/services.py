"""Writes for window zero: pre-checks (kept for the figures), form definitions and drafts."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onetrip.access import signed_in
from onetrip.audit.services import audit_record
from onetrip.catalogue.models import MaterialForm, Matter, ServicePoint
from onetrip.catalogue.rules import Handling, MatterRules, OnsiteStep, Route, rules_require
from onetrip.clock import local_today
from onetrip.errors import Forbidden, NotFound, ValidationFailed, required_text
from onetrip.intake.forms import clean_definition, validate_data
from onetrip.intake.models import ApplicantKind, FormDefinition, FormDraft, NextStep, PreCheck
from onetrip.intake.selectors import (
    form_draft_get,
    form_fields_for,
    holder_hash,
    point_accepts,
    points_accepting,
    queue_for,
)
from onetrip.masking import mask_id_number
from onetrip.people.validators import clean_credit_code, clean_id_number
from onetrip.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from onetrip.people.models import User

PRECHECK_PURPOSE = "导办预检：核对政府已有材料"
STAFF_PRECHECK_ROLES = (
    Role.GUIDE,
    Role.CLERK,
    Role.SOCIAL_WORKER,
    Role.SPECIALIST,
    Role.MANAGER,
    Role.ADMIN,
)


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


def _clean_holder(applicant_kind: str, holder_number: str | None, *, matter: Matter) -> str:
    """The holder's number, checked: a person's or founder's resident ID number, a company's
    credit code; an agent gives the company's credit code, or — for a company being founded,
    which has none — the founder's ID number."""
    number = (holder_number or "").strip().upper()
    if not number:
        return ""
    if applicant_kind in (ApplicantKind.PERSON, ApplicantKind.FOUNDER):
        return clean_id_number(number, field="applicant.number")
    if applicant_kind == ApplicantKind.AGENT and matter.founding:
        return clean_id_number(number, field="applicant.number")
    return clean_credit_code(number, field="applicant.number")


def _holder_numbers(applicant_kind: str, number: str, *, matter: Matter) -> dict[str, str]:
    """Numbers the government-held materials are looked up by (see
    ``sharing.selectors.holder_numbers_for``)."""
    from onetrip.people.models import Company
    from onetrip.sharing.selectors import holder_numbers_for

    if not number:
        return {}
    if applicant_kind in (ApplicantKind.PERSON, ApplicantKind.FOUNDER) or (
        applicant_kind == ApplicantKind.AGENT and matter.founding
    ):
        return {"person": number}
    company = Company.objects.filter(credit_code=number).first()
    return holder_numbers_for(company=company) if company else {"company": number}


def _bad_credit(applicant_kind: str, number: str) -> bool:
    if not number:
        return False
    from onetrip.people.models import Applicant, Company

    if len(number) == 18 and applicant_kind in (ApplicantKind.PERSON, ApplicantKind.FOUNDER):
        return Applicant.objects.filter(id_number=number, bad_credit=True).exists()
    return (
        Company.objects.filter(credit_code=number, bad_credit=True).exists()
        or Applicant.objects.filter(id_number=number, bad_credit=True).exists()
    )


def _owns(actor: User | None, applicant_kind: str, number: str) -> bool:
    """The signed-in user is the person with this ID number, or a user of this company."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    from onetrip.people.models import Applicant, Company

    if Applicant.objects.filter(id_number=number, user=actor).exists():
        return True  # a person, a founder, or an agent giving their own ID number
    return Company.objects.filter(credit_code=number, users=actor).exists()


def _default_reason(material) -> str:
    form = MaterialForm(material.form).label if material.form else ""
    return _("必需材料：%(form)s %(count)d 份") % {"form": form, "count": material.count}


# lazy: a module-level text is translated when shown, in the request's language
ONSITE_TEXT = {
    OnsiteStep.REALNAME: gettext_lazy(
        "需法定代表人（申请人）本人到窗口现场实名核验，不能全程网办。"
    ),
}


def _next_step(
    *, matter: Matter, rules: MatterRules, applicant_kind: str, point: ServicePoint | None
) -> tuple[str, dict[str, Any]]:
    """The route the rule set gives: online when it offers it, else a ticket here (or at the
    district centre), else the nearest street/community points, else door-to-door."""
    onsite = [
        {"code": step, "text": str(ONSITE_TEXT.get(OnsiteStep(step), step))}
        for step in rules.onsite_steps
    ]
    visits = {"visits_promised": rules.visits_promised, "onsite_steps": onsite}
    if Route.ONLINE in rules.routes:
        return NextStep.ONLINE, {
            "message": _("本事项可网上办理，无需排队：请在网上提交申请。"),
            "url": f"/matters/{matter.code}/form/",
            **visits,
        }
    here = point or matter.district
    if (Route.QUEUE in rules.routes or Route.NEARBY in rules.routes) and point_accepts(
        point=here, matter=matter
    ):
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
            **visits,
        }
        if queue is not None:
            detail["queue"] = {"id": queue.pk, "code": queue.code, "name": queue.name}
            detail["message"] = _("请取“%(queue)s”号（%(code)s字头）办理。") % {
                "queue": queue.name,
                "code": queue.code,
            }
        if onsite:
            detail["message"] = f"{detail['message']} {onsite[0]['text']}"
        nearby = points_accepting(matter=matter, near=here, limit=5)
        detail["also_at"] = [_point_dict(p) for p in nearby if p.pk != here.pk]
        return NextStep.TICKET, detail
    if Route.NEARBY in rules.routes:
        points = points_accepting(matter=matter, near=point)
        return NextStep.NEAREST_POINT, {
            "message": _("本事项可就近到以下街道、社区网点办理。"),
            "points": [_point_dict(p) for p in points],
            **visits,
        }
    return NextStep.DOOR, {
        "message": _("本事项可预约上门办理：工作人员上门受理，无需跑动。"),
        **visits,
    }


@transaction.atomic
def precheck_run(
    *,
    matter: Matter,
    applicant_kind: str,
    holder_number: str | None = None,
    materials_at_hand: list[int],
    actor: User | None = None,
    point: ServicePoint | None = None,
    on: dt.date | None = None,
) -> PreCheck:
    """Check the materials at hand against the matter's rule set (``catalogue.rules``) for this
    kind of applicant and store the answer.

    missing: materials to hand in that are not at hand (with the reason); held: materials the
    government holds — found in shared data for the right holder (each lookup is logged) or
    held without a record kind; later: 容缺 materials not at hand (not for applicants on the
    bad-credit list); waived materials (an authorisation when nobody acts for the applicant)
    are not mentioned. The next step is the rule set's first route: online, a ticket for the
    right queue, the nearest street/community points, or door-to-door.
    """
    from onetrip.sharing.selectors import held_material_lookup
    from onetrip.sharing.services import shared_document_read_log

    if matter is None or not matter.is_active:
        raise NotFound(_("未找到该事项。"), code="matter_not_found")
    if applicant_kind not in ApplicantKind.values:
        raise ValidationFailed(
            _("申请人类型应为个人、企业、设立企业或中介代办。"),
            code="invalid_applicant_kind",
            fields={"applicant.kind": [_("类型无效")]},
        )
    rules = rules_require(matter=matter, applicant_kind=applicant_kind)
    number = _clean_holder(applicant_kind, holder_number, matter=matter)
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
    staff = bool(authenticated and actor is not None and actor.has_role(*STAFF_PRECHECK_ROLES))
    if point is None and staff and actor is not None:
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
    numbers = _holder_numbers(applicant_kind, looked_up or "", matter=matter)

    missing, held, later = [], [], []
    for material in materials:
        rule = rules.material(material.pk)
        handling = rule.handling if rule else Handling.HAND_IN
        if material.pk in at_hand_ids or handling in (Handling.WAIVED, Handling.OPTIONAL):
            continue
        reason = ""
        if handling == Handling.HELD and material.shared_kind:
            found = held_material_lookup(
                kind=material.shared_kind, numbers=numbers, on=on, district=matter.district
            )
            document = found.document
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
            if found.reason == "unavailable":
                from onetrip.sharing.selectors import source_failures_text

                reason = _("%(why)s，暂时无法查询%(name)s：请携带原件，窗口收取纸质材料。") % {
                    "name": material.name,
                    "why": source_failures_text(found.failed),
                }
            elif looked_up:
                reason = _("共享数据中未查到您的%(name)s，请携带。") % {"name": material.name}
            elif number:
                reason = _("政府已有的%(name)s仅本人登录后或由工作人员查询：请登录或携带。") % {
                    "name": material.name
                }
            else:
                reason = _("未提供证件号码，无法查询政府已有的%(name)s：请提供号码或携带。") % {
                    "name": material.name
                }
        elif handling == Handling.HELD:
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
        elif handling == Handling.LATER:
            if not bad_credit:
                later.append(
                    {
                        "id": material.pk,
                        "name": material.name,
                        "note": material.note,
                        "due_days": rules.later_days,
                    }
                )
                continue
            reason = _("申请人在失信名单上，不适用容缺受理，须当场提交。")
        missing.append(
            {
                "id": material.pk,
                "name": material.name,
                "form": material.get_form_display(),
                "count": material.count,
                "reason": str(reason or material.note or _default_reason(material)),
            }
        )
    step, detail = _next_step(
        matter=matter, rules=rules, applicant_kind=applicant_kind, point=point
    )
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
        precheck,
        "precheck",
        actor=actor,
        to_state="complete" if precheck.complete else "incomplete",
        point=point,
        data={"matter": matter.code, "missing": len(missing), "next_step": step},
    )
    return precheck


@transaction.atomic
def precheck_link_case(
    *, precheck: PreCheck, case_number: str, actor: User | None = None
) -> PreCheck:
    """Remember which case followed a pre-check (for the with/without pre-check comparison)."""
    case_number = required_text(
        case_number, _("请填写办件编号。"), code="case_required", field="case_number"
    )
    PreCheck.objects.filter(pk=precheck.pk).update(case_number=case_number)
    precheck.case_number = case_number
    audit_record(precheck, "link_case", actor=actor, note=case_number)
    return precheck


@transaction.atomic
def form_definition_save(
    *, matter: Matter, fields: Any, title: str = "", actor: User | None = None
) -> FormDefinition:
    cleaned = clean_definition(fields)
    definition, created = FormDefinition.objects.update_or_create(
        matter=matter, defaults={"fields": cleaned, "title": (title or "").strip()}
    )
    audit_record(definition, "create" if created else "update", actor=actor, note=matter.code)
    return definition


def form_check(*, matter: Matter, data: dict[str, Any], partial: bool = False):
    """Validate form data (``partial``: only the fields present). Returns (cleaned, errors)."""
    fields = form_fields_for(matter=matter)
    if partial:
        fields = [f for f in fields if f["name"] in data]
    return validate_data(fields, data, enforce_required=True)


@transaction.atomic
def form_draft_save(
    *, matter: Matter, data: Any, user: User | AnonymousUser | None = None, token: str | None = None
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
    owner = signed_in(user)
    if token:
        draft = form_draft_get(token=token, matter=matter, user=owner)
        draft.data = cleaned
        draft.save(update_fields=["data", "updated_at"])
        return draft
    return FormDraft.objects.create(matter=matter, user=owner, data=cleaned)
