"""Batches: submission (online and at the agent window), whole-batch rejection with per-row
errors, consolidated notices, readiness, joint delivery, visits."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onetrip.agencies.models import Batch, BatchCase, BatchMessage, BatchNotice
from onetrip.agencies.services import BatchRow, batch_deliver, batch_message_post, batch_submit
from onetrip.cases.models import Case, Visit
from onetrip.cases.services import case_file_upload, case_transition
from onetrip.errors import DomainError, Forbidden
from onetrip.people.models import AgencyStatus

PDF = b"%PDF-1.4 scan"


def _counts():
    return (Batch.objects.count(), BatchCase.objects.count(), Case.objects.count())


def _rows(a, *pairs):
    return [BatchRow(credit_code=c.credit_code, matter_code=m) for c, m in pairs]


def test_online_batch_creates_one_case_per_company(ag):
    a = ag
    batch = batch_submit(
        actor=a.agent, rows=_rows(a, (a.c1, "sc-001"), (a.c2, "sc-001"), (a.c3, "sc-003"))
    )
    cases = [i.case for i in batch.items.select_related("case")]
    assert len(cases) == 3
    assert {c.company_id for c in cases} == {a.c1.pk, a.c2.pk, a.c3.pk}
    assert all(c.agency_id == a.agency.pk and c.agent_id == a.agent.pk for c in cases)
    assert all(c.state == "submitted" and c.channel == "agent" for c in cases)
    assert all(i.authorisation.company_id == i.case.company_id for i in batch.items.all())
    assert batch.visit_count == 0 and batch.state == "held"
    assert Visit.objects.filter(case__in=cases).count() == 0


@pytest.mark.parametrize(
    ("bad", "code_in_message"),
    [
        ("invalid_code", "无效"),
        ("expired", "过期"),
        ("not_for_agents", "不接受中介代办"),
        ("other_agency_client", "没有该企业的授权委托书"),
        ("unknown_matter", "不存在"),
        ("unknown_material", "材料不属于该事项"),
        ("duplicate", "重复"),
    ],
)
def test_one_bad_row_rejects_the_whole_batch(ag, bad, code_in_message):
    a = ag
    rows = _rows(a, (a.c1, "sc-001"), (a.c2, "sc-001"))
    if bad == "invalid_code":
        rows.append(BatchRow(credit_code="91330102MA0000000X", matter_code="sc-001"))
    elif bad == "expired":
        rows += _rows(a, (a.expired, "sc-001"))
    elif bad == "not_for_agents":
        rows += _rows(a, (a.c3, "sc-002"))  # the senior card: individuals only
    elif bad == "other_agency_client":
        rows += _rows(a, (a.theirs, "sc-001"))
    elif bad == "unknown_matter":
        rows += _rows(a, (a.c3, "xh-001"))  # another district's matter
    elif bad == "unknown_material":
        rows.append(BatchRow(credit_code=a.c3.credit_code, matter_code="sc-001", materials=["X"]))
    elif bad == "duplicate":
        rows += _rows(a, (a.c1, "sc-001"))
    before = _counts()
    with pytest.raises(DomainError) as exc:
        batch_submit(actor=a.agent, rows=rows)
    assert exc.value.code == "batch_invalid"
    assert exc.value.status == 422
    assert list(exc.value.fields) == ["row_3"]
    assert code_in_message in " ".join(exc.value.fields["row_3"])
    assert _counts() == before


def test_suspended_agency_cannot_submit(ag):
    a = ag
    a.agency.status, a.agency.status_reason = AgencyStatus.SUSPENDED, "屡次材料造假"
    a.agency.save()
    before = _counts()
    with pytest.raises(Forbidden) as exc:
        batch_submit(actor=a.agent, rows=_rows(a, (a.c1, "sc-001")))
    assert exc.value.code == "agency_suspended" and "屡次材料造假" in str(exc.value.message)
    assert _counts() == before


def test_window_batch_one_visit_and_one_ticket(ag):
    a = ag
    batch = batch_submit(
        actor=a.w.clerk,
        agent=a.agent,
        route="window",
        rows=_rows(a, (a.c1, "sc-001"), (a.c2, "sc-001")),
    )
    cases = [i.case for i in batch.items.select_related("case")]
    assert batch.visit_count == 1
    # Complete cases are accepted on the spot; the agent's one visit is on each case.
    assert all(c.state == "accepted" and c.visit_count == 1 for c in cases)
    assert all(c.agency_id == a.agency.pk for c in cases)


def _accept_all(a, batch):
    for i in batch.items.select_related("case"):
        case_transition(case=i.case, action="accept", actor=a.w.clerk)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a service and its after-commit receivers (batches follow their cases) at once."""

    def run(fn, **kw):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kw)

    return run


def test_notice_consolidated_per_round_ready_and_joint_delivery(ag, committed):
    a = ag
    batch = batch_submit(
        actor=a.agent, rows=_rows(a, (a.c1, "sc-001"), (a.c2, "sc-001"), (a.c3, "sc-001"))
    )
    _accept_all(a, batch)
    c1, c2, c3 = [i.case for i in batch.items.select_related("case").order_by("row")]
    for c in (c1, c2):
        cm = c.materials.order_by("position").first()
        committed(
            case_transition,
            case=c,
            action="request_supplement",
            actor=a.w.reviewer,
            items=[{"material": cm.pk, "status": "defective", "reason": "未盖章"}],
        )
    # Two cases asked in the same round: ONE consolidated notice listing both.
    notices = list(BatchNotice.objects.filter(batch=batch))
    assert len(notices) == 1 and notices[0].round == 1
    assert {e["case"] for e in notices[0].items} == {c1.number, c2.number}
    assert notices[0].items[0]["items"][0]["reason"] == "未盖章"
    # The agent answers online: upload and resubmit, case by case.
    for c in (c1, c2):
        cm = c.materials.order_by("position").first()
        case_file_upload(
            case=c,
            case_material_id=cm.pk,
            actor=a.agent,
            upload=SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf"),
        )
        committed(case_transition, case=c, action="resubmit", actor=a.agent)
    notices[0].refresh_from_db()
    assert notices[0].answered_at is not None
    for c in (c1, c2, c3):
        committed(case_transition, case=c, action="approve", actor=a.w.reviewer)
    batch.refresh_from_db()
    assert batch.state == "ready"
    with pytest.raises(DomainError) as exc:
        committed(batch_deliver, batch=batch, method="post", actor=a.w.clerk)  # no tracking number
    assert exc.value.code == "tracking_number_required"
    batch = committed(batch_deliver, batch=batch, method="pickup", actor=a.w.clerk)
    assert batch.state == "delivered" and batch.visit_count == 1
    for c in (c1, c2, c3):
        c.refresh_from_db()
        assert c.state == "delivered" and c.visit_count <= c.matter.visits_needed


def test_pickup_refused_when_it_breaks_the_promise(ag, committed):
    a = ag
    batch = batch_submit(actor=a.agent, rows=_rows(a, (a.c1, "sc-003")))  # a zero-visit matter
    _accept_all(a, batch)
    committed(case_transition, case=batch.items.get().case, action="approve", actor=a.w.reviewer)
    with pytest.raises(DomainError) as exc:
        batch_deliver(batch=batch, method="pickup", actor=a.w.clerk)
    assert exc.value.code == "promise_exceeded"
    batch = batch_deliver(batch=batch, method="post", actor=a.w.clerk, note="EMS1234567890")
    assert batch.state == "delivered" and batch.visit_count == 0
    assert batch.items.get().case.visit_count == 0


def test_deliver_before_ready_and_by_an_agent_is_refused(ag):
    a = ag
    batch = batch_submit(actor=a.agent, rows=_rows(a, (a.c1, "sc-001")))
    with pytest.raises(DomainError) as exc:
        batch_deliver(batch=batch, method="post", actor=a.w.clerk, note="EMS1")
    assert exc.value.code == "batch_not_ready"
    with pytest.raises(Forbidden):
        batch_deliver(batch=batch, method="post", actor=a.agent, note="EMS1")


def test_thread_is_per_batch(ag):
    a = ag
    batch = batch_submit(actor=a.agent, rows=_rows(a, (a.c1, "sc-001")))
    batch_message_post(batch=batch, actor=a.agent, body="营业执照原件明天补交可以吗？")
    batch_message_post(batch=batch, actor=a.w.clerk, body="可以，网上上传扫描件即可。")
    assert list(BatchMessage.objects.filter(batch=batch).values_list("role", flat=True)) == [
        "agent",
        "staff",
    ]
    with pytest.raises(DomainError) as exc:
        batch_message_post(batch=batch, actor=a.other_agent, body="?")
    assert exc.value.status == 404
