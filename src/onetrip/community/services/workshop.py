"""The deliberation workshop (一坊议事): raise and support topics, schedule and hold
meetings, record decisions and follow them up in public until done."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.community import selectors as sel
from onetrip.community import states as S
from onetrip.community.models import (
    Complex,
    Decision,
    DecisionUpdate,
    Meeting,
    RaiserKind,
    Topic,
    TopicSupport,
)
from onetrip.community.services.common import (
    audit,
    audit_move,
    check_move,
    clean_text,
    locked_move,
    move_row,
    now_or,
    require_signed_in,
    role_of,
    tell,
)
from onetrip.errors import Conflict, ValidationFailed

if TYPE_CHECKING:
    from onetrip.people.models import User

T = S.TopicState
#: Topics one person may have open (not yet on the agenda) in one complex at a time.
OPEN_TOPICS_PER_PERSON = 5


def _tell_raiser(topic: Topic, template: str, **extra: Any) -> bool:
    """SMS the topic's raiser about its progress (after commit, through the notices app)."""
    point = topic.complex.point
    context = {
        "title": topic.title,
        "place": point.name,
        "url": reverse("community:topic", args=[point.code, topic.pk]),
        **extra,
    }
    return tell(user=topic.raised_by, template=template, context=context, subject=topic)


@transaction.atomic
def topic_raise(*, complex: Complex, actor: User, title: Any, body: Any) -> Topic:
    """Raise a topic. Members of the workshop (partner units, party group leaders, observers)
    raise it in that capacity; anyone else signed in as a resident."""
    require_signed_in(actor)
    roles = sel.complex_roles(user=actor, complex=complex)
    move = check_move(S.TOPIC_TRANSITIONS, "raise", state=S.NEW, roles=roles)
    title = clean_text(title, field="title", label=_("议题"), min_len=4, max_len=100)
    body = clean_text(body, field="body", label=_("具体内容"), min_len=10, max_len=2000)
    open_count = Topic.objects.filter(complex=complex, raised_by=actor, state=T.OPEN).count()
    if open_count >= OPEN_TOPICS_PER_PERSON:
        raise Conflict(
            _("您已有 %(n)d 个议题在征集支持，请等它们列入议程后再提。") % {"n": open_count},
            code="too_many_topics",
        )
    if (
        Topic.objects.filter(complex=complex, title=title)
        .exclude(state__in=(T.DONE, T.DECLINED, T.WITHDRAWN))
        .exists()
    ):
        raise Conflict(
            _("已有同名议题，请直接为它点支持。"),
            code="duplicate_topic",
            fields={"title": _("已有同名议题。")},
        )
    member = sel.member_of(user=actor, complex=complex)
    topic = Topic.objects.create(
        complex=complex,
        title=title,
        body=body,
        raised_by=actor,
        raiser_kind=member.kind if member else RaiserKind.RESIDENT,
        raiser_organisation=member.organisation if member else "",
    )
    audit_move(topic, actor=actor, move=move, roles=roles, was=S.NEW)
    return topic


@transaction.atomic
def topic_support(*, topic: Topic, actor: User) -> Topic:
    """One resident, one support (a unique constraint). A topic with enough supports rises to
    the agenda by itself."""
    require_signed_in(actor)
    topic = (
        Topic.objects.select_related("complex", "complex__point", "raised_by")
        .filter(pk=topic.pk)
        .first()
    ) or topic
    if topic.state not in (T.OPEN, T.AGENDA, T.SCHEDULED):
        raise Conflict(
            _("议题“%(t)s”%(s)s，不再征集支持。")
            % {"t": topic.title, "s": topic.get_state_display()},
            code="wrong_state",
        )
    already = Conflict(_("您已经支持过这个议题，每人只能支持一次。"), code="already_supported")
    if TopicSupport.objects.filter(topic=topic, user=actor).exists():
        raise already
    try:
        with transaction.atomic():
            TopicSupport.objects.create(topic=topic, user=actor)
    except IntegrityError:  # the same person twice at the same moment
        raise already from None
    Topic.objects.filter(pk=topic.pk).update(support_count=F("support_count") + 1)
    topic.refresh_from_db(fields=["support_count", "state"])
    if topic.state == T.OPEN and topic.support_count >= topic.complex.support_threshold:
        _rise(topic)
    return topic


def _rise(topic: Topic) -> None:
    roles = {S.SYSTEM}
    move = check_move(S.TOPIC_TRANSITIONS, "to_agenda", state=topic.state, roles=roles)
    updated = Topic.objects.filter(pk=topic.pk, state=T.OPEN).update(state=move.target)
    if updated:
        audit_move(
            topic,
            actor=None,
            move=move,
            roles=roles,
            was=T.OPEN,
            note=_("获得 %(n)d 位居民支持，自动列入议程") % {"n": topic.support_count},
        )
        topic.state = move.target
        _tell_raiser(topic, "community_topic_agenda")


def _clean_date(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, dt.date):
        raise ValidationFailed(_("日期格式不正确。"), code="bad_date", fields={field: "YYYY-MM-DD"})
    return value


@transaction.atomic
def topic_transition(
    *,
    topic: Topic,
    action: str,
    actor: User,
    note: Any = "",
    meeting: Meeting | None = None,
    text: Any = "",
    owner_name: Any = "",
    due_date: Any = None,
    owner: User | None = None,
    now: dt.datetime | None = None,
) -> Topic:
    """to_agenda / schedule (needs a meeting) / unschedule / decide (needs a held meeting and
    a decision: text, owner, due date) / decline (needs a reason) / withdraw (its raiser)."""
    now = now_or(now)
    topic, roles, move = locked_move(
        topic, action, actor=actor, related=("complex", "complex__point", "meeting", "raised_by")
    )
    note = str(note or "").replace("\x00", "").strip()
    if move.needs_note:
        note = clean_text(note, field="note", label=_("理由"), min_len=2, max_len=300)
    else:
        note = note[:300]
    data: dict[str, Any] = {}
    fields = ["state_note", "updated_at"]
    if action == "schedule":
        if meeting is not None:  # its state as stored now, not as the caller last saw it
            meeting = Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
        if meeting is None or meeting.complex_id != topic.complex_id:
            raise ValidationFailed(
                _("请选择本社区的一次议事会。"), code="meeting_required", fields={"meeting": "?"}
            )
        if meeting.state != S.MeetingState.SCHEDULED:
            raise Conflict(_("这次议事会已召开或已取消。"), code="meeting_not_open")
        topic.meeting = meeting
        fields.append("meeting")
        data["meeting"] = meeting.pk
    elif action == "unschedule":
        topic.meeting = None
        fields.append("meeting")
    elif action == "decide":
        if topic.meeting is None or topic.meeting.state != S.MeetingState.HELD:
            raise Conflict(_("请先记录议事会纪要，再登记会上形成的决定。"), code="meeting_not_held")
        decision = Decision(
            topic=topic,
            complex=topic.complex,
            meeting=topic.meeting,
            text=clean_text(text, field="text", label=_("决定事项"), min_len=4, max_len=2000),
            owner_name=clean_text(
                owner_name, field="owner_name", label=_("责任人"), min_len=2, max_len=100
            ),
            owner=owner,
            due_date=_clean_date(due_date, "due_date"),
        )
        if decision.due_date < timezone.localdate(now):
            raise ValidationFailed(
                _("完成期限不能早于今天。"), code="due_in_past", fields={"due_date": "≥ today"}
            )
        decision.save()
        data["decision"] = decision.pk
        audit(
            decision,
            actor=actor,
            action="create",
            was=S.NEW,
            to=decision.state,
            role=role_of(move, roles),
            note=decision.text[:200],
        )
    topic.state_note = note
    move_row(topic, actor=actor, move=move, roles=roles, also=tuple(fields), note=note, data=data)
    if action == "to_agenda":
        _tell_raiser(topic, "community_topic_agenda")
    elif action == "decide":
        _tell_raiser(
            topic,
            "community_topic_decided",
            decision=decision.text[:60],
            owner=decision.owner_name,
            due=decision.due_date.isoformat(),
        )
    return topic


@transaction.atomic
def meeting_schedule(
    *,
    complex: Complex,
    actor: User,
    title: Any,
    starts_at: Any,
    place: Any = "",
    now: dt.datetime | None = None,
) -> Meeting:
    require_signed_in(actor)
    now = now_or(now)
    roles = sel.complex_roles(user=actor, complex=complex)
    move = check_move(S.MEETING_TRANSITIONS, "schedule", state=S.NEW, roles=roles)
    title = clean_text(title, field="title", label=_("名称"), min_len=2, max_len=120)
    place = clean_text(place, field="place", label=_("地点"), min_len=0, max_len=120)
    if not isinstance(starts_at, dt.datetime) or timezone.is_naive(starts_at):
        raise ValidationFailed(_("请填写召开时间。"), code="time_required")
    if starts_at <= now:
        raise ValidationFailed(
            _("召开时间须晚于现在。"), code="meeting_past", fields={"starts_at": "> now"}
        )
    meeting = Meeting.objects.create(complex=complex, title=title, starts_at=starts_at, place=place)
    audit_move(meeting, actor=actor, move=move, roles=roles, was=S.NEW)
    return meeting


@transaction.atomic
def meeting_transition(
    *,
    meeting: Meeting,
    action: str,
    actor: User,
    minutes: Any = "",
    note: Any = "",
    now: dt.datetime | None = None,
) -> Meeting:
    """hold (with minutes) or cancel (with a reason; its topics go back to the agenda)."""
    now = now_or(now)
    meeting, roles, move = locked_move(
        meeting, action, actor=actor, related=("complex", "complex__point")
    )
    fields: list[str] = []
    if action == "hold":
        meeting.minutes = clean_text(
            minutes, field="minutes", label=_("会议纪要"), min_len=10, max_len=10000
        )
        meeting.held_at = now
        fields += ["minutes", "held_at"]
        note = ""
    else:
        note = clean_text(note, field="note", label=_("原因"), min_len=2, max_len=300)
    move_row(meeting, actor=actor, move=move, roles=roles, also=tuple(fields), note=note)
    if action == "cancel":
        for topic in Topic.objects.filter(meeting=meeting, state=T.SCHEDULED):
            topic_transition(topic=topic, action="unschedule", actor=actor, note=note, now=now)
    return meeting


@transaction.atomic
def decision_transition(
    *, decision: Decision, action: str, actor: User, note: Any = "", now: dt.datetime | None = None
) -> Decision:
    """start / progress / finish, each with a public note; when every decision on a topic is
    done the topic is done too."""
    now = now_or(now)
    decision, roles, move = locked_move(
        decision, action, actor=actor, related=("complex", "complex__point", "topic")
    )
    note = clean_text(
        note, field="note", label=_("进展说明"), min_len=2 if move.needs_note else 0, max_len=1000
    )
    also: tuple[str, ...] = ()
    if move.target == S.DecisionState.DONE:
        decision.done_at = now
        also = ("done_at",)
    move_row(decision, actor=actor, move=move, roles=roles, also=also, note=note)
    target = decision.state
    DecisionUpdate.objects.create(
        decision=decision, by=actor, state=target, note=note or str(move.label)
    )
    topic = decision.topic
    if (
        target == S.DecisionState.DONE
        and topic.state == T.DECIDED
        and not topic.decisions.exclude(state=S.DecisionState.DONE).exists()
    ):
        sys_roles = {S.SYSTEM}
        sys_move = check_move(S.TOPIC_TRANSITIONS, "complete", state=topic.state, roles=sys_roles)
        Topic.objects.filter(pk=topic.pk).update(state=sys_move.target)
        topic.complex = decision.complex
        audit_move(topic, actor=None, move=sys_move, roles=sys_roles, was=T.DECIDED)
    return decision
