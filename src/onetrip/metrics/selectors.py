"""The reform's figures (MISSION §11), computed in the database from the platform's own records.

Every function takes the district explicitly (the scope) and optionally a period and a point,
department, matter or agency. Periods are half-open ``[since, until)`` in aware datetimes;
``period_bounds`` turns the inclusive local dates a page or the API receives into them.

What places a record in a period: a ticket by ``issued_at``, a case by ``submitted_at`` (drafts
are not applications yet), a rating by its ``at``. Definitions (also shown on the page):

- wait: first call − issue, for appointments first call − slot start (never negative); tickets
  never called are not counted. Average and 90th percentile (``percentile_cont`` semantics, i.e.
  linear interpolation; PostgreSQL computes it natively, SQLite by an ordered OFFSET query).
- first-submission pass rate: cases accepted without any supplement request ÷ cases accepted or
  refused at intake.
- one-go supplement rate: cases whose only supplement request was answered ÷ cases with a
  supplement request (excluding those still waiting for the answer to their first one).
- visits per case: mean of ``visit_count`` and the distribution 0 / 1 / 2+.
- local share: cases received at a street or community point ÷ cases.
- overdue rate: accepted cases flagged overdue, decided after their promised date, or still
  running past it ÷ accepted cases.
- satisfaction: mean score (1–5) and share of 4–5 among ratings.
- agency error rate: an agency's cases that needed a supplement or were refused at intake ÷ its
  cases.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.utils import timezone

from onetrip.cases import states as S
from onetrip.cases.models import Case, SupplementNotice
from onetrip.cases.selectors import RUNNING, local_today
from onetrip.catalogue.models import (
    Department,
    Matter,
    OnlineDepth,
    PointLevel,
    ServicePoint,
)
from onetrip.metrics.models import Rating
from onetrip.people.models import Agency
from onetrip.queueing.models import Queue, Ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")
P90 = 0.9
LOCAL_LEVELS = (PointLevel.STREET, PointLevel.COMMUNITY)
BREAKDOWNS = ("point", "department", "matter", "agency")


# -- expressions -----------------------------------------------------------------------------


class Seconds(Func):
    """Seconds from the second datetime expression to the first, as a float."""

    arg_joiner = " - "
    template = "EXTRACT(EPOCH FROM (%(expressions)s))::double precision"
    output_field = FloatField()

    def as_sqlite(self, compiler, conn, **extra):
        # SQLite keeps datetimes as ISO text; julianday() reads them.
        return super().as_sql(
            compiler,
            conn,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra,
        )


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate ``percentile_cont(f) WITHIN GROUP (ORDER BY x)``."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def wait_seconds_expr():
    start = Coalesce(F("slot_start"), F("issued_at"))
    return Greatest(Seconds(F("first_called_at"), start), Value(0.0))


# -- periods ---------------------------------------------------------------------------------


def period_bounds(
    *, since: dt.date | None, until: dt.date | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Inclusive local dates → half-open aware datetimes (Asia/Shanghai midnights)."""

    def midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(0), tzinfo=SHANGHAI)

    return (
        midnight(since) if since else None,
        midnight(until + dt.timedelta(days=1)) if until else None,
    )


def _in_period(field: str, since: dt.datetime | None, until: dt.datetime | None) -> Q:
    q = Q()
    if since is not None:
        q &= Q(**{f"{field}__gte": since})
    if until is not None:
        q &= Q(**{f"{field}__lt": until})
    return q


def _ratio(num: Any, den: Any) -> float | None:
    return (num / den) if den else None


def _num(value: Any, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


# -- querysets in scope ----------------------------------------------------------------------


def cases_in_scope(
    *,
    district: ServicePoint,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    point: ServicePoint | None = None,
    department: Department | None = None,
    matter: Matter | None = None,
    agency: Agency | None = None,
) -> QuerySet[Case]:
    qs = Case.objects.filter(district=district, submitted_at__isnull=False)
    qs = qs.filter(_in_period("submitted_at", since, until))
    if point is not None:
        qs = qs.filter(point=point)
    if department is not None:
        qs = qs.filter(department=department)
    if matter is not None:
        qs = qs.filter(matter=matter)
    if agency is not None:
        qs = qs.filter(agency=agency)
    return qs


def tickets_in_scope(
    *,
    district: ServicePoint,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    point: ServicePoint | None = None,
    department: Department | None = None,
    matter: Matter | None = None,
    agency: Agency | None = None,
) -> QuerySet[Ticket]:
    """Called tickets of the district's points (a ticket's matter/department is its queue's)."""
    qs = Ticket.objects.filter(point__district=district, first_called_at__isnull=False)
    qs = qs.filter(_in_period("issued_at", since, until))
    if point is not None:
        qs = qs.filter(point=point)
    if department is not None:
        queues = Queue.objects.filter(Q(department=department) | Q(matters__department=department))
        qs = qs.filter(queue_id__in=queues.values("pk"))
    if matter is not None:
        queues = Queue.objects.filter(
            Q(matters=matter) | Q(department_id=matter.department_id, matters__isnull=True)
        )
        qs = qs.filter(queue_id__in=queues.values("pk"))
    if agency is not None:
        qs = qs.filter(agency=agency)
    return qs


def ratings_in_scope(
    *,
    district: ServicePoint,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    point: ServicePoint | None = None,
    department: Department | None = None,
    matter: Matter | None = None,
    agency: Agency | None = None,
) -> QuerySet[Rating]:
    qs = Rating.objects.filter(case__district=district).filter(_in_period("at", since, until))
    for name, value in (
        ("point", point),
        ("department", department),
        ("matter", matter),
        ("agency", agency),
    ):
        if value is not None:
            qs = qs.filter(**{f"case__{name}": value})
    return qs


# -- aggregates ------------------------------------------------------------------------------


def _case_aggregates(*, today: dt.date) -> dict[str, Any]:
    accepted = Q(accepted_at__isnull=False)
    refused = Q(state=S.State.REFUSED)
    pending_first = Q(supplement_rounds=1, state=S.State.SUPPLEMENT_REQUESTED)
    supplemented = Q(supplement_rounds__gte=1) & ~pending_first
    one_go = Q(supplement_rounds=1, _answered=True)
    company = Q(company__isnull=False)
    overdue = accepted & (
        Q(overdue_at__isnull=False)
        | Q(_decided_on__gt=F("promised_due"))
        | Q(state__in=RUNNING, promised_due__lt=today)
    )
    return {
        "cases": Count("id"),
        "intake_decided": Count("id", filter=accepted | refused),
        "accepted": Count("id", filter=accepted),
        "refused": Count("id", filter=refused),
        "first_pass": Count("id", filter=accepted & Q(supplement_rounds=0)),
        "supplemented": Count("id", filter=supplemented),
        "one_go": Count("id", filter=one_go),
        "company_supplemented": Count("id", filter=supplemented & company),
        "company_one_go": Count("id", filter=one_go & company),
        "avg_visits": Avg("visit_count", output_field=FloatField()),
        "zero_visit": Count("id", filter=Q(visit_count=0)),
        "one_visit": Count("id", filter=Q(visit_count=1)),
        "two_plus_visits": Count("id", filter=Q(visit_count__gte=2)),
        "local": Count("id", filter=Q(point__level__in=LOCAL_LEVELS)),
        "overdue": Count("id", filter=overdue),
        "errors": Count("id", filter=Q(supplement_rounds__gte=1) | refused),
        "with_precheck": Count("id", filter=(accepted | refused) & Q(_prechecked=True)),
        "first_pass_precheck": Count(
            "id", filter=accepted & Q(supplement_rounds=0, _prechecked=True)
        ),
    }


def _with_helpers(qs: QuerySet[Case]) -> QuerySet[Case]:
    from onetrip.intake.models import PreCheck

    return qs.alias(
        _answered=Exists(
            SupplementNotice.objects.filter(case=OuterRef("pk"), round=1, answered_at__isnull=False)
        ),
        _prechecked=Exists(PreCheck.objects.filter(case_number=OuterRef("number"))),
        _decided_on=TruncDate("decided_at", tzinfo=SHANGHAI),
    )


def _case_row(raw: dict[str, Any]) -> dict[str, Any]:
    n = raw["cases"]
    return {
        "cases": n,
        "accepted": raw["accepted"],
        "refused": raw["refused"],
        "first_pass_rate": _ratio(raw["first_pass"], raw["intake_decided"]),
        "first_pass_rate_with_precheck": _ratio(raw["first_pass_precheck"], raw["with_precheck"]),
        "supplemented": raw["supplemented"],
        "one_go_supplement_rate": _ratio(raw["one_go"], raw["supplemented"]),
        "one_go_supplement_rate_companies": _ratio(
            raw["company_one_go"], raw["company_supplemented"]
        ),
        "avg_visits": _num(raw["avg_visits"]),
        "visits": {
            "0": raw["zero_visit"],
            "1": raw["one_visit"],
            "2+": raw["two_plus_visits"],
        },
        "zero_visit_share": _ratio(raw["zero_visit"], n),
        "local_share": _ratio(raw["local"], n),
        "overdue": raw["overdue"],
        "overdue_rate": _ratio(raw["overdue"], raw["accepted"]),
        "errors": raw["errors"],
        "error_rate": _ratio(raw["errors"], n),
    }


def _p90_sqlite(qs: QuerySet[Ticket], n: int) -> float | None:
    """``percentile_cont(0.9)`` by an ordered OFFSET query: the two neighbouring values."""
    if not n:
        return None
    pos = P90 * (n - 1)
    lo = math.floor(pos)
    values = list(
        qs.annotate(_w=wait_seconds_expr()).order_by("_w").values_list("_w", flat=True)[lo : lo + 2]
    )
    if len(values) == 1 or pos == lo:
        return float(values[0])
    return float(values[0]) + (pos - lo) * (float(values[1]) - float(values[0]))


def _wait_aggregates() -> dict[str, Any]:
    aggs: dict[str, Any] = {"tickets": Count("id"), "avg": Avg(wait_seconds_expr())}
    if connection.vendor == "postgresql":
        aggs["p90"] = PercentileCont(wait_seconds_expr(), fraction=P90)
    return aggs


def _wait_row(raw: dict[str, Any], p90: float | None) -> dict[str, Any]:
    return {
        "tickets": raw["tickets"],
        "avg_wait_minutes": None if raw["avg"] is None else round(float(raw["avg"]) / 60, 1),
        "p90_wait_minutes": None if p90 is None else round(float(p90) / 60, 1),
    }


# -- figures ---------------------------------------------------------------------------------


def wait_figures(
    *,
    district: ServicePoint,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    point: ServicePoint | None = None,
    department: Department | None = None,
    matter: Matter | None = None,
    agency: Agency | None = None,
) -> dict[str, Any]:
    """Tickets called, average and 90th-percentile wait in minutes."""
    qs = tickets_in_scope(
        district=district,
        since=since,
        until=until,
        point=point,
        department=department,
        matter=matter,
        agency=agency,
    )
    raw = qs.aggregate(**_wait_aggregates())
    p90 = raw.get("p90") if connection.vendor == "postgresql" else _p90_sqlite(qs, raw["tickets"])
    return _wait_row(raw, p90)


def case_figures(
    *,
    district: ServicePoint,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    point: ServicePoint | None = None,
    department: Department | None = None,
    matter: Matter | None = None,
    agency: Agency | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Case figures: pass rates, supplements, visits, local share, overdue, errors. One query."""
    qs = cases_in_scope(
        district=district,
        since=since,
        until=until,
        point=point,
        department=department,
        matter=matter,
        agency=agency,
    )
    raw = _with_helpers(qs).aggregate(**_case_aggregates(today=today or local_today()))
    return _case_row(raw)


def matter_figures(
    *,
    district: ServicePoint,
    department: Department | None = None,
    matter: Matter | None = None,
) -> dict[str, Any]:
    """Active matters of the catalogue: how many need zero visits and how many are five-star."""
    qs = Matter.objects.filter(district=district, is_active=True)
    if department is not None:
        qs = qs.filter(department=department)
    if matter is not None:
        qs = qs.filter(pk=matter.pk)
    raw = qs.aggregate(
        matters=Count("id"),
        zero=Count("id", filter=Q(visits_needed=0)),
        five=Count("id", filter=Q(visits_needed=0, online_depth=OnlineDepth.IV)),
    )
    return {
        "matters": raw["matters"],
        "zero_visit_matters": raw["zero"],
        "five_star_matters": raw["five"],
        "zero_visit_matter_share": _ratio(raw["zero"], raw["matters"]),
        "five_star_matter_share": _ratio(raw["five"], raw["matters"]),
    }


def _rating_aggregates() -> dict[str, Any]:
    return {
        "ratings": Count("id"),
        "avg_score": Avg("score", output_field=FloatField()),
        "satisfied": Count("id", filter=Q(score__gte=4)),
    }


def _rating_row(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "ratings": raw["ratings"],
        "avg_score": _num(raw["avg_score"]),
        "satisfied_share": _ratio(raw["satisfied"], raw["ratings"]),
    }


def satisfaction_figures(
    *,
    district: ServicePoint,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    point: ServicePoint | None = None,
    department: Department | None = None,
    matter: Matter | None = None,
    agency: Agency | None = None,
) -> dict[str, Any]:
    qs = ratings_in_scope(
        district=district,
        since=since,
        until=until,
        point=point,
        department=department,
        matter=matter,
        agency=agency,
    )
    return _rating_row(qs.aggregate(**_rating_aggregates()))


def reform_figures(
    *,
    district: ServicePoint,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    point: ServicePoint | None = None,
    department: Department | None = None,
    matter: Matter | None = None,
    agency: Agency | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Every figure of MISSION §11 for one scope and period (a handful of aggregate queries)."""
    scope = dict(
        district=district,
        since=since,
        until=until,
        point=point,
        department=department,
        matter=matter,
        agency=agency,
    )
    return {
        "waits": wait_figures(**scope),
        "cases": case_figures(**scope, today=today),
        "matters": matter_figures(district=district, department=department, matter=matter),
        "satisfaction": satisfaction_figures(**scope),
    }


# -- breakdowns ------------------------------------------------------------------------------

_CASE_KEY = {"point": "point", "department": "department", "matter": "matter", "agency": "agency"}
_TICKET_KEY = {
    "point": "point",
    "department": "queue__department",
    "matter": "queue__matters",
    "agency": "agency",
}
_RATING_KEY = {k: f"case__{v}" for k, v in _CASE_KEY.items()}


def _labels(by: str, ids: set[int]) -> dict[int, dict[str, Any]]:
    if by == "point":
        rows = ServicePoint.objects.filter(pk__in=ids).values("pk", "code", "name", "level")
    elif by == "department":
        rows = Department.objects.filter(pk__in=ids).values("pk", "code", "name")
    elif by == "matter":
        rows = Matter.objects.filter(pk__in=ids).values(
            "pk", "code", "name", "visits_needed", "online_depth"
        )
    else:
        rows = Agency.objects.filter(pk__in=ids).values("pk", "name")
    out = {}
    for r in rows:
        r = dict(r)
        pk = r.pop("pk")
        if by == "matter":
            r["five_star"] = r["visits_needed"] == 0 and r["online_depth"] == OnlineDepth.IV
        out[pk] = r
    return out


def figures_by(
    *,
    by: str,
    district: ServicePoint,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    point: ServicePoint | None = None,
    department: Department | None = None,
    matter: Matter | None = None,
    agency: Agency | None = None,
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """One row per point / department / matter / agency with its case, wait and satisfaction
    figures (grouped aggregate queries; p90 per group on SQLite by one OFFSET query each)."""
    if by not in BREAKDOWNS:
        raise ValueError(by)
    scope = dict(
        district=district,
        since=since,
        until=until,
        point=point,
        department=department,
        matter=matter,
        agency=agency,
    )
    key = _CASE_KEY[by]
    cases = (
        _with_helpers(cases_in_scope(**scope))
        .filter(**{f"{key}__isnull": False})
        .values(key)
        .annotate(**_case_aggregates(today=today or local_today()))
        .order_by(key)
    )
    by_id: dict[int, dict[str, Any]] = {}
    for raw in cases:
        by_id[raw[key]] = {"cases": _case_row(raw)}

    tkey = _TICKET_KEY[by]
    tickets = tickets_in_scope(**scope).filter(**{f"{tkey}__isnull": False})
    for raw in tickets.values(tkey).annotate(**_wait_aggregates()).order_by(tkey):
        gid = raw[tkey]
        if connection.vendor == "postgresql":
            p90 = raw["p90"]
        else:
            p90 = _p90_sqlite(tickets.filter(**{tkey: gid}), raw["tickets"])
        by_id.setdefault(gid, {})["waits"] = _wait_row(raw, p90)

    rkey = _RATING_KEY[by]
    ratings = ratings_in_scope(**scope).filter(**{f"{rkey}__isnull": False})
    for raw in ratings.values(rkey).annotate(**_rating_aggregates()).order_by(rkey):
        by_id.setdefault(raw[rkey], {})["satisfaction"] = _rating_row(raw)

    labels = _labels(by, set(by_id))
    rows = []
    for gid, figs in by_id.items():
        if gid not in labels:
            continue
        rows.append(
            {
                "id": gid,
                **labels[gid],
                "cases": figs.get("cases") or _case_row(_EMPTY_CASES),
                "waits": figs.get("waits") or _wait_row(_EMPTY_WAITS, None),
                "satisfaction": figs.get("satisfaction") or _rating_row(_EMPTY_RATINGS),
            }
        )
    rows.sort(key=lambda r: (-r["cases"]["cases"], -r["waits"]["tickets"], r["name"]))
    return rows


_EMPTY_CASES: dict[str, Any] = {
    k: (None if k == "avg_visits" else 0)
    for k in _case_aggregates(today=dt.date(2000, 1, 1))  # only the keys are used
}
_EMPTY_WAITS: dict[str, Any] = {"tickets": 0, "avg": None}
_EMPTY_RATINGS: dict[str, Any] = {"ratings": 0, "avg_score": None, "satisfied": 0}


def case_visit_summary(
    *,
    district: ServicePoint,
    point: ServicePoint | None = None,
    matter: Matter | None = None,
) -> dict[str, Any]:
    """For the catalogue's matter and point pages: the cases on record, the share that needed
    no visit at all and the mean visits per case. One aggregate query."""
    qs = cases_in_scope(district=district, point=point, matter=matter)
    raw = qs.aggregate(
        cases=Count("id"),
        zero=Count("id", filter=Q(visit_count=0)),
        avg=Avg("visit_count", output_field=FloatField()),
    )
    return {
        "cases": raw["cases"],
        "zero_visit": raw["zero"],
        "zero_visit_share": _ratio(raw["zero"], raw["cases"]),
        "avg_visits": _num(raw["avg"]),
    }


def district_for_user(*, user: Any, code: str | None = None) -> ServicePoint:
    """The district a manager may read figures for: their own; administrators name any."""
    from django.utils.translation import gettext as _

    from onetrip.errors import Forbidden, NotFound
    from onetrip.people.permissions import require_role

    require_role(user, "manager", "admin")
    own = user.point.district if getattr(user, "point_id", None) else None
    admin = user.is_superuser or user.has_role("admin")
    if code:
        district = ServicePoint.objects.filter(code=code, level=PointLevel.DISTRICT).first()
        if district is None:
            raise NotFound(_("没有编码为“%(code)s”的区县。") % {"code": code}, code="not_found")
        if not admin and (own is None or own.pk != district.pk):
            raise Forbidden(_("只能查看本区县的数据。"), code="district_out_of_scope")
        return district
    if own is not None:
        return own
    district = ServicePoint.objects.filter(level=PointLevel.DISTRICT).order_by("code").first()
    if district is None or not admin:
        raise NotFound(_("请指定区县。"), code="district_required")
    return district


def now_local() -> dt.datetime:
    return timezone.localtime(timezone.now(), SHANGHAI)


def scope_resolve(
    *,
    district: ServicePoint,
    point: str | None = None,
    department: str | None = None,
    matter: str | None = None,
    agency: int | str | None = None,
) -> dict[str, Any]:
    """Codes (agency: id) → objects, each looked up inside ``district`` only; unknown → 404."""
    from django.utils.translation import gettext as _

    from onetrip.errors import NotFound

    out: dict[str, Any] = {"point": None, "department": None, "matter": None, "agency": None}
    lookups = (
        ("point", point, ServicePoint.objects.filter(district=district), "code"),
        ("department", department, Department.objects.filter(district=district), "code"),
        ("matter", matter, Matter.objects.filter(district=district), "code"),
        ("agency", agency, Agency.objects.filter(district=district), "pk"),
    )
    for name, value, qs, field in lookups:
        if value in (None, ""):
            continue
        if field == "pk" and not str(value).isdigit():
            found = None
        else:
            found = qs.filter(**{field: value}).first()
        if found is None:
            raise NotFound(
                _("本区县没有“%(value)s”。") % {"value": value},
                code=f"{name}_not_found",
                fields={name: [_("不存在")]},
            )
        out[name] = found
    return out


def metrics_report(
    *,
    district: ServicePoint,
    since: dt.date | None = None,
    until: dt.date | None = None,
    point: ServicePoint | None = None,
    department: Department | None = None,
    matter: Matter | None = None,
    agency: Agency | None = None,
    today: dt.date | None = None,
    breakdowns: tuple[str, ...] = BREAKDOWNS,
) -> dict[str, Any]:
    """Everything the API, the page and the export show, for inclusive local dates."""
    start, end = period_bounds(since=since, until=until)
    scope = dict(
        district=district,
        since=start,
        until=end,
        point=point,
        department=department,
        matter=matter,
        agency=agency,
        today=today,
    )
    return {
        "district": {"code": district.code, "name": district.name},
        "period": {
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
        },
        "filters": {
            "point": point.code if point else None,
            "department": department.code if department else None,
            "matter": matter.code if matter else None,
            "agency": agency.pk if agency else None,
        },
        "figures": reform_figures(**scope),
        "breakdowns": {by: figures_by(by=by, **scope) for by in breakdowns},
    }
