"""Cases API: thin endpoints over ``cases.services`` and ``cases.selectors``.

Every endpoint fetches its case through ``case_get_for_user`` (object-level check: a case the
caller may not see is reported as not found).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from onetrip.apischema import Bool, FreeData, Id, InSchema, Int
from onetrip.auth import staff_auth
from onetrip.cases import lists, prepared, services
from onetrip.cases import selectors as sel
from onetrip.cases import states as S
from onetrip.cases.models import Case, CaseEvent, Channel, MaterialStatus
from onetrip.cases.states import TRANSITIONS
from onetrip.catalogue.models import ServicePoint
from onetrip.clock import local_today
from onetrip.db import MAX_ID
from onetrip.errors import ValidationFailed
from onetrip.masking import mask_id_number, mask_name
from onetrip.roles import Role

if TYPE_CHECKING:
    from pydantic.config import JsonValue

router = Router(tags=["cases"])


#: the kinds of applicant (``catalogue.rules.ApplicantKind``): one code everywhere
ApplicantKindCode = Literal["person", "company", "founder", "agent"]


class CaseApplicantIn(InSchema):
    kind: ApplicantKindCode
    number: str
    company_name: str = ""
    name: str = ""
    phone: str = ""


#: the enums of the schema (JSON lists: ``list`` is invariant, so built as such)
_MATERIAL_STATUSES: list[JsonValue] = list(MaterialStatus.values)
_CHANNELS: list[JsonValue] = list(Channel.values)
_ACTIONS: list[JsonValue] = list(sorted(TRANSITIONS))


class MaterialIn(InSchema):
    material: Id
    status: str = Field("received", json_schema_extra={"enum": _MATERIAL_STATUSES})
    count: Int | None = None
    form: str | None = None
    commitment_signed: Bool = False
    reason: str = ""


class CaseIn(InSchema):
    matter: str
    applicant: CaseApplicantIn
    channel: str = Field("window", json_schema_extra={"enum": _CHANNELS})
    point: str | None = None
    district: str | None = None
    ticket: Id | None = None
    materials: list[MaterialIn] = Field([], max_length=200)
    submit: Bool = True
    accept: Bool = False


class TransitionIn(InSchema):
    action: str = Field(..., json_schema_extra={"enum": _ACTIONS})
    note: str = ""
    data: FreeData = {}


class CaseMaterialOut(Schema):
    id: int
    name: str
    required: bool
    status: str
    count: int
    reason: str
    later_due: dt.date | None
    files: int


class CaseOut(Schema):
    number: str
    state: str
    state_label: str
    matter: str
    matter_name: str
    department: str
    applicant_kind: ApplicantKindCode
    applicant_name: str
    applicant_number: str
    channel: str
    point: str
    accepted_on: dt.date | None
    promised_due: dt.date | None
    legal_due: dt.date | None
    state_due: dt.date | None
    paused_days: int
    extended_days: int
    flags: dict[str, bool]
    visit_count: int
    supplement_rounds: int
    materials: list[CaseMaterialOut]
    allowed_actions: list[str]
    tracking_url: str


class CaseEventOut(Schema):
    at: dt.datetime
    actor: str
    role: str
    action: str
    from_state: str
    to_state: str
    note: str


def applicant_kind_of(case: Case) -> str:
    """The kind of applicant of a case, in the codes the catalogue's rule set uses."""
    if case.agent_id:
        return "agent"
    if case.applicant_id:
        return "person"
    if case.company is not None and (case.company.being_founded or case.company.founder_id):
        return "founder"
    return "company"


def case_out(case: Case, user) -> dict[str, Any]:
    today = local_today()
    return {
        "number": case.number,
        "state": case.state,
        "state_label": S.state_label(case.state),
        "matter": case.matter.code,
        "matter_name": case.matter.name,
        "department": case.department.name,
        "applicant_kind": applicant_kind_of(case),
        "applicant_name": mask_name(case.applicant.name)
        if case.applicant is not None
        else case.holder_name,
        "applicant_number": mask_id_number(case.holder_number),
        "channel": case.channel,
        "point": case.point.code,
        "accepted_on": case.accepted_on,
        "promised_due": case.promised_due,
        "legal_due": case.legal_due,
        "state_due": case.state_due,
        "paused_days": case.paused_days,
        "extended_days": case.extended_days,
        "flags": sel.case_flags(case=case, today=today),
        "visit_count": case.visit_count,
        "supplement_rounds": case.supplement_rounds,
        # a one-statement write brings the materials back with it (``Case.material_rows``)
        "materials": case.material_rows
        if case.material_rows is not None
        else prepared.case_material_rows(case_id=case.pk),
        "allowed_actions": [t.action for t in sel.allowed_actions(user=user, case=case)],
        "tracking_url": f"/t/{case.tracking_token}",
    }


def _point(code: str | None, field: str = "point") -> ServicePoint | None:
    if not code:
        return None
    point = ServicePoint.objects.filter(code=code, is_active=True).first()
    if point is None:
        raise ValidationFailed(
            _("网点“%(code)s”不存在。") % {"code": code},
            code="point_not_found",
            fields={field: [_("不存在")]},
        )
    return point


def _ticket(ticket_id: int | None):
    if ticket_id is None:
        return None
    from onetrip.queueing.models import Ticket

    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        raise ValidationFailed(
            _("号票不存在。"), code="ticket_not_found", fields={"ticket": [_("不存在")]}
        )
    return ticket


@router.post("/cases", auth=staff_auth, response={201: CaseOut}, summary="Open a case")
def create_case(request, payload: CaseIn):
    case = services.case_open(
        actor=request.user,
        matter_code=payload.matter,
        applicant_kind=payload.applicant.kind,
        applicant_number=payload.applicant.number,
        applicant_name=payload.applicant.name,
        applicant_phone=payload.applicant.phone,
        company_name=payload.applicant.company_name,
        channel=payload.channel,
        point=_point(payload.point),
        district=_point(payload.district, "district"),
        ticket=_ticket(payload.ticket),
        materials=[m.dict() for m in payload.materials],
        submit=payload.submit,
        accept=payload.accept,
    )
    return Status(201, case_out(case, request.user))


@router.get("/cases", auth=staff_auth, response=list[CaseOut], summary="Cases I may see")
def list_cases(
    request,
    response: HttpResponse,
    state: str | None = None,
    due: str | None = None,
    limit: int = Query(50, ge=1, le=500),  # noqa: B008
    before: int | None = Query(None, ge=1, le=MAX_ID),  # noqa: B008
):
    """Newest first. Pages by keyset: when there are more, the ``Link`` header (rel="next") and
    ``X-Next-Before`` give the ``before`` value of the next page; every page costs the same."""
    user = request.user
    cases, next_before = lists.cases_list_page(
        user=user,
        today=local_today(),
        state=state,
        due=due,
        before=before,
        size=max(1, min(limit, 200)),
    )
    materials = lists.case_material_rows_many(case_ids=[c.pk for c in cases])
    if user.has_role(Role.CLERK, Role.SOCIAL_WORKER):
        sel.prime_ancestors(user, {c.point_id for c in cases})
    for c in cases:
        c.material_rows = materials[c.pk]
    if next_before is not None:
        query = request.GET.copy()
        query["before"] = str(next_before)
        response["Link"] = f'<{request.path}?{query.urlencode()}>; rel="next"'
        response["X-Next-Before"] = str(next_before)
    return [case_out(c, user) for c in cases]


@router.get("/cases/{number}", auth=staff_auth, response=CaseOut, summary="One case")
def get_case(request, number: str):
    return case_out(sel.case_get_for_user(user=request.user, number=number), request.user)


@router.post(
    "/cases/{number}/transitions", auth=staff_auth, response=CaseOut, summary="Take an action"
)
def transition_case(request, number: str, payload: TransitionIn):
    # The service reads the case by number and checks the caller's roles on it (a case the
    # caller may not see is "not found" there too), so it is not fetched here first.
    data: dict[str, Any] = dict(payload.data)  # the action's own arguments, checked there
    for reserved in ("case", "number", "action", "actor", "note", "now", "today", "tracking_token"):
        data.pop(reserved, None)
    case = services.case_transition_by_number(
        number=number, action=payload.action, actor=request.user, note=payload.note, **data
    )
    return case_out(case, request.user)


@router.post(
    "/cases/{number}/materials",
    auth=staff_auth,
    response={200: CaseOut},
    summary="Upload a file for a material or change its status",
)
def material_case(
    request,
    number: str,
    material: int = Form(...),
    status: str = Form(None, max_length=20),
    count: int = Form(None, ge=0, le=100_000),
    commitment_signed: bool = Form(False),
    reason: str = Form(""),
    file: UploadedFile = File(None),  # noqa: B008
):
    case = sel.case_get_for_user(user=request.user, number=number)
    with transaction.atomic():
        if file is not None:
            services.case_file_upload(
                case=case, case_material_id=material, actor=request.user, upload=file
            )
        elif status:
            services.case_material_update(
                case=case,
                case_material_id=material,
                actor=request.user,
                status=status,
                count=count,
                commitment_signed=commitment_signed,
                reason=reason,
            )
        else:
            raise ValidationFailed(
                _("请上传文件或指定材料状态。"),
                code="file_or_status_required",
                fields={"file": [_("必填")]},
            )
    case.refresh_from_db()
    return case_out(case, request.user)


@router.get(
    "/cases/{number}/events", auth=staff_auth, response=list[CaseEventOut], summary="Event log"
)
def case_events(request, number: str):
    case = sel.case_get_for_user(user=request.user, number=number)
    return [
        {
            "at": e.at,
            "actor": str(e.actor) if e.actor_id else "",
            "role": e.role,
            "action": e.action,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "note": e.note,
        }
        for e in CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "id")
    ]
