"""Door-to-door API: GET|POST /home-visits (a worker sees only the visits assigned to them)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Router, Schema, Status

from onetrip.apischema import InSchema, one_of_required
from onetrip.auth import staff_auth
from onetrip.errors import NotFound, ValidationFailed
from onetrip.homevisits import selectors, services
from onetrip.homevisits.models import HomeVisit
from onetrip.masking import mask_name, mask_phone
from onetrip.phones import MOBILE_INPUT

router = Router(tags=["home-visits"])


class HomeVisitIn(InSchema):
    """Exactly one of ``applicant_id_number`` and ``company_credit_code``."""

    model_config = one_of_required(["applicant_id_number"], ["company_credit_code"])

    matter: str = Field(..., max_length=60)
    district: str | None = Field(None, max_length=40)
    applicant_id_number: str = Field(None, min_length=1, max_length=18)  # type: ignore[assignment]
    company_credit_code: str = Field(None, min_length=1, max_length=18)  # type: ignore[assignment]
    reason: Literal["senior", "disabled", "company", "other"]
    address: str = Field(..., max_length=200)
    phone: str = Field(..., max_length=40, pattern=rf"^{MOBILE_INPUT}$")
    note: str = Field("", max_length=300)


class HomeVisitOut(Schema):
    id: int
    matter: str
    matter_name: str
    requester: str
    reason: str
    address: str
    phone: str
    state: str
    assigned_to: str | None
    scheduled_for: dt.datetime | None
    case: str | None
    created_at: dt.datetime


def _out(v: HomeVisit) -> dict:
    holder = v.applicant.name if v.applicant else v.company.name if v.company else ""
    return {
        "id": v.pk,
        "matter": v.matter.code,
        "matter_name": v.matter.name,
        "requester": mask_name(holder) if v.applicant_id else holder,
        "reason": v.reason,
        "address": v.address,
        "phone": mask_phone(v.phone),
        "state": v.state,
        "assigned_to": str(v.assigned_to) if v.assigned_to_id else None,
        "scheduled_for": v.scheduled_for,
        "case": v.case.number if v.case else None,
        "created_at": v.created_at,
    }


@router.get(
    "/home-visits", auth=staff_auth, response=list[HomeVisitOut], summary="Visits I may see"
)
def home_visits(request, state: str | None = None):
    qs = selectors.home_visits_visible_to(user=request.user)
    if state:
        qs = qs.filter(state=state)
    return [_out(v) for v in qs.order_by("-id")[:200]]


@router.post(
    "/home-visits", auth=staff_auth, response={201: HomeVisitOut}, summary="Request a visit"
)
def home_visit_create(request, payload: HomeVisitIn):
    from onetrip.catalogue.selectors import district_get, matter_get
    from onetrip.people.models import Applicant, Company

    district = district_get(code=payload.district) if payload.district else None
    matter = matter_get(code=payload.matter, district=district)
    applicant = company = None
    if payload.applicant_id_number and not payload.company_credit_code:
        applicant = Applicant.objects.filter(id_number=payload.applicant_id_number.upper()).first()
    elif payload.company_credit_code and not payload.applicant_id_number:
        company = Company.objects.filter(credit_code=payload.company_credit_code.upper()).first()
    else:
        raise ValidationFailed(
            "applicant_id_number or company_credit_code (one of them)", code="applicant_required"
        )
    if applicant is None and company is None:
        raise NotFound("applicant not registered", code="applicant_not_found")
    visit = services.home_visit_request(
        actor=request.user,
        matter=matter,
        applicant=applicant,
        company=company,
        reason=payload.reason,
        address=payload.address,
        phone=payload.phone,
        note=payload.note,
    )
    return Status(201, _out(selectors.home_visit_get(user=request.user, visit_id=visit.pk)))
