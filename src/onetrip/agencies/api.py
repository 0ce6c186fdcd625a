"""Agency API: batches (GET|POST /batches, GET /batches/{id}) and an agency's quality figures.
Per object: another agency's batch or agency is reported as not found."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.urls import reverse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from onetrip.agencies import selectors, services
from onetrip.agencies.models import Batch
from onetrip.apischema import Day, InSchema
from onetrip.auth import staff_auth
from onetrip.errors import ValidationFailed
from onetrip.masking import mask_name

router = Router(tags=["agencies"])


class BatchRowIn(InSchema):
    credit_code: str = Field(..., max_length=40)
    matter: str = Field(..., max_length=60)
    company_name: str = Field("", max_length=200)
    materials: list[Annotated[str, Field(max_length=200)]] | None = Field(
        None, max_length=100, description="已交材料名称；省略表示全部须提交的材料均已提交"
    )

    @property
    def matter_code(self) -> str:
        return self.matter


class BatchIn(InSchema):
    rows: list[BatchRowIn] = Field(..., min_length=1, max_length=services.MAX_BATCH_ROWS)


class BatchCaseOut(Schema):
    row: int
    number: str
    company: str
    credit_code: str
    matter: str
    state: str
    supplement_rounds: int
    visit_count: int
    authorisation_valid_until: dt.date | None


class BatchNoticeOut(Schema):
    round: int
    items: list[dict]
    created_at: dt.datetime
    answered_at: dt.datetime | None


class BatchMessageOut(Schema):
    role: str
    author: str
    body: str
    at: dt.datetime


class BatchOut(Schema):
    id: int
    number: str
    agency: str
    agent: str
    route: str
    state: str
    cases: int
    visit_count: int
    delivery_method: str
    created_at: dt.datetime
    url: str


class BatchDetailOut(BatchOut):
    items: list[BatchCaseOut]
    notices: list[BatchNoticeOut]
    messages: list[BatchMessageOut]


class QualityOut(Schema):
    agency: int
    name: str
    status: str
    since: dt.date | None
    until: dt.date | None
    cases: int
    submitted: int
    first_pass: int
    first_pass_rate: float | None
    supplement_rounds_per_case: float | None
    refused: int
    decided: int
    avg_days_to_decision: float | None
    batches: int
    batch_visits: int
    defects: list[dict]


def _batch_out(b: Batch) -> dict:
    return {
        "id": b.pk,
        "number": b.number,
        "agency": b.agency.name,
        "agent": mask_name(str(b.agent)),
        "route": b.route,
        "state": b.state,
        "cases": getattr(b, "case_total", None) or b.items.count(),
        "visit_count": b.visit_count,
        "delivery_method": b.delivery_method,
        "created_at": b.created_at,
        "url": reverse("agencies:batch", args=[b.pk]),
    }


def batch_detail_out(b: Batch) -> dict:
    items = []
    for i in b.items.select_related("case__matter", "case__company", "authorisation"):
        c = i.case
        items.append(
            {
                "row": i.row,
                "number": c.number,
                "company": c.company.name if c.company else "",
                "credit_code": c.company.credit_code if c.company else "",
                "matter": c.matter.code,
                "state": c.state,
                "supplement_rounds": c.supplement_rounds,
                "visit_count": c.visit_count,
                "authorisation_valid_until": i.authorisation.valid_until
                if i.authorisation
                else None,
            }
        )
    return {
        **_batch_out(b),
        "items": items,
        "notices": [
            {
                "round": n.round,
                "items": n.items,
                "created_at": n.created_at,
                "answered_at": n.answered_at,
            }
            for n in b.notices.order_by("round")
        ],  # fmt: skip
        "messages": [
            {"role": m.role, "author": mask_name(str(m.author or "")), "body": m.body, "at": m.at}
            for m in b.messages.select_related("author").order_by("at", "id")
        ],
    }


@router.get("/batches", auth=staff_auth, response=list[BatchOut], summary="Batches I may see")
def batches_list(request, state: Literal["held", "ready", "delivered"] | None = None):
    qs = selectors.batches_visible_to(user=request.user)
    if state:
        qs = qs.filter(state=state)
    return [_batch_out(b) for b in qs.order_by("-id")[:200]]


@router.post(
    "/batches",
    auth=staff_auth,
    response={201: BatchDetailOut},
    summary="Submit a batch online (agent): one case per company and matter",
    description="Any bad row rejects the whole batch with per-row errors in `fields`; "
    "nothing is written.",
)
def batches_create(request, payload: BatchIn):
    rows = services.batch_rows(payload.rows)
    batch = services.batch_submit(actor=request.user, rows=rows, route="online", source="api")
    return Status(201, batch_detail_out(selectors.batch_get(user=request.user, batch_id=batch.pk)))


@router.get("/batches/{batch_id}", auth=staff_auth, response=BatchDetailOut, summary="One batch")
def batches_get(request, batch_id: int):
    return batch_detail_out(selectors.batch_get(user=request.user, batch_id=batch_id))


class PeriodQuery(Schema):
    since: Day | None = None
    until: Day | None = Field(None, description="exclusive; after `since` (422 `invalid_period`)")


def _aware(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@router.get(
    "/agencies/{agency_id}/quality",
    auth=staff_auth,
    response=QualityOut,
    summary="An agency's quality figures for a period (its own agents, or district managers)",
)
def agency_quality(request, agency_id: int, q: Query[PeriodQuery]):
    if q.since and q.until and q.until <= q.since:
        raise ValidationFailed("until must be after since", code="invalid_period")
    agency = selectors.agency_get(user=request.user, agency_id=agency_id)
    r = selectors.agency_quality(agency=agency, since=_aware(q.since), until=_aware(q.until))
    return {
        "agency": agency.pk,
        "name": agency.name,
        "status": agency.status,
        "since": q.since,
        "until": q.until,
        "cases": r.cases,
        "submitted": r.submitted,
        "first_pass": r.first_pass,
        "first_pass_rate": r.first_pass_rate,
        "supplement_rounds_per_case": r.rounds_per_case,
        "refused": r.refused,
        "decided": r.decided,
        "avg_days_to_decision": r.avg_days_to_decision,
        "batches": r.batches,
        "batch_visits": r.batch_visits,
        "defects": [{"kind": k, "count": n} for k, n in r.defects],
    }
