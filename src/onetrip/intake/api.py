"""Window-zero API: ``POST /api/v1/precheck`` and form help under ``/api/v1/forms/…``.

Public endpoints (``optional_auth``): a kiosk or the applicant may call them without signing
in. The caller counts as a guide (actor) only when identified by an API token, never by a
browser session, so a cross-site request cannot act in a signed-in guide's name.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Router, Schema, Status

from onetrip.apischema import Bool, FreeData, Id, InSchema
from onetrip.auth import optional_auth
from onetrip.catalogue.models import ServicePoint
from onetrip.catalogue.rules import ApplicantKind
from onetrip.catalogue.selectors import district_by_code
from onetrip.errors import NotFound
from onetrip.intake.models import PreCheck
from onetrip.intake.selectors import (
    form_draft_get,
    form_fields_for,
    form_title_for,
    matter_by_code,
)
from onetrip.intake.services import form_check, form_draft_save, precheck_run
from onetrip.throttles import ClientThrottle

router = Router(tags=["intake"])


def _token_user(request):
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
    return None


class PreCheckApplicantIn(InSchema):
    # the one code for each kind of applicant (``catalogue.rules.ApplicantKind``), as in cases
    kind: Literal[tuple(ApplicantKind.values)]  # type: ignore[valid-type]
    number: str | None = None


class PreCheckIn(InSchema):
    matter: str
    applicant: PreCheckApplicantIn
    materials_at_hand: list[Id] = Field([], max_length=200)
    district: str | None = None
    point: str | None = None


class MissingOut(Schema):
    id: int
    name: str
    form: str
    count: int
    reason: str


class HeldOut(Schema):
    id: int
    name: str
    source: str
    number: str
    valid_until: str | None = None


class LaterOut(Schema):
    id: int
    name: str
    note: str


class PreCheckOut(Schema):
    token: str
    matter: str
    complete: bool
    missing: list[MissingOut]
    held_by_government: list[HeldOut]
    later_allowed: list[LaterOut]
    next_step: dict[str, Any]
    notice_url: str
    notice_pdf_url: str


def precheck_payload(request, precheck: PreCheck) -> dict[str, Any]:
    page = f"/precheck/{precheck.token}/"
    return {
        "token": precheck.token,
        "matter": precheck.matter.code,
        "complete": precheck.complete,
        "missing": precheck.missing,
        "held_by_government": precheck.held,
        "later_allowed": precheck.later,
        "next_step": {"kind": precheck.next_step, **precheck.next_detail},
        "notice_url": request.build_absolute_uri(page),
        "notice_pdf_url": request.build_absolute_uri(page + "notice.pdf"),
    }


@router.post(
    "/precheck",
    response={201: PreCheckOut},
    auth=optional_auth,
    throttle=[ClientThrottle("precheck")],
    summary="Pre-check an applicant's materials for a matter (window zero, 导办)",
)
def precheck_create(request, payload: PreCheckIn):
    district = district_by_code(payload.district) if payload.district else None
    matter = matter_by_code(code=payload.matter, district=district)
    point = None
    if payload.point:
        point = ServicePoint.objects.filter(code=payload.point, is_active=True).first()
        if point is None:
            raise NotFound("未找到该网点。", code="point_not_found")
    precheck = precheck_run(
        matter=matter,
        applicant_kind=payload.applicant.kind,
        holder_number=payload.applicant.number,
        materials_at_hand=payload.materials_at_hand,
        actor=_token_user(request),
        point=point,
    )
    return Status(201, precheck_payload(request, precheck))


class FieldOut(Schema):
    name: str
    label: str
    type: str
    required: bool
    sample: str
    help: str
    choices: list[str] = []


class FormOut(Schema):
    matter: str
    title: str
    fields: list[FieldOut]


class ValidateIn(InSchema):
    data: FreeData
    partial: Bool = True


class ValidateOut(Schema):
    valid: bool
    errors: dict[str, str]
    cleaned: dict[str, str]


class DraftIn(InSchema):
    data: FreeData
    token: str | None = None


class DraftOut(Schema):
    token: str
    matter: str
    data: dict[str, Any]
    updated_at: dt.datetime


@router.get("/forms/{matter_code}", response=FormOut, auth=optional_auth)
def form_definition(request, matter_code: str, district: str | None = None):
    matter = matter_by_code(
        code=matter_code, district=district_by_code(district) if district else None
    )
    return {
        "matter": matter.code,
        "title": form_title_for(matter=matter),
        "fields": form_fields_for(matter=matter),
    }


@router.post("/forms/{matter_code}/validate", response=ValidateOut, auth=optional_auth)
def form_validate(request, matter_code: str, payload: ValidateIn, district: str | None = None):
    """Validate some (``partial``, the default) or all fields; nothing is stored."""
    matter = matter_by_code(
        code=matter_code, district=district_by_code(district) if district else None
    )
    cleaned, errors = form_check(matter=matter, data=payload.data, partial=payload.partial)
    return {"valid": not errors, "errors": errors, "cleaned": cleaned}


def _draft_out(draft) -> dict[str, Any]:
    return {
        "token": draft.token,
        "matter": draft.matter.code,
        "data": draft.data,
        "updated_at": draft.updated_at,
    }


@router.post(
    "/forms/{matter_code}/drafts", response={201: DraftOut, 200: DraftOut}, auth=optional_auth
)
def form_draft_create(request, matter_code: str, payload: DraftIn, district: str | None = None):
    """Save a new draft (201) or update the one ``token`` names (200). Bad input: 422, nothing saved."""
    matter = matter_by_code(
        code=matter_code, district=district_by_code(district) if district else None
    )
    draft = form_draft_save(
        matter=matter, data=payload.data, user=_token_user(request), token=payload.token
    )
    return Status(200 if payload.token else 201, _draft_out(draft))


@router.get("/forms/{matter_code}/drafts/{token}", response=DraftOut, auth=optional_auth)
def form_draft_read(request, matter_code: str, token: str, district: str | None = None):
    matter = matter_by_code(
        code=matter_code, district=district_by_code(district) if district else None
    )
    return _draft_out(form_draft_get(token=token, matter=matter, user=_token_user(request)))
