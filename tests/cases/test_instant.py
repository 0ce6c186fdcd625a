"""Instant matters (即办件) decided on the spot by a clerk with delegated authority, in one
visit; the district reviewer's sample check afterwards."""

from __future__ import annotations

import pytest

from onetrip.cases.models import CaseEvent, Delegation, SampleCheck
from onetrip.cases.services import (
    case_create,
    case_transition,
    delegation_grant,
    delegation_revoke,
    instant_sample,
    sample_check_record,
)
from onetrip.errors import DomainError, Forbidden
from onetrip.people.models import Applicant, User
from tests.factories import make_user, ric_number

pytestmark = pytest.mark.usefixtures("frozen")  # no deadline reaches an unscheduled year


@pytest.fixture
def spot(world):
    w = world
    w.worker = make_user("sw1", "social_worker", point=w.community, display_name="社工甲")
    w.civil_reviewer = make_user("mzrev", "reviewer", point=w.district, department=w.civil)
    w.senior = Applicant.objects.create(name="张大爷", id_number=ric_number(birth="19500101"))
    return w


def _at_community(w, actor=None):
    return case_create(
        matter=w.senior_card,
        actor=actor or w.worker,
        channel="community",
        point=w.community,
        applicant=w.senior,
        accept=True,
    )


def test_issued_on_the_spot_in_one_visit_by_a_delegated_worker(spot):
    w = spot
    case = _at_community(w)
    # Without delegated authority the worker cannot decide.
    with pytest.raises(DomainError):
        case_transition(case=case, action="approve", actor=w.worker)
    delegation_grant(user=w.worker, matter=w.senior_card, actor=w.manager, note="民政局授权")
    w.worker = User.objects.get(pk=w.worker.pk)  # roles are memoised per request (user object)
    case = case_transition(case=case, action="approve", actor=w.worker)
    assert case.state == "approved"
    event = CaseEvent.objects.filter(case=case, action="approve").get()
    assert event.role == "delegate" and event.actor == w.worker
    # Handed over at once, at the same point, in the same visit: still one visit.
    case = case_transition(case=case, action="deliver", actor=w.worker, method="window")
    case.refresh_from_db()
    assert case.state == "delivered" and case.visit_count == 1


def test_a_pickup_on_another_day_is_another_visit(spot):
    import datetime as dt

    from django.utils import timezone

    w = spot
    delegation_grant(user=w.worker, matter=w.senior_card, actor=w.manager)
    case = _at_community(w)
    case_transition(case=case, action="approve", actor=w.worker)
    later = timezone.now() + dt.timedelta(days=2)
    case_transition(case=case, action="deliver", actor=w.worker, method="window", now=later)
    case.refresh_from_db()
    assert case.visit_count == 2


def test_delegation_only_for_instant_matters_by_a_manager_and_revocable(spot):
    w = spot
    with pytest.raises(Forbidden):
        delegation_grant(user=w.worker, matter=w.senior_card, actor=w.worker)
    with pytest.raises(DomainError) as exc:
        delegation_grant(user=w.worker, matter=w.matter, actor=w.manager)  # committed matter
    assert exc.value.code == "not_instant"
    assert Delegation.objects.count() == 0
    d = delegation_grant(user=w.worker, matter=w.senior_card, actor=w.manager)
    delegation_revoke(delegation=d, actor=w.manager)
    case = _at_community(w)
    with pytest.raises(DomainError):
        case_transition(case=case, action="approve", actor=w.worker)


def test_reviewer_samples_delegated_decisions(spot):
    w = spot
    delegation_grant(user=w.worker, matter=w.senior_card, actor=w.manager)
    numbers = []
    for _i in range(4):
        w.senior = Applicant.objects.create(name="李奶奶", id_number=ric_number(birth="19480202"))
        case = _at_community(w)
        case_transition(case=case, action="approve", actor=w.worker)
        numbers.append(case.number)
    sample = instant_sample(district=w.district, reviewer=w.civil_reviewer, rate=0.5, seed=1)
    assert len(sample) == 2 and {c.number for c in sample} <= set(numbers)
    assert instant_sample(district=w.district, reviewer=w.civil_reviewer, rate=1.0, seed=1)
    check = sample_check_record(
        case=sample[0], actor=w.civil_reviewer, verdict="ok", note="材料核验无误"
    )
    assert check.reviewer == w.civil_reviewer
    # Checked cases leave the sample; another department's reviewer cannot check.
    rest = instant_sample(district=w.district, reviewer=w.civil_reviewer, rate=1.0, seed=1)
    assert sample[0].number not in {c.number for c in rest}
    with pytest.raises(DomainError):
        sample_check_record(case=sample[1], actor=w.reviewer, verdict="ok")
    with pytest.raises(DomainError):
        sample_check_record(case=sample[1], actor=w.civil_reviewer, verdict="maybe")
    assert SampleCheck.objects.count() == 1


def test_sample_check_page(client, spot):
    w = spot
    delegation_grant(user=w.worker, matter=w.senior_card, actor=w.manager)
    case = _at_community(w)
    case_transition(case=case, action="approve", actor=User.objects.get(pk=w.worker.pk))
    client.force_login(w.civil_reviewer)
    page = client.get("/backoffice/instant-checks/?rate=1").content.decode()
    assert case.number in page
    client.post("/backoffice/instant-checks/", {"number": case.number, "verdict": "problem"})
    assert not SampleCheck.objects.exists()  # a problem needs a note
    client.post(
        "/backoffice/instant-checks/",
        {"number": case.number, "verdict": "problem", "note": "照片不清晰"},
    )
    assert SampleCheck.objects.get().verdict == "problem"
    assert case.number not in client.get("/backoffice/instant-checks/?rate=1").content.decode()
    client.force_login(w.worker)
    assert client.get("/backoffice/instant-checks/").status_code == 403
