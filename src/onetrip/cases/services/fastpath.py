"""The PostgreSQL one-statement write paths: a window intake (``_open_in_one_statement``) and
the API's transitions (``case_transition_by_number``). Both decide in memory with the same
functions as the ORM path, then write with ONE statement; anything else falls back to the ORM
path."""

from __future__ import annotations

import copy
import datetime as dt
import re
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.utils.translation import gettext as _

from onetrip.access import signed_in
from onetrip.cases import states as S
from onetrip.cases.models import (
    Case,
    CaseCounter,
    Visit,
    VisitKind,
)
from onetrip.cases.prepared import (
    case_for_transition,
    case_materials_json_sql,
    material_rows_from_json,
)
from onetrip.cases.services.base import (
    _CALENDAR,
    Decision,
    _changed,
    _now,
    _send_changed,
    _shared_calendar,
    _snapshot,
    change_records,
)
from onetrip.cases.services.create import _material_rows, _opened_in_person, _prepare
from onetrip.cases.services.transitions import _decide, case_transition
from onetrip.catalogue.models import Matter, ServicePoint
from onetrip.catalogue.resolvers import resolves_without_writes
from onetrip.clock import local_today
from onetrip.db import InsertParts
from onetrip.errors import NotFound
from onetrip.people.selectors import registered_holder

if TYPE_CHECKING:
    from onetrip.people.models import User


def _open_in_one_statement(
    *,
    actor: User,
    matter: Matter,
    point: ServicePoint,
    channel: str,
    applicant_kind: str,
    applicant_number: str,
    holder: tuple | None,
    ticket,
    given: dict[int, dict[str, Any]],
    submit: bool,
    accept: bool,
    now: dt.datetime,
    today: dt.date,
) -> Case | None:
    """PostgreSQL, a window intake outside a caller's transaction (every web request), for an
    applicant already registered and materials that resolve without writing (see
    ``catalogue.resolvers.resolves_without_writes``): everything is checked and decided in memory by the same
    functions as the ORM path (``_prepare``, ``_material_rows``, ``_decide`` for submit and
    accept), then ONE statement takes the day's number from the counter and writes the case,
    its materials, one CaseEvent and one audit record per step (create, submit, accept) and the
    visit. The counter row is locked only while that statement runs, and a refusal (e.g.
    materials incomplete at acceptance) happens before it, so it costs no number. Returns None
    when the intake needs the ORM path (new applicant, a resolver that may write)."""
    if holder is None:
        holder = registered_holder(kind=applicant_kind, number=applicant_number)[1:]
    applicant, company = holder
    if applicant is None and company is None:
        return None
    case, role, known, materials = _prepare(
        matter=matter,
        actor=actor,
        channel=channel,
        point=point,
        applicant=applicant,
        company=company,
        ticket=ticket,
        materials=given,
        now=now,
    )
    if any(pk not in materials and not resolves_without_writes(m) for pk, m in known.items()):
        return None
    rows = _material_rows(case=case, known=known, materials=materials, today=today)
    user = signed_in(actor)
    visit = None
    if _opened_in_person(role=role, channel=case.channel):
        visit = Visit(
            kind=VisitKind.TICKET if ticket is not None else VisitKind.WINDOW,
            at=now,
            point=case.point,
            ticket=ticket,
            recorded_by=user,
        )
        case.visit_count = 1
    steps: list[tuple[str, Decision]] = [
        ("create", Decision(role, "", S.State.DRAFT, {"channel": case.channel}))
    ]
    told = []
    actions = (["submit"] if submit or accept else []) + (["accept"] if accept else [])
    with _writes_nothing("the one-statement intake"):
        for action in actions:
            decision = _decide(
                case,
                action=action,
                actor=actor,
                note="",
                now=now,
                today=today,
                tracking_token=None,
                data={},
                materials=rows,  # the case is not written yet: its rows are these
            )
            steps.append((action, decision))
            told.append((copy.copy(case), decision.from_state, decision.to_state, action))
    quote = connection.ops.quote_name
    counter = quote(CaseCounter._meta.db_table)
    number_sql = (
        "%s || CASE WHEN n.last < 100000 THEN lpad(n.last::text, 5, '0') ELSE n.last::text END"
    )
    prefix = f"{case.district.code.upper()}-{today:%Y%m%d}-"
    row = InsertParts(case, exprs={"number": (number_sql, [prefix])})
    ctes = [
        f"n AS (INSERT INTO {counter} (district_id, day, last) VALUES (%s, %s, 1)"
        f" ON CONFLICT (district_id, day) DO UPDATE SET last = {counter}.last + 1"
        " RETURNING last)",
        f"c AS ({row.insert_select('n', 'id, number')})",
    ]
    params: list[Any] = [case.district_id, today, *row.params]

    # Each INSERT reads the row the one before returned, so the rows get their ids in this
    # order (materials by position, events create → submit → accept), as the ORM path's do.
    def chain(name: str, objs: list, column: str, first: str, returning: str) -> None:
        source, value = "c", first
        for i, obj in enumerate(objs):
            part = InsertParts(obj, exprs={column: (value, [])})
            ctes.append(f"{name}{i} AS ({part.insert_select(source, f'id, {returning}')})")
            params.extend(part.params)
            source, value = f"{name}{i}", f"{name}{i}.{returning}"

    chain("m", rows, "case_id", "c.id", "case_id")
    records = [
        change_records(case=case, actor=actor, action=a, now=now, **d._asdict()) for a, d in steps
    ]
    chain("e", [event for event, _audit in records], "case_id", "c.id", "case_id")
    audits = [audit for _event, audit in records]
    chain("a", audits, "subject_id", "c.number", "subject_id")
    if visit is not None:
        chain("v", [visit], "case_id", "c.id", "case_id")
    material_ids = ", ".join(f"(SELECT id FROM m{i})" for i in range(len(rows)))
    sql = f"WITH {', '.join(ctes)} SELECT c.id, c.number{', ' if rows else ''}{material_ids} FROM c"
    with connection.cursor() as cur:
        cur.execute(sql, params)
        case.pk, case.number, *ids = cur.fetchone()
    case._state.adding = False
    case._state.db = connection.alias
    for cm, pk in zip(rows, ids, strict=True):
        cm.pk, cm.case_id = pk, case.pk
        cm._state.adding = False
    # the reply's materials, as ``prepared.case_material_rows`` would read them back
    rows.sort(key=lambda cm: (cm.position, cm.pk))
    case.material_rows = [
        {
            "id": cm.pk,
            "name": cm.name,
            "required": cm.required,
            "status": cm.status,
            "count": cm.count,
            "reason": cm.reason,
            "later_due": cm.later_due,
            "files": 0,
        }
        for cm in rows
    ]
    for snapshot, from_state, to_state, action in told:
        snapshot.pk, snapshot.number = case.pk, case.number
        snapshot._state.adding = False
        _send_changed(snapshot, from_state, to_state, action, actor, "")
    return case


WRITE_SQL = re.compile(r"\b(INSERT\s+INTO|UPDATE\s+\S+\s+SET|DELETE\s+FROM)\b", re.IGNORECASE)


class UndeclaredWrite(RuntimeError):
    """A decision on a one-statement path tried to write: its transition's declaration
    (``states.Transition.writes``) is wrong. Nothing was written."""


@contextmanager
def _writes_nothing(what: str):
    """Refuse any write statement while a one-statement path decides (outside a transaction,
    a write there would commit on its own and be made again by the ORM fallback)."""

    def guard(execute, sql, params, many, context):
        if WRITE_SQL.search(sql):
            raise UndeclaredWrite(f"{what} tried to write: {sql[:120]}")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(guard):
        yield


def case_transition_by_number(
    *,
    number: str,
    action: str,
    actor: User,
    note: str = "",
    now: dt.datetime | None = None,
    today: dt.date | None = None,
    **data: Any,
) -> Case:
    """``case_transition`` for the case with this number (the API's path): same checks, same
    writes, same errors (a case the actor may not see is not found).

    On PostgreSQL, outside a caller's transaction, an action that writes only the case row
    (as its transition declares, ``states.Transition.writes``: not a delivery at the window,
    which records a visit) is
    decided on an unlocked read and written by ONE statement: the case UPDATE, guarded by the
    row version read (``xmin``), with its CaseEvent and audit INSERTs chained to it. If the row
    changed in between, nothing is written and the action is taken again the usual way (row
    lock, fresh read, fresh checks)."""
    if (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and S.case_row_only(action, data)
    ):
        done = _transition_in_one_statement(
            number=number, action=action, actor=actor, note=note, now=now, today=today, data=data
        )
        if done is not None:
            return done
    pk = Case.objects.filter(number=number).values_list("pk", flat=True).first()
    if pk is None:
        raise NotFound(_("未找到该办件。"), code="case_not_found")
    return case_transition(
        case=Case(pk=pk), action=action, actor=actor, note=note, now=now, today=today, **data
    )


@_shared_calendar()
def _transition_in_one_statement(
    *,
    number: str,
    action: str,
    actor: User,
    note: str,
    now: dt.datetime | None,
    today: dt.date | None,
    data: dict[str, Any],
) -> Case | None:
    """See ``case_transition_by_number``. None: the row changed after it was read."""
    now = _now(now)
    today = today or local_today(now)
    note = (note or "").strip()
    found = case_for_transition(
        number=number, user=actor, year=today.year, calendar=_CALENDAR.get()
    )
    if found is None:
        raise NotFound(_("未找到该办件。"), code="case_not_found")
    case, version = found
    if action == "approve" and case.matter.founding:
        return None  # registering the new company writes its row too: the usual path
    before = _snapshot(case)
    with _writes_nothing(f"“{action}”, declared to write the case row only,"):
        decision = _decide(
            case,
            action=action,
            actor=actor,
            note=note,
            now=now,
            today=today,
            tracking_token=None,
            data=data,
        )
    meta = Case._meta
    quote = connection.ops.quote_name
    sets, params = [], []
    fields = {f.name: f for f in meta.concrete_fields}
    for name in _changed(case, before) or ["state"]:
        field = fields[name]
        sets.append(f"{quote(field.column or name)} = %s")
        params.append(field.get_db_prep_save(getattr(case, field.attname), connection))
    event_row, audit_row = change_records(
        case=case, actor=actor, action=action, note=note, now=now, **decision._asdict()
    )
    event = InsertParts(event_row, exprs={"case_id": ("u.id", [])})
    audit = InsertParts(audit_row)
    sql = (
        f"WITH u AS (UPDATE {quote(meta.db_table)} SET {', '.join(sets)}"
        " WHERE id = %s AND xmin::text = %s RETURNING id),"
        f" e AS ({event.insert_select('u')}),"
        f" a AS ({audit.insert_select('u')})"
        f" SELECT (SELECT count(*) FROM u), {case_materials_json_sql()}"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [*params, case.pk, version, *event.params, *audit.params, case.pk])
        written, materials = cur.fetchone()
    if not written:
        return None
    case.material_rows = material_rows_from_json(materials)
    _send_changed(case, decision.from_state, decision.to_state, action, actor, note)
    return case
