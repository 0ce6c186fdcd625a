"""Notification wiring: case state changes the state table marks as telling reach the
applicant's phone with the tracking link; a ticket holder is told "3 ahead" once."""

from __future__ import annotations

import datetime as dt

from onetrip.cases import states as S
from onetrip.cases.services import case_transition
from onetrip.notices import texts
from onetrip.notices.models import Notice
from onetrip.people.models import Applicant
from tests.tracking.conftest import FROZEN_NOW, online_case


def test_every_telling_state_has_a_template():
    for state, info in S.STATES.items():
        if info.notify_template:
            assert info.notify_template in texts.TEMPLATES, state


def test_case_states_notify_the_company_phone(tw, frozen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = online_case(tw)
    with django_capture_on_commit_callbacks(execute=True):
        case = case_transition(case=case, action="accept", actor=tw.clerk)
        case = case_transition(case=case, action="start_review", actor=tw.culture_reviewer)
        cm = case.materials.get(material=tw.perf_safety)
        case = case_transition(
            case=case,
            action="request_supplement",
            actor=tw.culture_reviewer,
            items=[{"material": cm.pk, "status": "defective", "reason": "缺少路线图"}],
        )
    sent = list(Notice.objects.order_by("id"))
    # submitted, accepted, supplement needed — start_review tells nobody
    assert [n.template for n in sent] == ["case_submitted", "case_accepted", "supplement_needed"]
    assert all(n.recipient == "13900000002" and n.subject_id == case.number for n in sent)
    assert all(n.status == "sent" and n.district_id == tw.district.pk for n in sent)
    accepted, supplement = sent[1], sent[2]
    assert case.promised_due.isoformat() in accepted.text
    assert "安全保卫工作方案" in supplement.text and case.tracking_token in supplement.text


def test_no_phone_no_notice_and_bad_phone_does_not_break(
    tw, frozen, django_capture_on_commit_callbacks
):
    from onetrip.intake.apply_services import online_apply
    from tests.tracking.conftest import pdf_file, person_form

    Applicant.objects.filter(pk=tw.person.pk).update(phone="12")  # not a mobile number
    with django_capture_on_commit_callbacks(execute=True):
        case = online_apply(
            actor=tw.person_user,
            matter=tw.filing,
            holder_key="me",
            form_data=person_form(tw),
            delivery="e_certificate",
            uploads={tw.filing_form.pk: pdf_file()},
        )
    assert case.state == "submitted"
    assert not Notice.objects.exists()
    Applicant.objects.filter(pk=tw.person.pk).update(phone="")
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(case=case, action="withdraw", actor=tw.person_user)
    assert not Notice.objects.exists()


def _hall(w):
    from onetrip.queueing.services import queue_create, window_create, window_open

    for p in (w.district,):
        p.opens_at, p.closes_at = dt.time(0, 0), dt.time(23, 59, 59)
        p.open_weekdays, p.open_on_holidays = "1234567", True
        p.save()
    queue = queue_create(point=w.district, code="A", name="企业自办")
    window = window_create(point=w.district, number="1", kind="self", queues=[queue])
    window_open(window=window, user=w.clerk, now=FROZEN_NOW)
    return queue, window


def test_ticket_three_ahead_told_once(tw, frozen, django_capture_on_commit_callbacks):
    from onetrip.queueing import services as q

    queue, window = _hall(tw)
    now = FROZEN_NOW
    tickets = []
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(6):
            phone = f"1370000000{i}" if i != 4 else ""
            tickets.append(
                q.ticket_issue(queue=queue, phone=phone, now=now + dt.timedelta(minutes=i))
            )
    assert not Notice.objects.exists()  # issuing tells nobody
    step = dt.timedelta(minutes=10)
    with django_capture_on_commit_callbacks(execute=True):
        q.ticket_call_next(window=window, user=tw.clerk, now=now + step)
    # after calling #0, the waiting are #1..#5: #4 has 3 ahead but no phone
    assert not Notice.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        q.ticket_no_show(window=window, user=tw.clerk, now=now + 2 * step)
        q.ticket_call_next(window=window, user=tw.clerk, now=now + 3 * step)
    # after calling #1: #5 has 3 ahead (#2, #3, #4)
    notice = Notice.objects.get()
    assert notice.template == "ticket_almost_due" and notice.recipient == "13700000005"
    assert f"{tickets[5].number} 号前面还有 3 位" in notice.text
    # a recall (another call event) does not tell #5 again
    with django_capture_on_commit_callbacks(execute=True):
        q.ticket_recall(window=window, user=tw.clerk, now=now + 4 * step)
    assert Notice.objects.count() == 1
