"""Writes for 好差评: the applicant's rating of a case (at acceptance, after completion), the
one invitation to rate, and the follow-up of a bad rating by the handling unit."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.access import signed_in
from onetrip.audit.services import audit_record
from onetrip.cases import states as S
from onetrip.cases.models import Case, CaseEvent
from onetrip.cases.notify import case_context, case_holder_notify, holder_phone
from onetrip.cases.selectors import case_roles
from onetrip.clock import local_today
from onetrip.db import create_once
from onetrip.errors import Conflict, Forbidden, NotFound, ValidationFailed, limited_text
from onetrip.metrics.followups import FOLLOWUP_TRANSITIONS, followup_roles
from onetrip.metrics.models import (
    BAD_LEVELS,
    DIMENSIONS,
    FollowUp,
    Level,
    Rating,
    RatingInvite,
    Stage,
)

if TYPE_CHECKING:
    from onetrip.people.models import User

#: a case can be rated after completion once the department has decided it
RATEABLE = (S.State.APPROVED, S.State.REJECTED, S.State.DELIVERED, S.State.CLOSED)
MAX_COMMENT = 500
VIA = ("tracking", "sms", "account")


def followup_days() -> int:
    return int(getattr(settings, "RATING_FOLLOWUP_WORKING_DAYS", 5))


def rating_stage_open(case: Case) -> str | None:
    """The stage the applicant may rate now: after completion once decided, else at acceptance
    once accepted; None when there is nothing (more) to rate."""
    done = set(Rating.objects.filter(case=case).values_list("stage", flat=True))
    if case.state in RATEABLE:
        return None if Stage.COMPLETE in done else Stage.COMPLETE
    if case.accepted_at is not None and case.state not in (S.State.REFUSED, S.State.WITHDRAWN):
        return None if Stage.ACCEPT in done else Stage.ACCEPT
    return None


def _may_rate(*, case: Case, actor: User | None, tracking_token: str | None) -> bool:
    if tracking_token is not None:
        return case.token_revoked_at is None and secrets.compare_digest(
            case.tracking_token.encode(), str(tracking_token).encode()
        )
    return S.APPLICANT in case_roles(user=actor, case=case)


def _level(value: Any, field: str, *, required: bool) -> int | None:
    if value in (None, "") and not required:
        return None
    try:
        level = int(value)
    except (TypeError, ValueError):
        level = 0
    if level not in Level.values:
        raise ValidationFailed(
            _("请选择五个等级之一（非常满意 … 非常不满意）。"),
            code="invalid_level",
            fields={field: [_("须为1至5")]},
        )
    return level


def _staff_of(case: Case, stage: str):
    """Who handled the stage rated: the acceptor, or the reviewer who decided."""
    actions = ("accept",) if stage == Stage.ACCEPT else ("approve", "reject")
    event = (
        CaseEvent.objects.filter(case=case, action__in=actions, actor__isnull=False)
        .order_by("-at", "-id")
        .only("actor_id")
        .first()
    )
    return None if event is None else event.actor_id


@transaction.atomic
def rating_submit(
    *,
    case: Case,
    score: Any,
    comment: str = "",
    dimensions: dict[str, Any] | None = None,
    stage: str | None = None,
    via: str = "",
    actor: User | None = None,
    tracking_token: str | None = None,
    now: dt.datetime | None = None,
) -> Rating:
    """Record the applicant's 好差评 of a case: the overall level (5 非常满意 … 1 非常不满意),
    optional dimension levels and a comment; once per stage, only by the case's applicant
    (signed in) or the bearer of its live tracking token. A bad level opens the follow-up."""
    now = now or timezone.now()
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("applicant", "company", "point", "department")
        .get(pk=case.pk)
    )
    if not _may_rate(case=case, actor=actor, tracking_token=tracking_token):
        raise NotFound(_("未找到该办件。"), code="case_not_found")
    score = _level(score, "score", required=True)
    dims = {
        field: _level((dimensions or {}).get(field), field, required=False)
        for field, _label in DIMENSIONS
    }
    too_long = _("评价内容不能超过%(n)s字。") % {"n": MAX_COMMENT}
    comment = limited_text(
        (comment or "").strip(), MAX_COMMENT, too_long, code="comment_too_long", field="comment"
    )
    open_stage = rating_stage_open(case)
    stage = stage or open_stage
    if stage is None or stage != open_stage:
        done = Rating.objects.filter(case=case)
        if stage in Stage.values:
            done = done.filter(stage=stage)
        if done.exists():
            raise Conflict(_("该办件已评价过。"), code="already_rated")
        raise Conflict(_("办件受理后才能评价。"), code="not_rateable")
    user = signed_in(actor)
    via = via if via in VIA else ("tracking" if tracking_token is not None else "account")
    rating = create_once(
        Rating,
        refusal=Conflict(_("该办件已评价过。"), code="already_rated"),
        case=case,
        stage=stage,
        score=score,
        comment=comment,
        at=now,
        by=user,
        via=via,
        staff_id=_staff_of(case, stage),
        **dims,
    )
    audit_record(
        case,
        "rate",
        actor=user,
        role=S.APPLICANT,
        note=comment[:200],
        point=case.point,
        data={"score": score, "stage": stage, "via": via, **{k: v for k, v in dims.items() if v}},
    )
    if score in BAD_LEVELS:
        _followup_open(rating=rating, case=case, now=now)
    from onetrip.metrics.tasks import schedule_refresh

    transaction.on_commit(schedule_refresh)  # the roll-ups follow the new rating
    return rating


def _followup_open(*, rating: Rating, case: Case, now: dt.datetime) -> FollowUp:
    from onetrip.workdays.selectors import working_days_after

    today = local_today(now)
    follow_up = FollowUp.objects.create(
        rating=rating,
        case=case,
        department_id=case.department_id,
        district_id=case.district_id,
        named=bool(rating.by_id or holder_phone(case)),
        opened_at=now,
        due=working_days_after(start=today, days=followup_days()),
    )
    audit_record(
        follow_up,
        "open",
        actor=None,
        role=S.SYSTEM,
        note=case.number,
        point=case.point,
        data={"case": case.number, "due": follow_up.due.isoformat(), "score": rating.score},
    )
    return follow_up


@transaction.atomic
def followup_transition(
    *,
    follow_up: FollowUp,
    action: str,
    actor: User,
    note: str = "",
    now: dt.datetime | None = None,
) -> FollowUp:
    """Move a follow-up along ``FOLLOWUP_TRANSITIONS`` (call back, fix / explain / appeal,
    decide an appeal, report back). The handling unit's staff act; a manager decides appeals."""
    now = now or timezone.now()
    t = FOLLOWUP_TRANSITIONS.get(action)
    if t is None:
        raise ValidationFailed(_("未知的操作。"), code="unknown_action")
    fu = (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("case", "case__point", "case__applicant", "case__company", "rating")
        .get(pk=follow_up.pk)
    )
    if not followup_roles(user=actor, follow_up=fu) & set(t.roles):
        raise Forbidden(_("您的角色无权进行此操作。"), code="wrong_role")
    if fu.state not in t.sources:
        raise Conflict(
            _("当前状态（%(state)s）不能“%(action)s”。")
            % {"state": fu.get_state_display(), "action": t.label},
            code="invalid_transition",
        )
    note = (note or "").strip()
    if t.needs_note and not note:
        raise ValidationFailed(
            _("请填写说明。"), code="note_required", fields={"note": [_("必填")]}
        )
    limited_text(note, 2000, _("说明过长。"), code="note_too_long", field="note")
    before = fu.state
    fu.state = t.target
    if action == "call_back":
        fu.called_back_at, fu.callback_note = now, note
    elif action in ("fix", "explain", "appeal"):
        fu.resolved_at, fu.resolution_note = now, note
    elif action in ("uphold_appeal", "reject_appeal"):
        fu.resolution_note = f"{fu.resolution_note}\n{t.label}：{note}".strip()
        if action == "uphold_appeal":
            fu.closed_at = now
    elif action == "report_back":
        fu.closed_at, fu.report_note = now, note
    fu.save()
    audit_record(
        fu,
        action,
        actor=actor,
        role="staff",
        from_state=before,
        to_state=fu.state,
        note=note[:200],
        point=fu.case.point,
        data={"case": fu.case.number},
    )
    if action == "report_back":
        phone = holder_phone(fu.case)
        if phone:
            context = case_context(fu.case, note=note, template="rating_followup_report")
            case_holder_notify(
                case=fu.case, phone=phone, template="rating_followup_report", context=context
            )
    return fu


def rating_invites_send(*, now: dt.datetime | None = None, days: int = 3, limit: int = 500) -> int:
    """Invite, once, the holder of each case decided ``days`` or more days ago and not rated
    after completion to rate it by SMS (a link to the tracking page). Returns invites sent."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=days)
    candidates = (
        Case.objects.filter(state__in=RATEABLE, decided_at__lte=cutoff)
        .exclude(ratings__stage=Stage.COMPLETE)
        .exclude(pk__in=RatingInvite.objects.filter(stage=Stage.COMPLETE).values("case_id"))
        .select_related("applicant", "company", "matter", "point", "district")
        .order_by("decided_at", "id")[:limit]
    )
    sent = 0
    for case in candidates:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    RatingInvite.objects.create(case=case, stage=Stage.COMPLETE, at=now)
            except IntegrityError:
                continue  # another sweep got there first
            phone = holder_phone(case)
            if phone:
                context = case_context(case, template="rating_invite")
                context["url"] = f"{context['url']}?via=sms#rating"
                case_holder_notify(
                    case=case, phone=phone, template="rating_invite", context=context
                )
                sent += 1
    return sent


__all__ = [
    "RATEABLE",
    "followup_transition",
    "rating_invites_send",
    "rating_stage_open",
    "rating_submit",
]
