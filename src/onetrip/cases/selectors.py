"""Reads for cases: who may see a case and in which role, work queues, deadline flags.

Every page and endpoint gets its case through ``case_get_for_user`` (object-level check) and its
lists through ``cases_visible_to`` (scope by relationship: own, agency, point subtree,
department, district).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple, cast

from django.db.models import Field, Model, Q, QuerySet
from django.utils.translation import gettext as _

from onetrip.access import manages_district
from onetrip.cases import states as S
from onetrip.cases.models import Case, CaseMaterial, MaterialStatus
from onetrip.catalogue.models import ServicePoint
from onetrip.clock import local_today as local_today  # re-exported for older callers
from onetrip.errors import Forbidden, NotFound
from onetrip.roles import Role

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def point_subtree_ids(point: ServicePoint | None) -> set[int]:
    """The point and every point below it."""
    if point is None:
        return set()
    ids = {point.pk}
    frontier = [point.pk]
    while frontier:
        frontier = list(
            ServicePoint.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
        )
        frontier = [p for p in frontier if p not in ids]
        ids.update(frontier)
    return ids


def _point_ancestor_ids(point_id: int) -> set[int]:
    """The point and every point above it, three parents per query (city → district → street
    → community is the whole tree, so one query answers)."""
    chain = ("parent_id", "parent__parent_id", "parent__parent__parent_id")
    ids: set[int] = set()
    current: int | None = point_id
    while current is not None and current not in ids:
        ids.add(current)
        row = ServicePoint.objects.filter(pk=current).values_list(*chain).first() or ()
        current = None
        for parent in row:
            if parent is None or parent in ids:
                current = None
                break
            ids.add(parent)
            current = parent
        else:
            if current is not None:  # three levels up and still not at the top: go on
                ids.discard(current)
    return ids


def _ancestors_for(user: Any, point_id: int) -> set[int]:
    """``_point_ancestor_ids`` memoised on the user object, which lives for one request."""
    memo = user.__dict__.setdefault("_ot_point_ancestors", {})
    if point_id not in memo:
        memo[point_id] = _point_ancestor_ids(point_id)
    return memo[point_id]


def _company_ids_for(user: Any) -> set[int]:
    """The companies ``user`` acts for, memoised on the user object (one query a request)."""
    ids = user.__dict__.get("_ot_company_ids")
    if ids is None:
        ids = set(user.companies.values_list("pk", flat=True))
        user.__dict__["_ot_company_ids"] = ids
    return ids


def prime_ancestors(user: Any, point_ids: set[int]) -> None:
    """Fill the ``_ancestors_for`` memo for many points in one query (a list of cases)."""
    memo = user.__dict__.setdefault("_ot_point_ancestors", {})
    missing = {p for p in point_ids if p not in memo}
    if not missing:
        return
    chain = ("pk", "parent_id", "parent__parent_id", "parent__parent__parent_id")
    for row in ServicePoint.objects.filter(pk__in=missing).values_list(*chain):
        if row[-1] is not None and row[-1] != row[0]:
            continue  # deeper than city → district → street → community: ask one by one
        memo[row[0]] = {p for p in row if p is not None}


def case_roles(*, user: Any, case: Case) -> set[str]:
    """The roles ``user`` holds on this one case (empty: no access at all).

    Memoised on the user object (which lives for one request) per case and state.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    memo = user.__dict__.setdefault("_ot_case_roles", {})
    key = (case.pk, case.point_id, case.department_id, case.agency_id)
    if key not in memo:
        memo[key] = _case_roles(user=user, case=case)
    return set(memo[key])


def _delegated(user: Any, matter_id: int) -> bool:
    """The user holds an unrevoked delegation to decide this instant matter on the spot."""
    from onetrip.cases.models import Delegation

    return Delegation.objects.filter(
        user_id=user.pk, matter_id=matter_id, revoked_at__isnull=True
    ).exists()


def _case_roles(*, user: Any, case: Case) -> set[str]:
    roles: set[str] = set()
    if user.is_superuser:
        return {S.MANAGER, S.REVIEWER, S.CLERK}
    if case.applicant is not None and case.applicant.user_id == user.pk:
        roles.add(S.APPLICANT)
    if case.company_id and case.company_id in _company_ids_for(user):
        roles.add(S.APPLICANT)
    if user.has_role(Role.AGENT) and user.agency_id and user.agency_id == case.agency_id:
        roles.add(S.AGENT)
    front = [r for r in (S.CLERK, S.SOCIAL_WORKER) if user.has_role(r)]
    if front and user.point_id and user.point_id in _ancestors_for(user, case.point_id):
        roles.update(front)
        if case.matter.kind == "instant" and _delegated(user, case.matter_id):
            roles.add(S.DELEGATE)
    if user.has_role(Role.SPECIALIST) and case.channel == "door" and case.created_by_id == user.pk:
        roles.add(S.SPECIALIST)
    if user.has_role(Role.REVIEWER) and user.department_id == case.department_id:
        roles.add(S.REVIEWER)
    if manages_district(user, case.district_id):
        roles.add(S.MANAGER)
    return roles


def cases_visible_to(*, user: Any) -> QuerySet[Case]:
    """Every case ``user`` may see, by relationship."""
    qs = Case.objects.select_related("matter", "department", "applicant", "company", "point")
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if user.is_superuser:
        return qs
    q = Q(applicant__user=user) | Q(company__in=user.companies.all())
    if user.has_role(Role.AGENT) and user.agency_id:
        q |= Q(agency_id=user.agency_id)
    if user.has_role(Role.CLERK, Role.SOCIAL_WORKER) and user.point_id:
        q |= Q(point_id__in=point_subtree_ids(user.point))
    if user.has_role(Role.SPECIALIST):
        q |= Q(channel="door", created_by=user)
    if user.has_role(Role.REVIEWER) and user.department_id:
        q |= Q(department_id=user.department_id)
    if user.has_role(Role.MANAGER) and user.point_id:
        q |= Q(district_id=user.point.district_id)
    return qs.filter(q)


def case_get_for_user(*, user: Any, number: str, lock: bool = False) -> Case:
    """The case by number if ``user`` may see it: 404 when it does not exist or is not theirs.

    Not-theirs is reported as not found so case numbers cannot be probed.
    """
    qs = Case.objects.select_related(
        "matter", "department", "applicant", "company", "point", "district", "agency"
    )
    if lock:
        qs = qs.select_for_update(of=("self",))
    case = qs.filter(number=number).first()
    if case is None or not case_roles(user=user, case=case):
        if user is None or not getattr(user, "is_authenticated", False):
            raise Forbidden(_("请先登录。"), code="not_authenticated", status=401)
        raise NotFound(_("未找到该办件。"), code="case_not_found")
    return case


def transition_refusal(*, case: Case, action: str, roles: set[str]) -> str | None:
    """Why ``action`` may not be taken now by someone holding ``roles`` (None: it may)."""
    t = S.TRANSITIONS.get(action)
    if t is None:
        return "unknown_action"
    if case.state not in t.sources:
        return "illegal_transition"
    if not roles.intersection(t.roles):
        return "wrong_role"
    if action == "extend" and case.extended_days:
        return "already_extended"
    # a case completed after the window's one-time notice is accepted first, then reviewed
    if case.state == S.State.RESUBMITTED:
        if action == "accept" and case.accepted_at is not None:
            return "already_accepted"
        if action in ("start_review", "request_supplement") and case.accepted_at is None:
            return "not_accepted"
    if action == "request_supplement" and case.supplement_rounds >= 1 and S.MANAGER not in roles:
        return "second_supplement_needs_manager"
    return None


def allowed_actions(*, user: Any, case: Case) -> list[S.Transition]:
    roles = case_roles(user=user, case=case)
    return [
        t
        for action, t in S.TRANSITIONS.items()
        if transition_refusal(case=case, action=action, roles=roles) is None
    ]


# -- deadlines -------------------------------------------------------------------------------

RUNNING = tuple(s for s, info in S.STATES.items() if info.clock_runs)
STEP_LIMITED = tuple(
    s
    for s, info in S.STATES.items()
    if info.limit_days is not None and s != S.State.SUPPLEMENT_REQUESTED
)


def overdue_q(*, today: dt.date) -> Q:
    """Cases past their promised date while the clock runs, or past a staff step's limit."""
    return Q(state__in=RUNNING, promised_due__lt=today) | Q(
        state__in=STEP_LIMITED, state_due__lt=today
    )


def due_soon_q(*, today: dt.date, soon: dt.date) -> Q:
    """Running cases due between today and ``soon`` (e.g. two working days ahead)."""
    return Q(state__in=RUNNING, promised_due__gte=today, promised_due__lte=soon)


def case_flags(*, case: Case, today: dt.date, soon: dt.date | None = None) -> dict[str, bool]:
    overdue = (case.state in RUNNING and case.promised_due and case.promised_due < today) or (
        case.state in STEP_LIMITED and case.state_due and case.state_due < today
    )
    due_soon = bool(
        not overdue
        and soon is not None
        and case.state in RUNNING
        and case.promised_due
        and today <= case.promised_due <= soon
    )
    return {
        "overdue": bool(overdue),
        "due_soon": due_soon,
        "paused": case.state in (S.State.SUPPLEMENT_REQUESTED, S.State.SUSPENDED),
        "extended": bool(case.extended_days),
    }


def soon_date(*, today: dt.date, days: int = 2) -> dt.date | None:
    from onetrip.workdays.selectors import NoSchedule, working_days_after

    try:
        return working_days_after(start=today, days=days)
    except NoSchedule:
        return None


def case_counts(*, cases: QuerySet[Case]) -> dict[str, int]:
    """Zero-visit and one-visit counts over a set of cases."""
    return {
        "total": cases.count(),
        "zero_visit": cases.filter(visit_count=0).count(),
        "one_visit": cases.filter(visit_count=1).count(),
        "supplement_twice": cases.filter(supplement_rounds__gte=2).count(),
    }


# -- the hot read of a state change ----------------------------------------------------------
#
# A transition through the API reads its case with the rows the checks, the reply and the
# notification need. Compiling that select_related query costs milliseconds of Python per
# request on this CPU, so its SQL is built once per process (same text every call, which lets
# PostgreSQL keep it prepared) and the instances are made with ``Model.from_db``.


class _Part(NamedTuple):
    """One model's columns in a hand-built row: ``row[start:end]`` are its concrete fields."""

    name: str
    model: type[Model]
    start: int
    end: int
    attnames: list[str]

    def build(self, db: str, row: Sequence[Any]) -> Model:
        return self.model.from_db(db, self.attnames, row[self.start : self.end])


def _select_list(alias: str, fields: Iterable[Field[Any, Any]]) -> list[str]:
    from django.db import connection

    quote = connection.ops.quote_name
    # cast: a concrete field always has a column (only non-concrete fields carry None)
    return [f"{alias}.{quote(cast(str, f.column))}" for f in fields]


def _plan_part(name: str, model: type[Model], at: int) -> _Part:
    fields = model._meta.concrete_fields
    return _Part(name, model, at, at + len(fields), [f.attname for f in fields])


def _joined_select(
    parts: Iterable[tuple[str, type[Model], str, str]],
) -> tuple[str, str, list[_Part]]:
    """The select list, the joins and the row plan of ``parts``: (name, model, alias, join),
    in the row's order; ``{t}`` in a join stands for the model's table."""
    from django.db import connection

    quote = connection.ops.quote_name
    columns: list[str] = []
    joins: list[str] = []
    plan: list[_Part] = []
    for name, model, alias, join in parts:
        columns += _select_list(alias, model._meta.concrete_fields)
        if join:
            joins.append(join.format(t=quote(model._meta.db_table)))
        plan.append(_plan_part(name, model, plan[-1].end if plan else 0))
    return ", ".join(columns), " ".join(joins), plan


_CASE_READ: tuple[str, list[_Part]] | None = None


def _case_read_plan() -> tuple[str, list[_Part]]:
    """SQL of the case by number with matter, department, point, district, applicant and
    company, plus the point's next two ancestors and the row's ``xmin`` (its version)."""
    global _CASE_READ
    if _CASE_READ is not None:
        return _CASE_READ
    from django.db import connection

    from onetrip.catalogue.models import Department, Matter
    from onetrip.people.models import Applicant, Company

    quote = connection.ops.quote_name
    columns, joins, plan = _joined_select(
        [
            ("", Case, "c", ""),
            ("matter", Matter, "m", "INNER JOIN {t} m ON m.id = c.matter_id"),
            ("department", Department, "d", "INNER JOIN {t} d ON d.id = c.department_id"),
            ("point", ServicePoint, "p", "INNER JOIN {t} p ON p.id = c.point_id"),
            ("district", ServicePoint, "di", "INNER JOIN {t} di ON di.id = c.district_id"),
            ("applicant", Applicant, "ap", "LEFT JOIN {t} ap ON ap.id = c.applicant_id"),
            ("company", Company, "co", "LEFT JOIN {t} co ON co.id = c.company_id"),
        ]
    )
    sp = quote(ServicePoint._meta.db_table)
    sql = (
        f"SELECT {columns}, {year_table_sql()}, p2.parent_id, p3.parent_id,"
        f" c.xmin::text FROM {quote(Case._meta.db_table)} c {joins}"
        f" LEFT JOIN {sp} p2 ON p2.id = p.parent_id LEFT JOIN {sp} p3 ON p3.id = p2.parent_id"
        " WHERE c.number = %s"
    )
    _CASE_READ = (sql, plan)
    return _CASE_READ


def case_for_transition(
    *, number: str, user: Any, year: int, calendar: Any = None
) -> tuple[Case, str] | None:
    """PostgreSQL: the case by number (related rows attached) and its row version (``xmin``),
    in one prepared query without ORM compilation; None when there is no such case. The
    working-day exceptions of ``year`` come along for ``calendar`` (see ``seed_calendar``).

    The point's ancestors read along are memoised on ``user`` the way ``_ancestors_for`` does,
    so the role check needs no further query. No access check here: the caller checks roles."""
    from django.db import connection

    sql, plan = _case_read_plan()
    with connection.cursor() as cur:
        cur.execute(sql, [year, number])
        row = cur.fetchone()
    if row is None:
        return None
    seed_calendar(calendar, year, row[-4])
    db = connection.alias
    case_part, *related = plan
    case = Case.from_db(db, case_part.attnames, row[case_part.start : case_part.end])
    for part in related:
        obj = None if row[part.start] is None else part.build(db, row)
        case._state.fields_cache[part.name] = obj
    parent2, parent3, version = row[-3], row[-2], row[-1]
    if user is not None and parent3 is None:  # the whole chain up to the top is known
        point = case.point
        chain = [point.pk, point.parent_id, parent2]
        memo = user.__dict__.setdefault("_ot_point_ancestors", {})
        memo.setdefault(point.pk, {p for p in chain if p is not None})
    return case, version


_MATERIALS_SQL: str | None = None


def case_material_rows(*, case_id: int) -> list[dict[str, Any]]:
    """The case's materials as the API shows them (with their file counts), in one prepared
    query: id, name, required, status, count, reason, later_due, files."""
    global _MATERIALS_SQL
    from django.db import connection

    from onetrip.cases.models import CaseFile, CaseMaterial

    if _MATERIALS_SQL is None:
        cm, cf = CaseMaterial._meta.db_table, CaseFile._meta.db_table
        _MATERIALS_SQL = (
            "SELECT cm.id, cm.name, cm.required, cm.status, cm.count, cm.reason, cm.later_due,"
            f" (SELECT count(*) FROM {cf} f WHERE f.case_material_id = cm.id)"
            f" FROM {cm} cm WHERE cm.case_id = %s ORDER BY cm.position, cm.id"
        )
    keys = ("id", "name", "required", "status", "count", "reason", "later_due", "files")
    with connection.cursor() as cur:
        cur.execute(_MATERIALS_SQL, [case_id])
        return [dict(zip(keys, row, strict=True)) for row in cur.fetchall()]


_MATERIALS_JSON_SQL: str | None = None
_MATERIAL_KEYS = ("id", "name", "required", "status", "count", "reason", "later_due", "files")


def case_materials_json_sql() -> str:
    """A scalar subquery (one ``%s``: the case id) giving the case's materials as
    ``case_material_rows`` does, as one JSON value: a write statement's final SELECT carries
    them back for the reply instead of a further query (see ``material_rows_from_json``)."""
    global _MATERIALS_JSON_SQL
    if _MATERIALS_JSON_SQL is None:
        from onetrip.cases.models import CaseFile, CaseMaterial

        cm, cf = CaseMaterial._meta.db_table, CaseFile._meta.db_table
        _MATERIALS_JSON_SQL = (
            "(SELECT coalesce(json_agg(json_build_array(cm.id, cm.name, cm.required, cm.status,"
            " cm.count, cm.reason, cm.later_due,"
            f" (SELECT count(*) FROM {cf} f WHERE f.case_material_id = cm.id))"
            f" ORDER BY cm.position, cm.id), '[]'::json) FROM {cm} cm WHERE cm.case_id = %s)"
        )
    return _MATERIALS_JSON_SQL


def material_rows_from_json(value: Any) -> list[dict[str, Any]]:
    import json

    if isinstance(value, str | bytes):
        value = json.loads(value)
    rows = [dict(zip(_MATERIAL_KEYS, item, strict=True)) for item in value or []]
    for row in rows:
        if row["later_due"]:
            row["later_due"] = dt.date.fromisoformat(row["later_due"])
    return rows


_INTAKE_READ: tuple[str, list[_Part], list[Field[Any, Any]]] | None = None


def _intake_read_plan() -> tuple[str, list[_Part], list[Field[Any, Any]]]:
    global _INTAKE_READ
    if _INTAKE_READ is not None:
        return _INTAKE_READ
    from django.db import connection

    from onetrip.catalogue.models import Department, Material, Matter
    from onetrip.people.models import Applicant

    quote = connection.ops.quote_name
    sp = quote(ServicePoint._meta.db_table)
    columns, joins, plan = _joined_select(
        [
            ("point", ServicePoint, "p", ""),
            ("point.district", ServicePoint, "di", "INNER JOIN {t} di ON di.id = p.district_id"),
            (
                "matter",
                Matter,
                "m",
                "LEFT JOIN {t} m ON m.district_id = p.district_id AND m.code = %s",
            ),
            ("matter.department", Department, "d", "LEFT JOIN {t} d ON d.id = m.department_id"),
            ("matter.district", ServicePoint, "md", "LEFT JOIN {t} md ON md.id = m.district_id"),
            ("applicant", Applicant, "ap", "LEFT JOIN {t} ap ON ap.id_number = %s"),
        ]
    )
    material_fields = list(Material._meta.concrete_fields)
    materials = (
        "(SELECT coalesce(json_agg(json_build_array("
        + ", ".join(_select_list("x", material_fields))
        + f") ORDER BY x.position, x.id), '[]'::json) FROM {quote(Material._meta.db_table)} x"
        " WHERE x.matter_id = m.id)"
    )
    sql = (
        f"SELECT {columns}, {year_table_sql()}, p2.parent_id, p3.parent_id,"
        f" {materials} FROM {sp} p {joins}"
        f" LEFT JOIN {sp} p2 ON p2.id = p.parent_id LEFT JOIN {sp} p3 ON p3.id = p2.parent_id"
        " WHERE p.id = %s"
    )
    _INTAKE_READ = (sql, plan, material_fields)
    return _INTAKE_READ


def intake_read(
    *,
    point_id: int,
    matter_code: str,
    user: Any,
    id_number: str = "",
    year: int,
    calendar: Any = None,
) -> tuple[Any, Any, Any] | None:
    """PostgreSQL, a window intake: the clerk's point (its district attached), the district's
    matter with this code (department, district and its materials, in order, attached as
    ``matter.intake_materials``; None when there is no such matter) and the applicant
    registered under ``id_number`` (a checked number; None when there is none), in one prepared
    query. The point's ancestors are memoised on ``user`` as ``_ancestors_for`` does, and the
    working-day exceptions of ``year`` handed to ``calendar``. None: no such point."""
    import json

    from django.db import connection

    from onetrip.catalogue.models import Material

    sql, plan, material_fields = _intake_read_plan()
    with connection.cursor() as cur:
        cur.execute(sql, [year, matter_code or "", id_number or "", point_id])
        row = cur.fetchone()
    if row is None:
        return None
    seed_calendar(calendar, year, row[-4])
    db = connection.alias
    objs: dict[str, Any] = {}
    for part in plan:
        obj = None if row[part.start] is None else part.build(db, row)
        objs[part.name] = obj
        owner, _dot, attr = part.name.rpartition(".")
        if owner and objs[owner] is not None:
            objs[owner]._state.fields_cache[attr] = obj
    point, matter = objs["point"], objs["matter"]
    parent2, parent3, materials = row[-3], row[-2], row[-1]
    if matter is not None:
        if isinstance(materials, str | bytes):
            materials = json.loads(materials)
        names = [f.attname for f in material_fields]
        matter.intake_materials = [
            Material.from_db(db, names, values) for values in materials or []
        ]
        for m in matter.intake_materials:
            m._state.fields_cache["matter"] = matter
    if user is not None and parent3 is None:
        chain = [point.pk, point.parent_id, parent2]
        memo = user.__dict__.setdefault("_ot_point_ancestors", {})
        memo.setdefault(point.pk, {p for p in chain if p is not None})
    return point, matter, objs["applicant"]


_YEAR_SQL: str | None = None


def year_table_sql() -> str:
    """A scalar subquery (one ``%s``: a year) giving that year's working-day exceptions as
    ``workdays.selectors._year_table`` reads them: NULL when the year has no schedule, else a
    JSON array of [date, is_workday] (one [null, null] for a schedule without exceptions). The
    hot reads carry the current year along; ``seed_calendar`` hands it to the request's
    calendar, so a deadline in this year costs no query of its own."""
    global _YEAR_SQL
    if _YEAR_SQL is None:
        from django.db import connection

        from onetrip.workdays.models import DayException, ScheduleYear

        quote = connection.ops.quote_name
        _YEAR_SQL = (
            "(SELECT json_agg(json_build_array(d.date, d.is_workday))"
            f" FROM {quote(ScheduleYear._meta.db_table)} y"
            f" LEFT JOIN {quote(DayException._meta.db_table)} d ON d.schedule_id = y.id"
            " WHERE y.year = %s)"
        )
    return _YEAR_SQL


def seed_calendar(calendar: Any, year: int, value: Any) -> None:
    """Give ``calendar`` (a ``WorkdayCalendar``) the year read by ``year_table_sql``. A year
    without a schedule is left out: the calendar then reads it and refuses, as usual."""
    import json

    if calendar is None or value is None:
        return
    if isinstance(value, str | bytes):
        value = json.loads(value)
    calendar.years[year] = {
        dt.date.fromisoformat(day): bool(workday) for day, workday in value if day is not None
    }


#: material states the applicant still has to do something about
BAD = (MaterialStatus.MISSING, MaterialStatus.DEFECTIVE)


def case_missing(*, case: Case) -> list[CaseMaterial]:
    """What the applicant still has to supply: required materials missing or defective, and
    optional ones staff flagged (defective, or missing with a reason). An optional material
    simply not handed in (e.g. 用途说明 left out of an online application) is not "missing"."""
    return [
        cm
        for cm in case.materials.all()
        if cm.status in BAD
        and (cm.required or cm.status == MaterialStatus.DEFECTIVE or cm.reason.strip())
    ]
