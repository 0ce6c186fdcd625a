"""The figures' API schema: every field described by its definition (``metrics.definitions``),
so ``/api/openapi.json`` and ``/api/docs`` say what each number means."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from ninja import Field, Schema

from onetrip.apischema import Day
from onetrip.metrics.definitions import PERIOD, describe


class MetricsQuery(Schema):
    """The scope of the figures: the query parameters of ``/metrics`` and its Excel export."""

    district: str | None = Field(
        None, description="District code; default: the caller's own (administrators: any)"
    )
    since: Day | None = Field(None, description="First day of the period (inclusive)")
    until: Day | None = Field(None, description="Last day of the period (inclusive)")
    point: str | None = Field(None, description="Service point code (in the district)")
    department: str | None = Field(None, description="Department code (in the district)")
    matter: str | None = Field(None, description="Matter code (in the district)")
    agency: int | None = Field(None, description="Agency id (in the district)")
    kind: str | None = Field(None, description="Applicant kind: person or company")
    channel: str | None = Field(None, description="Case channel (cases and ratings only)")


class _Figures(Schema):
    """A part of the figures: each field is described by the definition of ``(part, name)``
    (``metrics.definitions``), so a field is declared by its name and type only."""

    part: ClassVar[str]

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        for name, field in cls.model_fields.items():
            field.description = describe(cls.part, name)
        cls.model_rebuild(force=True)


class WaitsOut(_Figures):
    part = "waits"

    tickets: int
    avg_wait_minutes: float | None
    p90_wait_minutes: float | None


class CasesOut(_Figures):
    part = "cases"

    cases: int
    accepted: int
    refused: int
    first_pass_rate: float | None
    first_pass_rate_with_precheck: float | None
    supplemented: int
    one_go_supplement_rate: float | None
    one_go_supplement_rate_companies: float | None
    avg_visits: float | None
    visits: dict[str, int]
    zero_visit_share: float | None
    local_share: float | None
    overdue: int
    overdue_rate: float | None
    errors: int
    error_rate: float | None


class MattersOut(_Figures):
    part = "matters"

    matters: int
    zero_visit_matters: int
    five_star_matters: int
    zero_visit_matter_share: float | None
    five_star_matter_share: float | None


class SatisfactionOut(_Figures):
    part = "satisfaction"

    ratings: int
    avg_score: float | None
    satisfied_share: float | None


class FollowUpsOut(_Figures):
    part = "followups"

    bad_ratings: int
    named_bad_ratings: int
    called_back: int
    callback_rate: float | None
    open: int
    overdue: int


class FiguresOut(Schema):
    waits: WaitsOut
    cases: CasesOut
    matters: MattersOut
    satisfaction: SatisfactionOut
    followups: FollowUpsOut


class BreakdownRowOut(Schema):
    id: int
    name: str
    code: str | None = None
    level: str | None = None
    cases: CasesOut
    waits: WaitsOut
    satisfaction: SatisfactionOut


class ReportOut(Schema):
    district: dict[str, str]
    as_of: dt.datetime | None = Field(
        None,
        description="The time the figures are current to: every record committed before it is"
        " counted (the roll-ups are kept by the task worker, never refreshed by a read).",
    )
    period: dict[str, str | None] = Field(..., description=PERIOD)
    filters: dict[str, str | int | None]
    figures: FiguresOut
    breakdowns: dict[str, list[BreakdownRowOut]]
