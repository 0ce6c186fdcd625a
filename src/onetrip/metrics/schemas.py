"""The figures' API schema: every field described by its definition (``metrics.definitions``),
so ``/api/openapi.json`` and ``/api/docs`` say what each number means."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from onetrip.metrics.definitions import PERIOD, describe


def _f(part: str, key: str):
    return Field(..., description=describe(part, key))


class WaitsOut(Schema):
    tickets: int = _f("waits", "tickets")
    avg_wait_minutes: float | None = _f("waits", "avg_wait_minutes")
    p90_wait_minutes: float | None = _f("waits", "p90_wait_minutes")


class CasesOut(Schema):
    cases: int = _f("cases", "cases")
    accepted: int = _f("cases", "accepted")
    refused: int = _f("cases", "refused")
    first_pass_rate: float | None = _f("cases", "first_pass_rate")
    first_pass_rate_with_precheck: float | None = _f("cases", "first_pass_rate_with_precheck")
    supplemented: int = _f("cases", "supplemented")
    one_go_supplement_rate: float | None = _f("cases", "one_go_supplement_rate")
    one_go_supplement_rate_companies: float | None = _f("cases", "one_go_supplement_rate_companies")
    avg_visits: float | None = _f("cases", "avg_visits")
    visits: dict[str, int] = _f("cases", "visits")
    zero_visit_share: float | None = _f("cases", "zero_visit_share")
    local_share: float | None = _f("cases", "local_share")
    overdue: int = _f("cases", "overdue")
    overdue_rate: float | None = _f("cases", "overdue_rate")
    errors: int = _f("cases", "errors")
    error_rate: float | None = _f("cases", "error_rate")


class MattersOut(Schema):
    matters: int = _f("matters", "matters")
    zero_visit_matters: int = _f("matters", "zero_visit_matters")
    five_star_matters: int = _f("matters", "five_star_matters")
    zero_visit_matter_share: float | None = _f("matters", "zero_visit_matter_share")
    five_star_matter_share: float | None = _f("matters", "five_star_matter_share")


class SatisfactionOut(Schema):
    ratings: int = _f("satisfaction", "ratings")
    avg_score: float | None = _f("satisfaction", "avg_score")
    satisfied_share: float | None = _f("satisfaction", "satisfied_share")


class FollowUpsOut(Schema):
    bad_ratings: int = _f("followups", "bad_ratings")
    named_bad_ratings: int = _f("followups", "named_bad_ratings")
    called_back: int = _f("followups", "called_back")
    callback_rate: float | None = _f("followups", "callback_rate")
    open: int = _f("followups", "open")
    overdue: int = _f("followups", "overdue")


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
