import datetime as dt

from onetrip.cases.services import case_create, case_transition
from tests.cases.conftest import at

D = dt.date(2026, 3, 2)


def test_window_lifecycle(cw):
    case = case_create(
        matter=cw.permit,
        actor=cw.clerk,
        channel="window",
        applicant=cw.person,
        materials={cw.form.pk: {"status": "received"}, cw.lease.pk: {"status": "received"}},
        accept=True,
        now=at(D),
    )
    assert case.number == "SC-20260302-00001"
    assert case.state == "accepted"
    assert case.promised_due == dt.date(2026, 3, 9)
    assert case.visit_count == 1
    case = case_transition(case=case, action="start_review", actor=cw.civil_reviewer, now=at(D))
    case = case_transition(case=case, action="approve", actor=cw.civil_reviewer, now=at(D))
    case = case_transition(case=case, action="deliver", actor=cw.clerk, method="post", now=at(D))
    assert case.state == "delivered"
    assert [e.action for e in case.events.all()] == [
        "create",
        "submit",
        "accept",
        "start_review",
        "approve",
        "deliver",
    ]
