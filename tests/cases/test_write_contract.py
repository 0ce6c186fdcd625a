"""The write contract of the case transitions (``states.Transition.writes``).

- Every action writes only the case row, its CaseEvent and its audit record, plus the tables
  its transition declares; an action declared "case row only" writes nothing else. The checker
  is shown to fail on a deliberately broken handler.
- The PostgreSQL one-statement path refuses, at run time, a decision that tries to write.
- Parity: every action the one-statement path takes writes exactly the rows the ORM path
  writes (on SQLite both calls take the ORM path, so there it holds trivially).
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from onetrip.audit.models import AuditEvent
from onetrip.cases import services
from onetrip.cases import states as S
from onetrip.cases.models import Case, CaseEvent, SupplementNotice
from onetrip.cases.services import actions, fastpath
from tests.cases.conftest import at
from tests.cases.helpers import window_intake, written_rows

BASE_TABLES = {Case._meta.db_table, CaseEvent._meta.db_table, AuditEvent._meta.db_table}
WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)

NOTE = "理由"
# action -> (how the case is opened: "draft" | "submitted" | "accepted", the steps before it,
# the action's own step). A step: (action, actor attribute, data).
REVIEW = ("start_review", "civil_reviewer", {})
PATHS: dict[str, tuple[str, list, tuple]] = {
    "submit": ("draft", [], ("submit", "clerk", {})),
    "accept": ("submitted", [], ("accept", "clerk", {})),
    "refuse": ("submitted", [], ("refuse", "clerk", {})),
    "notify_missing": (
        "submitted",
        [("leave_out", "clerk", {})],
        ("notify_missing", "clerk", {}),
    ),
    "withdraw": ("submitted", [], ("withdraw", "clerk", {})),
    "start_review": ("accepted", [], REVIEW),
    "request_supplement": ("accepted", [REVIEW], ("request_supplement", "civil_reviewer", None)),
    "resubmit": (
        "accepted",
        [REVIEW, ("request_supplement", "civil_reviewer", None), ("hand_in", "clerk", {})],
        ("resubmit", "clerk", {}),
    ),
    "suspend": ("accepted", [REVIEW], ("suspend", "manager", {})),
    "resume": ("accepted", [REVIEW, ("suspend", "manager", {})], ("resume", "manager", {})),
    "extend": ("accepted", [REVIEW], ("extend", "manager", {"days": 3})),
    "approve": ("accepted", [REVIEW], ("approve", "civil_reviewer", {})),
    "reject": ("accepted", [REVIEW], ("reject", "civil_reviewer", {})),
    "deliver": (
        "accepted",
        [REVIEW, ("approve", "civil_reviewer", {})],
        ("deliver", "clerk", {"method": "e_certificate"}),
    ),
    "deliver_at_window": (
        "accepted",
        [REVIEW, ("approve", "civil_reviewer", {})],
        ("deliver", "clerk", {"method": "window"}),
    ),
    "close": (
        "accepted",
        [REVIEW, ("approve", "civil_reviewer", {}), ("deliver", "clerk", {"method": "post"})],
        ("close", "clerk", {}),
    ),
}


def _open(cw, how: str) -> Case:
    return window_intake(cw, submit=how != "draft", accept=how == "accepted")


def _data(case: Case, action: str, data: dict | None) -> dict:
    if data is not None:
        return data
    cm = case.materials.order_by("position").first()
    return {"items": [{"material": cm.pk, "status": "defective", "reason": "复印件不清晰"}]}


def _take(cw, case: Case, step: tuple, *, by_number: bool) -> Case:
    action, who, data = step
    if action == "leave_out":  # the window finds a required material missing
        cm = case.materials.filter(required=True).order_by("position").first()
        services.case_material_update(
            case=case, case_material_id=cm.pk, actor=getattr(cw, who), status="missing"
        )
        return case
    if action == "hand_in":  # the applicant hands in what the notice asked for
        for cm in case.materials.filter(status__in=("missing", "defective")):
            services.case_material_update(
                case=case, case_material_id=cm.pk, actor=getattr(cw, who), status="received"
            )
        return case
    data = _data(case, action, data)
    if by_number:
        return services.case_transition_by_number(
            number=case.number, action=action, actor=getattr(cw, who), note=NOTE, **data
        )
    return services.case_transition(
        case=case, action=action, actor=getattr(cw, who), note=NOTE, **data
    )


def written_tables(queries) -> set[str]:
    return {m.group(1) for q in queries if (m := WRITE.match(q["sql"]))}


def declared_tables(action: str, data: dict) -> set[str]:
    t = S.TRANSITIONS[action]
    if t.case_row_only(data):
        return set(BASE_TABLES)
    return BASE_TABLES | {apps.get_model(label)._meta.db_table for label in t.writes}


def check_declared_writes(cw, path: str) -> set[str]:
    """Take the path's last action on the ORM path; fail unless it wrote only the tables its
    transition declares. Returns the tables written."""
    how, before, step = PATHS[path]
    case = _open(cw, how)
    for prior in before:
        case = _take(cw, case, prior, by_number=False)
    data = _data(case, step[0], step[2])
    with CaptureQueriesContext(connection) as q:
        _take(cw, case, step, by_number=False)
    written = written_tables(q)
    allowed = declared_tables(step[0], data)
    assert written <= allowed, f"{step[0]} wrote {written - allowed}, declared {allowed}"
    return written


def test_every_action_has_a_path_here():
    assert {step[0] for _how, _before, step in PATHS.values()} == set(S.TRANSITIONS)
    # and the one-statement candidates are exactly the actions some call of which writes
    # only the case row
    assert S.ONE_STATEMENT_ACTIONS == {
        a for a, t in S.TRANSITIONS.items() if t.case_row_only({"method": "post"})
    }
    assert len(S.ONE_STATEMENT_ACTIONS) == 11


@pytest.mark.parametrize("path", sorted(PATHS))
def test_each_action_writes_only_what_its_transition_declares(cw, frozen, path):
    written = check_declared_writes(cw, path)
    assert Case._meta.db_table in written  # the case row itself is always written
    action, data = PATHS[path][2][0], PATHS[path][2][2] or {}
    if S.case_row_only(action, data):
        assert written <= BASE_TABLES


def test_the_contract_check_fails_on_a_handler_that_writes_undeclared(cw, frozen, monkeypatch):
    """A deliberately broken "case row only" handler: ``close`` also writes a supplement
    notice. The same check that passes above must fail on it."""
    assert S.case_row_only("close")
    real = actions.HANDLERS["close"]

    def broken(case, **kw):
        SupplementNotice.objects.create(case=case, round=9, items=[], due=kw["today"])
        return real(case, **kw)

    monkeypatch.setitem(actions.HANDLERS, "close", broken)
    with pytest.raises(AssertionError, match="close wrote {'cases_supplementnotice'}"):
        check_declared_writes(cw, "close")


def test_the_one_statement_guard_refuses_any_write(cw, frozen):
    case = _open(cw, "accepted")
    with pytest.raises(fastpath.UndeclaredWrite):
        with transaction.atomic(), fastpath._writes_nothing("a test"):
            SupplementNotice.objects.create(case=case, round=9, items=[], due=case.accepted_on)
    assert not SupplementNotice.objects.filter(case=case).exists()
    with fastpath._writes_nothing("a test"):  # reads pass
        assert Case.objects.filter(pk=case.pk).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement path")
def test_a_broken_handler_on_the_one_statement_path_writes_nothing(cw, frozen, monkeypatch):
    how, before, step = PATHS["close"]
    case = _open(cw, how)
    for prior in before:
        case = _take(cw, case, prior, by_number=True)
    real = actions.HANDLERS["close"]

    def broken(case, **kw):
        SupplementNotice.objects.create(case=case, round=9, items=[], due=kw["today"])
        return real(case, **kw)

    monkeypatch.setitem(actions.HANDLERS, "close", broken)
    events = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(fastpath.UndeclaredWrite):
        _take(cw, case, step, by_number=True)
    assert not SupplementNotice.objects.filter(case=case).exists()
    assert CaseEvent.objects.filter(case=case).count() == events
    assert Case.objects.get(pk=case.pk).state == "delivered"


# -- parity ----------------------------------------------------------------------------------

_rows = written_rows


FAST_PATHS = sorted(p for p, (_h, _b, step) in PATHS.items() if S.case_row_only(step[0], step[2]))


def test_parity_covers_every_one_statement_action():
    assert {PATHS[p][2][0] for p in FAST_PATHS} == S.ONE_STATEMENT_ACTIONS


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", FAST_PATHS)
def test_one_statement_path_writes_what_the_orm_path_writes(cw, frozen, path):
    how, before, step = PATHS[path]
    fast, slow = _open(cw, how), _open(cw, how)
    for prior in before:
        fast = _take(cw, fast, prior, by_number=True)
        with transaction.atomic():  # a caller's transaction: always the ORM path
            slow = _take(cw, slow, prior, by_number=True)
    with CaptureQueriesContext(connection) as q:
        got = _take(cw, fast, step, by_number=True)
    with transaction.atomic():
        _take(cw, slow, step, by_number=True)
    if connection.vendor == "postgresql":
        writes = [x["sql"] for x in q if WRITE.match(x["sql"]) or x["sql"].startswith("WITH")]
        case_writes = [w for w in writes if "cases_" in w]
        assert len(case_writes) == 1 and case_writes[0].startswith("WITH u AS (UPDATE"), writes
    assert got.state == Case.objects.get(pk=fast.pk).state
    assert _rows(fast) == _rows(slow)
    assert _rows(fast)[1][-1]["action"] == step[0]


def test_materials_reach_the_handler_as_an_argument_not_an_attribute(cw, frozen):
    """The one-statement intake hands its unsaved material rows to ``accept`` explicitly."""
    case = _open(cw, "submitted")
    rows = list(case.materials.all())
    for cm in rows:
        cm.status = "missing"  # as given, not as stored
    refused = None
    try:
        services.transitions._decide(
            case,
            action="accept",
            actor=cw.clerk,
            note="",
            now=at(case.submitted_at.date()),
            today=case.submitted_at.date(),
            tracking_token=None,
            data={},
            materials=rows,
        )
    except Exception as exc:  # noqa: BLE001
        refused = exc
    assert getattr(refused, "code", None) == "materials_incomplete"
    assert not hasattr(case, "_unsaved_materials")
