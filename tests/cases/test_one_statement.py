"""The one-statement transition path (PostgreSQL, outside a transaction: every API request)
writes exactly what the ORM path writes, and falls back to the locked path when the row changed
between its read and its write. On SQLite both calls take the ORM path, so the comparison
holds trivially there; on PostgreSQL the statements are checked to be the fast ones."""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from onetrip.audit.models import AuditEvent
from onetrip.cases import services
from onetrip.cases.models import Case, CaseEvent
from onetrip.errors import DomainError
from tests.cases.helpers import window_intake, written_rows

STEPS = [
    ("start_review", "civil_reviewer", {}),
    ("approve", "civil_reviewer", {}),
    ("deliver", "clerk", {"method": "e_certificate"}),
    ("close", "clerk", {}),
]


def _intake(cw):
    return window_intake(cw)


def _rows(case: Case) -> tuple[dict, list[dict], list[dict]]:
    return written_rows(case)[:3]


@pytest.mark.django_db(transaction=True)
def test_one_statement_path_writes_what_the_orm_path_writes(cw, frozen):
    fast, slow = _intake(cw), _intake(cw)
    for action, who, data in STEPS:
        actor = getattr(cw, who)
        with CaptureQueriesContext(connection) as q:
            got = services.case_transition_by_number(
                number=fast.number, action=action, actor=actor, note="ok", **data
            )
        assert got.state == Case.objects.get(pk=fast.pk).state
        writes = [
            x["sql"]
            for x in q
            if not x["sql"].lstrip().upper().startswith("SELECT") and "cases_" in x["sql"]
        ]
        if connection.vendor == "postgresql":
            # one write statement for the case: the guarded UPDATE with its event and audit
            # INSERTs (the notice, sent after it, is the notices module's own write)
            assert len(writes) == 1 and writes[0].startswith("WITH u AS (UPDATE"), writes
            assert "xmin" in writes[0]
        with transaction.atomic():  # a caller's transaction: always the ORM path
            services.case_transition_by_number(
                number=slow.number, action=action, actor=actor, note="ok", **data
            )
    assert _rows(fast) == _rows(slow)
    row, events, audits = _rows(fast)
    assert row["state"] == "closed" and row["visit_count"] == 1
    assert [e["action"] for e in events] == [
        "create",
        "submit",
        "accept",
        "start_review",
        "approve",
        "deliver",
        "close",
    ]
    assert len(audits) == len(events)


@pytest.mark.django_db(transaction=True)
def test_row_changed_after_the_read_falls_back_to_the_locked_path(cw, frozen, monkeypatch):
    case = _intake(cw)
    real = services.fastpath.case_for_transition

    def stale_read(**kw):
        found = real(**kw)
        # another request changes the row between this read and the write
        Case.objects.filter(pk=case.pk).update(visit_count=F("visit_count") + 1)
        return found

    monkeypatch.setattr(services.fastpath, "case_for_transition", stale_read)
    got = services.case_transition_by_number(
        number=case.number, action="start_review", actor=cw.civil_reviewer
    )
    fresh = Case.objects.get(pk=case.pk)
    assert got.state == fresh.state == "in_review"
    # the other change is kept, and the action wrote one event and one audit record
    expected_visits = 2 if connection.vendor == "postgresql" else 1
    assert fresh.visit_count == expected_visits
    assert CaseEvent.objects.filter(case=case, action="start_review").count() == 1
    assert AuditEvent.objects.filter(subject_id=case.number, action="start_review").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_move_made_illegal_meanwhile_is_refused_and_writes_nothing(cw, frozen, monkeypatch):
    case = _intake(cw)
    real = services.fastpath.case_for_transition

    def withdrawn_meanwhile(**kw):
        found = real(**kw)
        Case.objects.filter(pk=case.pk).update(state="withdrawn")
        return found

    monkeypatch.setattr(services.fastpath, "case_for_transition", withdrawn_meanwhile)
    events = CaseEvent.objects.count()
    audits = AuditEvent.objects.filter(subject_type="case").count()
    if connection.vendor == "postgresql":
        with pytest.raises(DomainError) as refused:
            services.case_transition_by_number(
                number=case.number, action="approve", actor=cw.civil_reviewer
            )
        assert refused.value.code == "illegal_transition"
        assert Case.objects.get(pk=case.pk).state == "withdrawn"
    else:  # the ORM path reads once, under its lock, before the (never called) fast read
        services.case_transition_by_number(
            number=case.number, action="approve", actor=cw.civil_reviewer
        )
        assert Case.objects.get(pk=case.pk).state == "approved"
    assert CaseEvent.objects.count() == events + (connection.vendor != "postgresql")
    assert AuditEvent.objects.filter(subject_type="case").count() == audits + (
        connection.vendor != "postgresql"
    )


@pytest.mark.django_db(transaction=True)
def test_one_statement_path_refuses_like_the_orm_path(cw, frozen):
    case = _intake(cw)
    before = (CaseEvent.objects.count(), AuditEvent.objects.count())
    for action, actor, code in [
        ("close", cw.clerk, "illegal_transition"),
        ("approve", cw.clerk, "wrong_role"),
        ("start_review", cw.other_manager, "case_not_found"),
        ("fly", cw.civil_reviewer, "unknown_action"),
    ]:
        with pytest.raises(DomainError) as refused:
            services.case_transition_by_number(number=case.number, action=action, actor=actor)
        assert refused.value.code == code, action
    with pytest.raises(DomainError) as missing:
        services.case_transition_by_number(
            number="SC-20260302-99999", action="approve", actor=cw.civil_reviewer
        )
    assert missing.value.code == "case_not_found"
    assert (CaseEvent.objects.count(), AuditEvent.objects.count()) == before
    assert Case.objects.get(pk=case.pk).state == "accepted"


def _intake_rows(case: Case) -> tuple:
    from onetrip.cases.models import CaseMaterial, Visit

    row, events, audits = _rows(case)
    materials = list(
        CaseMaterial.objects.filter(case=case)
        .order_by("id")
        .values(
            "material_id",
            "position",
            "name",
            "required",
            "status",
            "form",
            "count",
            "reason",
            "later_due",
            "commitment_signed",
            "source",
            "updated_at",
        )
    )
    visits = list(
        Visit.objects.filter(case=case)
        .order_by("id")
        .values("kind", "at", "point_id", "ticket_id", "recorded_by_id")
    )
    return row, events, audits, materials, visits


@pytest.mark.parametrize("lease", ["received", "later"])
@pytest.mark.django_db(transaction=True)
def test_one_statement_intake_writes_what_the_orm_intake_writes(cw, frozen, lease):
    materials = [
        {"material": cw.form.pk, "status": "received"},
        {"material": cw.lease.pk, "status": lease, "commitment_signed": True},
    ]

    def intake():
        return services.case_open(
            actor=cw.clerk,
            matter_code="sc-003",
            applicant_kind="person",
            applicant_number=cw.person.id_number,
            materials=materials,
            accept=True,
        )

    with CaptureQueriesContext(connection) as q:
        fast = intake()
    with transaction.atomic():  # a caller's transaction: the ORM path
        slow = intake()
    writes = [
        x["sql"]
        for x in q
        if not x["sql"].lstrip().upper().startswith("SELECT") and "cases_" in x["sql"]
    ]
    if connection.vendor == "postgresql":
        assert len(writes) == 1 and writes[0].startswith("WITH n AS (INSERT"), writes
    assert (fast.number, slow.number) == ("SC-20260302-00001", "SC-20260302-00002")
    assert fast.state == "accepted" and fast.visit_count == 1
    got, want = _intake_rows(fast), _intake_rows(slow)
    assert got == want
    row, events, audits, mats, visits = got
    assert [e["action"] for e in events] == ["create", "submit", "accept"]
    assert len(audits) == 3 and len(visits) == 1
    assert [m["status"] for m in mats] == ["received", lease, "government_held"]


@pytest.mark.django_db(transaction=True)
def test_a_material_from_shared_data_takes_the_orm_intake(cw, frozen):
    """A resolver may write (the shared-data read log names the case), so such an intake is
    written by the ORM path, after the case row exists."""
    cw.idcard.shared_kind = "id_card"
    cw.idcard.required = False  # no shared document in this test: it stays missing
    cw.idcard.save()
    with CaptureQueriesContext(connection) as q:
        case = _intake(cw)
    assert case.state == "accepted"
    assert not any(x["sql"].startswith("WITH n AS") for x in q)
    assert CaseEvent.objects.filter(case=case).count() == 3


@pytest.mark.django_db(transaction=True)
def test_api_replies_carried_back_by_the_writes_match_a_fresh_read(client, cw, frozen):
    """On PostgreSQL the intake and transition replies take their materials from the write
    statement itself; they must equal what GET /cases/{number} reads afterwards."""
    from onetrip.people.services import api_token_create

    clerk = {"Authorization": f"Bearer {api_token_create(user=cw.clerk, name='t')[1]}"}
    reviewer = {"Authorization": f"Bearer {api_token_create(user=cw.civil_reviewer, name='t')[1]}"}
    body = {
        "matter": "sc-003",
        "applicant": {"kind": "person", "number": cw.person.id_number},
        "materials": [
            {"material": cw.form.pk, "status": "received"},
            {"material": cw.lease.pk, "status": "later", "commitment_signed": True},
        ],
        "accept": True,
    }
    r = client.post("/api/v1/cases", body, content_type="application/json", headers=clerk)
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    fresh = client.get(f"/api/v1/cases/{number}", headers=clerk).json()
    assert r.json() == fresh
    assert [m["status"] for m in fresh["materials"]] == ["received", "later", "government_held"]
    assert fresh["materials"][1]["later_due"] is not None
    url = f"/api/v1/cases/{number}/transitions"
    for action, headers in [("start_review", reviewer), ("approve", reviewer)]:
        r = client.post(url, {"action": action}, content_type="application/json", headers=headers)
        assert r.status_code == 200, r.content
        again = client.get(f"/api/v1/cases/{number}", headers=headers).json()
        assert r.json() == again


@pytest.mark.parametrize("day", [dt.date(2026, 9, 28), dt.date(2026, 12, 28)])
@pytest.mark.django_db(transaction=True)
def test_deadlines_from_the_year_read_along_match_the_orm_path(cw, monkeypatch, day):
    """The hot reads bring the current year's working-day exceptions with them. Across National
    Day the fast and the ORM path give the same dates; a deadline reaching 2027 (no schedule)
    is refused on both, and writes nothing."""
    from django.utils import timezone

    from tests.cases.conftest import at

    monkeypatch.setattr(timezone, "now", lambda: at(day))
    if day.month == 12:
        events = CaseEvent.objects.count()
        for atomic in (False, True):
            with pytest.raises(DomainError) as refused:
                with transaction.atomic() if atomic else nullcontext():
                    _intake(cw)
            assert refused.value.code == "no_workday_schedule"
        assert CaseEvent.objects.count() == events and not Case.objects.exists()
        return
    fast = _intake(cw)
    with transaction.atomic():
        slow = _intake(cw)
    for action, who, data in STEPS[:2]:
        services.case_transition_by_number(
            number=fast.number, action=action, actor=getattr(cw, who), **data
        )
        with transaction.atomic():
            services.case_transition_by_number(
                number=slow.number, action=action, actor=getattr(cw, who), **data
            )
    assert _intake_rows(fast) == _intake_rows(slow)
    approved = Case.objects.get(pk=fast.pk)
    # accepted Mon 28 Sep: 29, 30 Sep, then 1-7 October off, 8, 9 and the working Saturday 10
    assert approved.promised_due == dt.date(2026, 10, 10)
    assert approved.state_due == dt.date(2026, 10, 8)  # approve: 3 working days from 28 Sep
