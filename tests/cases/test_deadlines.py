"""Deadlines in working days across real holidays, pauses, suspension, extension, overdue."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.cases.models import Case, CaseEvent
from onetrip.cases.services import case_transition, cases_sweep_overdue
from onetrip.workdays.models import DayException, ScheduleYear
from onetrip.workdays.selectors import NoSchedule
from tests.cases.conftest import at
from tests.cases.helpers import window_case

pytestmark = pytest.mark.usefixtures("frozen")

D = dt.date


def test_spring_festival_2026_with_working_saturdays(cw):
    # Friday 13 Feb 2026; Sat 14 Feb is a working day, 15–23 Feb are the holiday.
    case = window_case(cw, day=D(2026, 2, 13))
    assert case.accepted_on == D(2026, 2, 13)
    # 14 (Sat, works)=1, 24=2, 25=3, 26=4, 27=5
    assert case.promised_due == D(2026, 2, 27)
    # ... 28 Feb (Sat, works)=6, then Mar 2..6=7..11, 9..13=12..16, 16..19=17..20
    assert case.legal_due == D(2026, 3, 19)
    assert case.state_due == case.promised_due


def test_national_day_2025(cw):
    # Fri 26 Sep 2025: Sun 28 Sep works, 1–8 Oct off, Sat 11 Oct works.
    case = window_case(cw, day=D(2025, 9, 26))
    # 28 Sep=1, 29=2, 30=3, 9 Oct=4, 10 Oct=5
    assert case.promised_due == D(2025, 10, 10)


def test_supplement_pauses_clock_and_moves_due_dates_forward(cw):
    case = window_case(cw, day=D(2026, 3, 2))
    assert case.promised_due == D(2026, 3, 9)
    legal = case.legal_due
    lease = case.materials.get(name="租赁合同")
    case = case_transition(
        case=case,
        action="request_supplement",
        actor=cw.civil_reviewer,
        items=[{"material": lease.pk, "status": "defective", "reason": "缺少出租人签字"}],
        now=at(D(2026, 3, 3)),
    )
    assert case.state == "supplement_requested"
    assert case.paused_since == D(2026, 3, 3)
    # the answer window is 5 working days
    assert case.state_due == D(2026, 3, 10)
    # while paused the case is not overdue even after its old due date
    assert cases_sweep_overdue(today=D(2026, 3, 10)) == 0
    from onetrip.cases.services import case_material_update

    case_material_update(
        case=case,
        case_material_id=lease.pk,
        actor=cw.clerk,
        status="received",
        today=D(2026, 3, 10),
    )
    case = case_transition(
        case=case, action="resubmit", actor=cw.person_user, now=at(D(2026, 3, 10))
    )
    # waited 4,5,6,9,10 March = 5 working days: both dates move forward by 5 working days
    assert case.paused_days == 5
    assert case.promised_due == D(2026, 3, 16)
    assert case.legal_due > legal
    assert case.paused_since is None


def test_suspend_and_extend_over_national_day(cw, django_capture_on_commit_callbacks):
    case = window_case(cw, day=D(2025, 9, 22))
    assert case.promised_due == D(2025, 9, 28)  # 23, 24, 25, 26, 28 (Sun, works)
    case = case_transition(
        case=case, action="suspend", actor=cw.manager, note="需专家论证", now=at(D(2025, 9, 26))
    )
    assert case.state == "suspended" and case.state_due is None
    case = case_transition(case=case, action="resume", actor=cw.manager, now=at(D(2025, 10, 9)))
    # paused 28, 29, 30 Sep, 9 Oct = 4 working days (1–8 Oct are holidays)
    assert case.state == "accepted"
    assert case.paused_days == 4
    assert case.promised_due == D(2025, 10, 10)  # 28 Sep + 29, 30 Sep, 9, 10 Oct
    before = (case.promised_due, case.legal_due)
    case = case_transition(
        case=case,
        action="extend",
        actor=cw.manager,
        note="情况复杂",
        days=3,
        now=at(D(2025, 10, 9)),
    )
    # 11 Oct (Sat, works)=1, 13 Oct=2, 14 Oct=3
    assert case.promised_due == D(2025, 10, 14)
    assert case.legal_due > before[1]
    with pytest.raises(Exception) as err:
        case_transition(case=case, action="extend", actor=cw.manager, note="再延", days=1)
    assert getattr(err.value, "code", "") == "already_extended"


def test_deadline_in_year_without_schedule_is_refused_loudly(cw):
    case = window_case(cw, day=D(2026, 12, 28), accept=False)
    assert case.state == "submitted"
    events = CaseEvent.objects.count()
    with pytest.raises(NoSchedule) as err:
        case_transition(case=case, action="accept", actor=cw.clerk, now=at(D(2026, 12, 28)))
    assert "2027" in str(err.value)
    case.refresh_from_db()
    assert case.state == "submitted" and case.promised_due is None
    assert CaseEvent.objects.count() == events


def test_with_a_test_schedule_for_2027_the_deadline_is_computed(cw):
    year = ScheduleYear.objects.create(year=2027, source="TEST schedule (not official)")
    DayException.objects.create(
        schedule=year, date=D(2027, 1, 1), is_workday=False, name="TEST 元旦"
    )
    case = window_case(cw, day=D(2026, 12, 28))
    # 29, 30, 31 Dec, (1 Jan off), 4, 5 Jan
    assert case.promised_due == D(2027, 1, 5)


def test_overdue_sweep_escalates_once_to_department_head(cw, django_capture_on_commit_callbacks):
    from onetrip.cases.models import DepartmentHead
    from onetrip.cases.signals import case_state_changed

    DepartmentHead.objects.create(department=cw.civil, user=cw.civil_reviewer)
    late = window_case(cw, day=D(2026, 3, 2))
    window_case(cw, day=D(2026, 3, 9))  # not yet due on 10 March
    seen = []

    def receiver(sender, case, from_state, to_state, action, actor, **kw):
        seen.append((case.number, action))

    case_state_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert cases_sweep_overdue(today=D(2026, 3, 10)) == 1
        with django_capture_on_commit_callbacks(execute=True):
            assert cases_sweep_overdue(today=D(2026, 3, 11)) == 0
    finally:
        case_state_changed.disconnect(receiver)
    late.refresh_from_db()
    assert late.overdue_at is not None
    assert late.escalated_to == cw.civil_reviewer
    assert (late.number, "escalate") in seen
    assert late.events.filter(action="escalate").count() == 1


def test_sweep_task_and_command(cw):
    from django.core.management import call_command

    from onetrip.cases.tasks import sweep_overdue_cases

    window_case(cw, day=D(2026, 3, 2))
    window_case(cw, day=D(2026, 3, 3))
    result = sweep_overdue_cases.enqueue(today="2026-03-10")
    assert result.return_value == 1
    call_command("cases_sweep_overdue", "--today", "2026-03-11")
    assert Case.objects.filter(overdue_at__isnull=False).count() == 2
    # no escalation target configured: falls back to the district manager
    assert set(Case.objects.values_list("escalated_to", flat=True)) == {cw.manager.pk}
