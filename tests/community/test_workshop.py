"""The deliberation workshop: raise, support (one person, one support), rise to the agenda,
meetings with minutes, decisions followed up until done; refused input changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from onetrip.audit.models import AuditEvent
from onetrip.community import selectors as sel
from onetrip.community import services
from onetrip.community.models import (
    Decision,
    DecisionUpdate,
    Meeting,
    Topic,
    TopicSupport,
    WorkshopMember,
)
from onetrip.errors import DomainError
from onetrip.notices.models import Notice
from tests.community.conftest import at
from tests.factories import make_user

pytestmark = pytest.mark.django_db

BODY = "小区东门的路灯坏了一个多月，晚上老人出门很不方便，建议尽快修好。"


def snapshot():
    return (
        list(Topic.objects.order_by("pk").values_list("pk", "state", "support_count", "meeting")),
        TopicSupport.objects.count(),
        list(Meeting.objects.order_by("pk").values_list("pk", "state", "minutes")),
        list(Decision.objects.order_by("pk").values_list("pk", "state")),
        DecisionUpdate.objects.count(),
        AuditEvent.objects.count(),
        Notice.objects.count(),
    )


def refused(code: str, fn, **kw) -> DomainError:
    before = snapshot()
    with pytest.raises(DomainError) as info:
        fn(**kw)
    assert info.value.code == code, (info.value.code, str(info.value))
    assert 400 <= info.value.status < 500
    assert snapshot() == before
    return info.value


def raise_topic(cw, user=None, title="东门路灯维修"):
    return services.topic_raise(complex=cw.complex, actor=user or cw.r1, title=title, body=BODY)


def test_raise_as_resident_and_as_member(cw):
    t = raise_topic(cw)
    assert (t.state, t.raiser_kind, t.support_count) == ("open", "resident", 0)
    ev = AuditEvent.objects.get(subject_type="community.topic", subject_id=str(t.pk))
    assert (ev.action, ev.to_state) == ("raise", "open")
    partner = make_user("partner1", display_name="某银行网点")
    WorkshopMember.objects.create(
        complex=cw.complex, user=partner, kind="partner", organisation="工商银行湖滨支行"
    )
    t2 = raise_topic(cw, partner, "共建单位开放停车位")
    assert (t2.raiser_kind, t2.raiser_organisation) == ("partner", "工商银行湖滨支行")
    observer = make_user("observer1")
    WorkshopMember.objects.create(complex=cw.complex, user=observer, kind="observer")
    assert raise_topic(cw, observer, "菜场周边占道经营").raiser_kind == "observer"


def test_raise_bad_input(cw):
    from django.contrib.auth.models import AnonymousUser

    def bad(code, **kw):
        args = dict(complex=cw.complex, actor=cw.r1, title="东门路灯维修", body=BODY)
        args.update(kw)
        refused(code, services.topic_raise, **args)

    bad("not_authenticated", actor=AnonymousUser())
    bad("field_required", title="灯")
    bad("field_required", title="   ")
    bad("field_required", body="太短")
    bad("field_too_long", title="长" * 101)
    bad("field_too_long", body="长" * 2001)
    raise_topic(cw)
    bad("duplicate_topic")
    for i in range(4):
        raise_topic(cw, title=f"议题编号{i}号")
    bad("too_many_topics", title="第六个议题")


def test_one_person_one_support_and_rise_to_agenda(cw):
    cw.complex.support_threshold = 3
    cw.complex.save()
    t = raise_topic(cw)
    services.topic_support(topic=t, actor=cw.r1)
    refused("already_supported", services.topic_support, topic=t, actor=cw.r1)
    # the database itself refuses a second row
    with pytest.raises(IntegrityError), transaction.atomic():
        TopicSupport.objects.create(topic=t, user=cw.r1)
    services.topic_support(topic=t, actor=cw.r2)
    t.refresh_from_db()
    assert (t.support_count, t.state) == (2, "open")
    t = services.topic_support(topic=t, actor=cw.r3)
    assert (t.support_count, t.state) == (3, "agenda")
    rise = AuditEvent.objects.get(subject_id=str(t.pk), action="to_agenda")
    assert (rise.actor_id, rise.role, rise.from_state) == (None, "system", "open")
    sms = Notice.objects.get(template="community_topic_agenda")  # the raiser is told
    assert sms.recipient == cw.r1.phone and "东门路灯维修" in sms.text
    # agenda topics are ordered by support on the public lists
    other = raise_topic(cw, cw.r2, "增设电动车充电桩")
    assert [x.pk for x in sel.topics_public(complex=cw.complex)] == [t.pk, other.pk]


def test_support_refused_on_closed_topics(cw):
    t = raise_topic(cw)
    services.topic_transition(topic=t, action="decline", actor=cw.social, note="属物业职责，已转交")
    refused("wrong_state", services.topic_support, topic=t, actor=cw.r2)


def test_full_journey_meeting_minutes_decision_followup(cw):
    t = raise_topic(cw)
    meeting = services.meeting_schedule(
        complex=cw.complex, actor=cw.social, title="十二月居民议事会", starts_at=at(3, 19)
    )
    services.topic_transition(topic=t, action="schedule", actor=cw.social, meeting=meeting)
    t.refresh_from_db()
    assert (t.state, t.meeting_id) == ("scheduled", meeting.pk)
    refused(
        "meeting_not_held",
        services.topic_transition,
        topic=t,
        action="decide",
        actor=cw.social,
        text="由物业更换东门路灯",
        owner_name="物业公司",
        due_date=timezone.localdate() + dt.timedelta(days=10),
    )
    refused(
        "field_required",
        services.meeting_transition,
        meeting=meeting,
        action="hold",
        actor=cw.social,
        minutes="短",
    )
    services.meeting_transition(
        meeting=meeting,
        action="hold",
        actor=cw.social,
        minutes="到会居民 23 人，讨论东门路灯等 3 个议题。",
    )
    due = timezone.localdate() + dt.timedelta(days=10)
    for code, kw in [
        ("field_required", {"text": "", "owner_name": "物业公司", "due_date": due}),
        ("field_required", {"text": "更换路灯", "owner_name": "", "due_date": due}),
        ("bad_date", {"text": "更换路灯", "owner_name": "物业公司", "due_date": "next week"}),
        ("due_in_past", {"text": "更换路灯", "owner_name": "物业公司", "due_date": "2001-01-01"}),
    ]:
        refused(code, services.topic_transition, topic=t, action="decide", actor=cw.social, **kw)
    services.topic_transition(
        topic=t,
        action="decide",
        actor=cw.social,
        text="由物业更换东门路灯并加装一盏",
        owner_name="物业公司（张经理）",
        due_date=due.isoformat(),
        owner=cw.r3,
    )
    t.refresh_from_db()
    assert t.state == "decided"
    sms = Notice.objects.get(template="community_topic_decided")
    assert sms.recipient == cw.r1.phone and "物业公司（张经理）" in sms.text
    d = Decision.objects.get(topic=t)
    assert d in sel.decisions_followed(complex=cw.complex)
    # the owner may report progress; another resident may not
    refused("not_allowed", services.decision_transition, decision=d, action="start", actor=cw.r2)
    refused(
        "not_allowed", services.decision_transition, decision=d, action="start", actor=cw.social2
    )
    services.decision_transition(decision=d, action="start", actor=cw.r3, note="已采购灯具")
    refused(
        "field_required",
        services.decision_transition,
        decision=d,
        action="progress",
        actor=cw.social,
        note="",
    )
    services.decision_transition(decision=d, action="progress", actor=cw.social, note="周三安装")
    d.refresh_from_db()
    assert d.state == "in_progress"
    assert [u.note for u in d.updates.all()] == ["已采购灯具", "周三安装"]
    services.decision_transition(decision=d, action="finish", actor=cw.social, note="已安装完毕")
    t.refresh_from_db()
    d.refresh_from_db()
    assert (d.state, t.state) == ("done", "done") and d.done_at
    assert d not in sel.decisions_followed(complex=cw.complex)
    assert d in sel.decisions_done(complex=cw.complex)
    refused(
        "wrong_state",
        services.decision_transition,
        decision=d,
        action="finish",
        actor=cw.social,
        note="再次",
    )
    actions = list(
        AuditEvent.objects.filter(subject_type="community.topic", subject_id=str(t.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["raise", "schedule", "decide", "complete"]


def test_staff_actions_are_per_complex(cw):
    t = raise_topic(cw)
    for outsider in (cw.r2, cw.social2, cw.xh_manager):
        refused(
            "not_allowed", services.topic_transition, topic=t, action="to_agenda", actor=outsider
        )
        refused(
            "not_allowed",
            services.meeting_schedule,
            complex=cw.complex,
            actor=outsider,
            title="议事会",
            starts_at=at(2, 19),
        )
    services.topic_transition(topic=t, action="to_agenda", actor=cw.manager)
    # the raiser may withdraw; nobody else
    t2 = raise_topic(cw, title="楼道堆物清理")
    refused("not_allowed", services.topic_transition, topic=t2, action="withdraw", actor=cw.r2)
    services.topic_transition(topic=t2, action="withdraw", actor=cw.r1)
    with pytest.raises(DomainError):
        sel.topic_get(topic_id=t2.pk)


def test_cancelled_meeting_returns_topics_to_agenda(cw):
    t = raise_topic(cw)
    m = services.meeting_schedule(
        complex=cw.complex, actor=cw.social, title="临时议事会", starts_at=at(2, 19)
    )
    services.topic_transition(topic=t, action="schedule", actor=cw.social, meeting=m)
    refused(
        "field_required",
        services.meeting_transition,
        meeting=m,
        action="cancel",
        actor=cw.social,
        note="",
    )
    services.meeting_transition(meeting=m, action="cancel", actor=cw.social, note="台风停会")
    t.refresh_from_db()
    assert (t.state, t.meeting_id) == ("agenda", None)
    refused(
        "meeting_not_open",
        services.topic_transition,
        topic=t,
        action="schedule",
        actor=cw.social,
        meeting=m,
    )
    refused(
        "meeting_past",
        services.meeting_schedule,
        complex=cw.complex,
        actor=cw.social,
        title="过去的会",
        starts_at=at(-1, 19),
    )
    refused("unknown_action", services.topic_transition, topic=t, action="explode", actor=cw.social)
