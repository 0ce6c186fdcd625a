"""Reads of the agency workspace. Access is per object: an agent sees only its own agency's
companies, batches and cases; staff see their district's."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from onetrip.access import is_active_user
from onetrip.agencies.models import Authorisation, Batch, BatchNotice
from onetrip.clock import in_period, local_today
from onetrip.errors import NotFound
from onetrip.people.models import Agency
from onetrip.ratios import ratio
from onetrip.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from onetrip.catalogue.models import ServicePoint
    from onetrip.people.models import User


def _staff_district_id(user: User | AnonymousUser | None) -> int | None:
    if (
        is_active_user(user)
        and user.has_role(Role.CLERK, Role.REVIEWER, Role.MANAGER)
        and user.point is not None
    ):
        return user.point.district_id
    return None


def agencies_visible_to(*, user: User | AnonymousUser | None) -> QuerySet[Agency]:
    qs = Agency.objects.select_related("district")
    if not is_active_user(user):
        return qs.none()
    if user.is_superuser:
        return qs
    district_id = _staff_district_id(user)
    if user.has_role(Role.MANAGER) and district_id:
        return qs.filter(district_id=district_id)
    if user.has_role(Role.AGENT) and user.agency_id:
        return qs.filter(pk=user.agency_id)
    return qs.none()


def agency_get(*, user: User | AnonymousUser | None, agency_id: int) -> Agency:
    agency = agencies_visible_to(user=user).filter(pk=agency_id).first()
    if agency is None:
        raise NotFound(_("未找到该代办机构。"), code="agency_not_found")
    return agency


def batches_visible_to(*, user: User | AnonymousUser | None) -> QuerySet[Batch]:
    qs = Batch.objects.select_related("agency", "agent", "point").annotate(
        case_total=Count("items", distinct=True)
    )
    if not is_active_user(user):
        return qs.none()
    if user.is_superuser:
        return qs
    cond = Q(pk__in=[])
    if user.has_role(Role.AGENT) and user.agency_id:
        cond |= Q(agency_id=user.agency_id)
    district_id = _staff_district_id(user)
    if district_id:
        cond |= Q(district_id=district_id)
    return qs.filter(cond)


def batch_get(*, user: User | AnonymousUser | None, batch_id: int) -> Batch:
    """One batch the user may see; another agency's batch is simply not found."""
    batch = batches_visible_to(user=user).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(_("未找到该批次。"), code="batch_not_found")
    return batch


def agency_batches(*, agency: Agency, limit: int = 50):
    return (
        Batch.objects.filter(agency=agency)
        .annotate(case_total=Count("items"))
        .order_by("-id")[:limit]
    )


def batch_cases(*, batch: Batch) -> list:
    return [
        i.case
        for i in batch.items.select_related(
            "case__matter", "case__company", "authorisation"
        ).order_by("row")
    ]


def agency_authorisations(*, agency: Agency, today: dt.date | None = None) -> list[dict]:
    """The agency's companies with their latest authorisation and whether it is valid today."""
    today = today or local_today()
    latest: dict[int, Authorisation] = {}
    for a in (
        Authorisation.objects.filter(agency=agency)
        .select_related("company")
        .order_by("company_id", "-valid_until", "-id")
    ):
        latest.setdefault(a.company_id, a)
    rows: list[dict[str, Any]] = [
        {"company": a.company, "authorisation": a, "valid": a.is_valid_on(today)}
        for a in latest.values()
    ]
    for company in agency.clients.exclude(pk__in=latest.keys()):
        rows.append({"company": company, "authorisation": None, "valid": False})
    rows.sort(key=lambda r: r["company"].name)
    return rows


def agency_cases(*, agency: Agency, limit: int = 50):
    from onetrip.cases.models import Case

    return (
        Case.objects.filter(agency=agency)
        .select_related("matter", "company")
        .order_by("-id")[:limit]
    )


def agency_open_notices(*, agency: Agency) -> QuerySet[BatchNotice]:
    return (
        BatchNotice.objects.filter(batch__agency=agency, answered_at__isnull=True)
        .select_related("batch")
        .order_by("batch_id", "round")
    )


# ------------------------------------------------------------------ quality


@dataclass
class AgencyQuality:
    agency_id: int
    agency: str
    status: str
    cases: int = 0
    submitted: int = 0
    first_pass: int = 0
    supplement_rounds: int = 0
    refused: int = 0
    decided: int = 0
    avg_days_to_decision: float | None = None
    batches: int = 0
    batch_visits: int = 0
    defects: list[tuple[str, int]] = field(default_factory=list)

    @property
    def first_pass_rate(self) -> float | None:
        return ratio(self.first_pass, self.submitted)

    @property
    def rounds_per_case(self) -> float | None:
        return ratio(self.supplement_rounds, self.submitted)


def _quality_rows(agencies: QuerySet[Agency], since, until) -> dict[int, AgencyQuality]:
    from onetrip.cases.models import Case

    out = {a.pk: AgencyQuality(agency_id=a.pk, agency=a.name, status=a.status) for a in agencies}
    cases = Case.objects.filter(in_period("created_at", since, until), agency_id__in=out.keys())
    for row in cases.values("agency_id").annotate(
        n=Count("id"),
        submitted=Count("id", filter=Q(submitted_at__isnull=False)),
        first_pass=Count("id", filter=Q(accepted_at__isnull=False, supplement_rounds=0)),
        refused=Count("id", filter=Q(state="refused")),
        decided=Count("id", filter=Q(decided_at__isnull=False)),
        rounds=Sum("supplement_rounds"),
    ):
        q = out[row["agency_id"]]
        q.cases, q.submitted, q.first_pass = row["n"], row["submitted"], row["first_pass"]
        q.refused, q.decided = row["refused"], row["decided"]
        q.supplement_rounds = row["rounds"] or 0
    durations: dict[int, list[float]] = {}
    for agency_id, submitted_at, decided_at in cases.filter(
        decided_at__isnull=False, submitted_at__isnull=False
    ).values_list("agency_id", "submitted_at", "decided_at"):
        assert decided_at is not None and submitted_at is not None  # filtered above
        durations.setdefault(agency_id, []).append(
            (decided_at - submitted_at).total_seconds() / 86400
        )
    for agency_id, days in durations.items():
        out[agency_id].avg_days_to_decision = round(sum(days) / len(days), 2)
    for batch_row in (
        Batch.objects.filter(in_period("created_at", since, until), agency_id__in=out.keys())
        .values("agency_id")
        .annotate(n=Count("id"), visits=Avg("visit_count"))
    ):
        q = out[batch_row["agency_id"]]
        q.batches = batch_row["n"]
        q.batch_visits = round((batch_row["visits"] or 0) * batch_row["n"])
    return out


def agency_quality(
    *, agency: Agency, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> AgencyQuality:
    """One agency's figures for a period (cases created in ``[since, until)``), with its
    defects by kind: the materials its supplement notices asked for, most frequent first."""
    from onetrip.cases.models import SupplementNotice

    q = _quality_rows(Agency.objects.filter(pk=agency.pk), since, until)[agency.pk]
    defects: Counter[str] = Counter()
    for items in SupplementNotice.objects.filter(
        case__agency=agency,
        **({"case__created_at__gte": since} if since else {}),
        **({"case__created_at__lt": until} if until else {}),
    ).values_list("items", flat=True):
        for item in items or []:
            label = item.get("name", "")
            kind = item.get("status", "")
            defects[f"{label}（{_('缺少') if kind == 'missing' else _('不符合要求')}）"] += 1
    q.defects = defects.most_common(20)
    return q


def agency_ranking(
    *, district: ServicePoint, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> list[AgencyQuality]:
    """Every agency of the district, best first-submission pass rate first (agencies without
    cases last)."""
    rows = list(_quality_rows(Agency.objects.filter(district=district), since, until).values())
    rows.sort(
        key=lambda r: (
            r.first_pass_rate is None,
            -(r.first_pass_rate or 0),
            r.rounds_per_case or 0,
            r.agency,
        )
    )
    return rows
