"""The prepared PostgreSQL reads of the hot paths: a state change through the API
(``case_for_transition``), a window intake (``intake_read``) and the case's materials for the
reply (``case_material_rows``, ``case_materials_json_sql``).

Compiling their select_related queries costs milliseconds of Python per request on this CPU,
so each SQL text is built once per process (same text every call, which lets PostgreSQL keep
it prepared) and the instances are made with ``Model.from_db``. The ORM reads stay in
``cases.selectors``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from django.db import connection
from django.db.models import Field, Model

from onetrip.cases.models import Case, CaseFile, CaseMaterial
from onetrip.cases.selectors import remember_ancestors
from onetrip.catalogue.models import Department, Material, Matter, ServicePoint
from onetrip.people.models import Applicant, Company
from onetrip.workdays.models import DayException, ScheduleYear

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from onetrip.people.models import User
    from onetrip.workdays.selectors import WorkdayCalendar

#: a material row as the API shows it (``case_material_rows`` and its JSON and list variants)
MATERIAL_KEYS = ("id", "name", "required", "status", "count", "reason", "later_due", "files")


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


#: the columns ``_ancestor_joins`` adds: the point's grandparent and the point above that
_ANCESTOR_COLUMNS = "p2.parent_id, p3.parent_id"


def _ancestor_joins() -> str:
    """Joins of the point ``p``'s parent (``p2``) and grandparent (``p3``), whose parents are
    read along for ``_remember_chain``."""
    sp = connection.ops.quote_name(ServicePoint._meta.db_table)
    return f"LEFT JOIN {sp} p2 ON p2.id = p.parent_id LEFT JOIN {sp} p3 ON p3.id = p2.parent_id"


def _remember_chain(
    user: User | AnonymousUser | None,
    point: ServicePoint,
    parent2: int | None,
    parent3: int | None,
) -> None:
    """Memoise the point's ancestors read along (its parent's parent ``parent2``, and above
    that ``parent3``) on ``user``, so the role check needs no query of its own."""
    if user is not None and parent3 is None:  # the whole chain up to the top is known
        chain = (point.pk, point.parent_id, parent2)
        remember_ancestors(user, point.pk, {p for p in chain if p is not None})


_CASE_READ: tuple[str, list[_Part]] | None = None


def _case_read_plan() -> tuple[str, list[_Part]]:
    """SQL of the case by number with matter, department, point, district, applicant and
    company, plus the point's next two ancestors and the row's ``xmin`` (its version)."""
    global _CASE_READ
    if _CASE_READ is not None:
        return _CASE_READ
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
    sql = (
        f"SELECT {columns}, {year_table_sql()}, {_ANCESTOR_COLUMNS},"
        f" c.xmin::text FROM {quote(Case._meta.db_table)} c {joins} {_ancestor_joins()}"
        " WHERE c.number = %s"
    )
    _CASE_READ = (sql, plan)
    return _CASE_READ


def case_for_transition(
    *,
    number: str,
    user: User | AnonymousUser | None,
    year: int,
    calendar: WorkdayCalendar | None = None,
) -> tuple[Case, str] | None:
    """PostgreSQL: the case by number (related rows attached) and its row version (``xmin``),
    in one prepared query without ORM compilation; None when there is no such case. The
    working-day exceptions of ``year`` come along for ``calendar`` (see ``seed_calendar``).

    The point's ancestors read along are memoised on ``user`` the way ``_ancestors_for`` does,
    so the role check needs no further query. No access check here: the caller checks roles."""
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
    _remember_chain(user, case.point, parent2, parent3)
    return case, version


def _material_columns() -> str:
    """``MATERIAL_KEYS`` as columns of ``CaseMaterial`` aliased ``cm``."""
    cf = CaseFile._meta.db_table
    return (
        "cm.id, cm.name, cm.required, cm.status, cm.count, cm.reason, cm.later_due,"
        f" (SELECT count(*) FROM {cf} f WHERE f.case_material_id = cm.id)"
    )


_MATERIALS_SQL: str | None = None


def case_material_rows(*, case_id: int) -> list[dict[str, Any]]:
    """The case's materials as the API shows them (``MATERIAL_KEYS``, with their file counts),
    in one prepared query."""
    global _MATERIALS_SQL
    if _MATERIALS_SQL is None:
        _MATERIALS_SQL = (
            f"SELECT {_material_columns()} FROM {CaseMaterial._meta.db_table} cm"
            " WHERE cm.case_id = %s ORDER BY cm.position, cm.id"
        )
    with connection.cursor() as cur:
        cur.execute(_MATERIALS_SQL, [case_id])
        return [dict(zip(MATERIAL_KEYS, row, strict=True)) for row in cur.fetchall()]


_MATERIALS_JSON_SQL: str | None = None


def case_materials_json_sql() -> str:
    """A scalar subquery (one ``%s``: the case id) giving the case's materials as
    ``case_material_rows`` does, as one JSON value: a write statement's final SELECT carries
    them back for the reply instead of a further query (see ``material_rows_from_json``)."""
    global _MATERIALS_JSON_SQL
    if _MATERIALS_JSON_SQL is None:
        _MATERIALS_JSON_SQL = (
            f"(SELECT coalesce(json_agg(json_build_array({_material_columns()})"
            " ORDER BY cm.position, cm.id), '[]'::json)"
            f" FROM {CaseMaterial._meta.db_table} cm WHERE cm.case_id = %s)"
        )
    return _MATERIALS_JSON_SQL


def material_rows_from_json(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str | bytes):
        value = json.loads(value)
    rows = [dict(zip(MATERIAL_KEYS, item, strict=True)) for item in value or []]
    for row in rows:
        if row["later_due"]:
            row["later_due"] = dt.date.fromisoformat(row["later_due"])
    return rows


_INTAKE_READ: tuple[str, list[_Part], list[Field[Any, Any]]] | None = None


def _intake_read_plan() -> tuple[str, list[_Part], list[Field[Any, Any]]]:
    global _INTAKE_READ
    if _INTAKE_READ is not None:
        return _INTAKE_READ
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
        f"SELECT {columns}, {year_table_sql()}, {_ANCESTOR_COLUMNS},"
        f" {materials} FROM {sp} p {joins} {_ancestor_joins()}"
        " WHERE p.id = %s"
    )
    _INTAKE_READ = (sql, plan, material_fields)
    return _INTAKE_READ


def intake_read(
    *,
    point_id: int,
    matter_code: str,
    user: User | AnonymousUser | None,
    id_number: str = "",
    year: int,
    calendar: WorkdayCalendar | None = None,
) -> tuple[Any, Any, Any] | None:
    """PostgreSQL, a window intake: the clerk's point (its district attached), the district's
    matter with this code (department, district and its materials, in order, attached as
    ``matter.intake_materials``; None when there is no such matter) and the applicant
    registered under ``id_number`` (a checked number; None when there is none), in one prepared
    query. The point's ancestors are memoised on ``user`` as ``_ancestors_for`` does, and the
    working-day exceptions of ``year`` handed to ``calendar``. None: no such point."""
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
    _remember_chain(user, point, parent2, parent3)
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
        quote = connection.ops.quote_name
        _YEAR_SQL = (
            "(SELECT json_agg(json_build_array(d.date, d.is_workday))"
            f" FROM {quote(ScheduleYear._meta.db_table)} y"
            f" LEFT JOIN {quote(DayException._meta.db_table)} d ON d.schedule_id = y.id"
            " WHERE y.year = %s)"
        )
    return _YEAR_SQL


def seed_calendar(calendar: WorkdayCalendar | None, year: int, value: Any) -> None:
    """Give ``calendar`` (a ``WorkdayCalendar``) the year read by ``year_table_sql``. A year
    without a schedule is left out: the calendar then reads it and refuses, as usual."""
    if calendar is None or value is None:
        return
    if isinstance(value, str | bytes):
        value = json.loads(value)
    calendar.years[year] = {
        dt.date.fromisoformat(day): bool(workday) for day, workday in value if day is not None
    }
