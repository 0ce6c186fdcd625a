"""Reads: who may see which incident, the command-centre board, the figures, volunteer records."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeGuard

from django.db.models import Case, Count, IntegerField, Max, Q, QuerySet, Sum, Value, When
from django.utils.translation import gettext as _

from onetrip.access import is_active_user
from onetrip.errors import NotFound
from onetrip.ratios import ratio
from onetrip.roles import Role
from onetrip.safety import states as S
from onetrip.safety.models import Incident, Platform, Volunteer
from onetrip.safety.models.incidents import URGENCY_RANK

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from onetrip.people.models import User

    #: whoever asks: a signed-in user, the anonymous visitor, or no one (a token's bearer)
    Caller = User | AnonymousUser | None

COMMAND_ROLES = (Role.OPERATOR, Role.MANAGER)
HANDLER_ROLES = (Role.REVIEWER, Role.CLERK, Role.MANAGER, Role.SOCIAL_WORKER, Role.SPECIALIST)
_RANK = Case(
    *[When(urgency=u, then=Value(r)) for u, r in URGENCY_RANK.items()],
    default=Value(9),
    output_field=IntegerField(),
)


def _signed_in(user: Caller) -> TypeGuard[User]:
    """``access.is_active_user``, telling the type checker the caller is a user."""
    return is_active_user(user)


def user_district_id(user: Caller) -> int | None:
    point = getattr(user, "point", None)
    if point is None:
        return None
    return point.district_id or point.pk


def incident_roles(*, incident: Incident, user: Caller, token: str | None = None) -> set[str]:
    """The relationship roles ``user`` (or the bearer of ``token``) holds on one incident."""
    roles: set[str] = set()
    if token and secrets.compare_digest(incident.token.encode(), str(token).encode()):
        roles.add(S.REPORTER)
    if not _signed_in(user):
        return roles
    if incident.reporter_id == user.pk:
        roles.add(S.REPORTER)
    if user.is_superuser or (
        user.has_role(*COMMAND_ROLES) and user_district_id(user) == incident.district_id
    ):
        roles.add(S.OPERATOR)
    if user.has_role(Role.GRID_WORKER) and incident.cell.workers.filter(pk=user.pk).exists():
        roles.add(S.CELL_WORKER)
    if (
        incident.department_id
        and user.department_id == incident.department_id
        and user.has_role(*HANDLER_ROLES)
    ):
        roles.add(S.DEPARTMENT)
    if incident.mediator and incident.mediator.user_id == user.pk:
        roles.add(S.MEDIATOR)
    return roles


def incidents_visible(*, user: Caller) -> QuerySet[Incident]:
    """Incidents the user may see: the command centre its district's, a grid worker their
    cells', a department those dispatched to it, a mediator those assigned, a reporter theirs."""
    qs = Incident.objects.select_related("cell__community", "street", "department")
    if not _signed_in(user):
        return qs.none()
    if user.is_superuser:
        return qs
    q = Q(reporter=user)
    if user.has_role(*COMMAND_ROLES) and user_district_id(user):
        q |= Q(district_id=user_district_id(user))
    if user.has_role(Role.GRID_WORKER):
        q |= Q(cell__workers=user)
    if user.department_id and user.has_role(*HANDLER_ROLES):
        q |= Q(department_id=user.department_id)
    q |= Q(mediator__user=user)
    return qs.filter(q).distinct()


def incident_for(
    *, number: str, user: Caller, token: str | None = None
) -> tuple[Incident, set[str]]:
    """One incident and the caller's roles on it; NotFound for anyone with no role (so the
    existence of other people's incidents is not revealed)."""
    incident = (
        Incident.objects.select_related(
            "cell__community__parent", "street", "department", "mediator", "volunteer", "district"
        )
        .filter(number=number)
        .first()
    )
    roles = incident_roles(incident=incident, user=user, token=token) if incident else set()
    if incident is None or not roles:
        raise NotFound(_("事件不存在或无权查看。"), code="incident_not_found")
    return incident, roles


def reporter_shown(*, incident: Incident, roles: set[str]) -> str:
    """The reporter as a handler may see them: an anonymous reporter is never identified."""
    if incident.anonymous:
        return _("匿名群众") if S.REPORTER not in roles else _("匿名（本人）")
    name = incident.reporter_name or (str(incident.reporter) if incident.reporter_id else "")
    label = incident.get_reporter_kind_display()
    return f"{label} {name}".strip()


def allowed_actions(*, incident: Incident, roles: set[str]) -> list:
    out = []
    for t in S.TRANSITIONS.values():
        if incident.state not in t.sources or not roles.intersection(t.roles):
            continue
        if t.action == "mediate" and not incident.is_dispute:
            continue
        out.append(t)
    return out


# -- the command-centre board ----------------------------------------------------------------


@dataclass
class BoardRow:
    incident: Incident
    seconds_left: int | None
    breach_soon: bool
    overdue: bool

    @property
    def left_text(self) -> str:
        return duration_text(self.seconds_left)


def duration_text(seconds: int | None) -> str:
    """``2天3小时`` / ``1小时5分`` / ``超时 40分``; empty when there is no deadline."""
    if seconds is None:
        return _("无期限")
    prefix = _("超时 ") if seconds < 0 else ""
    s = abs(seconds)
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        body = _("%(d)s天%(h)s小时") % {"d": days, "h": hours}
    elif hours:
        body = _("%(h)s小时%(m)s分") % {"h": hours, "m": minutes}
    else:
        body = _("%(m)s分") % {"m": minutes}
    return prefix + body


def breach_soon(*, incident: Incident, now: dt.datetime) -> bool:
    """About to breach: a fifth of the SLA or an hour left, whichever is longer."""
    if incident.due_at is None or incident.due_at <= now:
        return False
    span = (incident.due_at - incident.reported_at).total_seconds()
    margin = max(3600.0, span / 5)
    return (incident.due_at - now).total_seconds() <= margin


def board_version(*, district_id: Any, now: dt.datetime) -> str:
    """A cheap fingerprint of the board (one indexed aggregate): changes when any incident of
    the district changes, and every minute so the time left is redrawn."""
    row = Incident.objects.filter(district_id=district_id).aggregate(
        last=Max("updated_at"), n=Count("id")
    )
    last = row["last"].timestamp() if row["last"] else 0
    return f"{row['n']}-{int(last * 1000)}-{int(now.timestamp() // 60)}"


def board_rows(*, district_id: int, now: dt.datetime, limit: int = 60) -> list[BoardRow]:
    qs = (
        Incident.objects.filter(district_id=district_id, state__in=S.OPEN)
        .select_related("cell__community", "street", "department")
        .annotate(rank=_RANK)
        .order_by("rank", "due_at", "id")[:limit]
    )
    rows = []
    for inc in qs:
        left = int((inc.due_at - now).total_seconds()) if inc.due_at else None
        rows.append(
            BoardRow(inc, left, breach_soon(incident=inc, now=now), left is not None and left < 0)
        )
    rows.sort(key=lambda r: (URGENCY_RANK.get(r.incident.urgency, 9), not r.overdue))
    return rows


# -- figures ---------------------------------------------------------------------------------


@dataclass
class Figure:
    key: str
    label: str
    received: int = 0
    closed: int = 0
    closed_on_time: int = 0
    hours_total: float = 0.0

    @property
    def on_time_rate(self) -> float | None:
        return ratio(self.closed_on_time, self.closed)

    @property
    def avg_hours(self) -> float | None:
        return ratio(self.hours_total, self.closed)


def incident_figures(*, district_id: int, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """Per platform and per street: received, closed, closed on time, average hours to close;
    and recurrence by place (cells with the same kind reported more than once)."""
    rows = Incident.objects.filter(
        district_id=district_id, reported_at__gte=start, reported_at__lt=end
    ).values_list(
        "platform", "street_id", "street__name", "state", "reported_at", "closed_at", "due_at"
    )
    platforms = {p.value: Figure(p.value, str(p.label)) for p in Platform}
    streets: dict[int, Figure] = {}
    for platform, street_id, street_name, state, reported, closed, due in rows:
        figs = [streets.setdefault(street_id, Figure(str(street_id), street_name))]
        if platform:
            figs.append(platforms[platform])
        for fig in figs:
            fig.received += 1
            if state in S.DONE and closed:
                fig.closed += 1
                fig.hours_total += (closed - reported).total_seconds() / 3600
                if due is None or closed <= due:
                    fig.closed_on_time += 1
    recurrence = list(
        Incident.objects.filter(
            district_id=district_id, reported_at__gte=start, reported_at__lt=end
        )
        .values("cell__code", "cell__name", "cell__community__name", "kind")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("-n", "cell__code")[:10]
    )
    total = Figure("all", _("全部"))
    for fig in streets.values():
        total.received += fig.received
        total.closed += fig.closed
        total.closed_on_time += fig.closed_on_time
        total.hours_total += fig.hours_total
    return {
        "platforms": list(platforms.values()),
        "streets": sorted(streets.values(), key=lambda f: f.label),
        "total": total,
        "recurrence": recurrence,
    }


# -- volunteers ------------------------------------------------------------------------------


def volunteer_record(*, volunteer: Volunteer) -> dict[str, Any]:
    """Roles, training attended, hours served (training + completed patrols) and reports
    credited (reported by the volunteer; how many of them were closed)."""
    from onetrip.safety.models import PatrolShift, TrainingAttendance

    attendance = list(
        TrainingAttendance.objects.filter(volunteer=volunteer, attended=True)
        .select_related("session")
        .order_by("-session__held_on")
    )
    training_hours = float(sum((a.session.hours for a in attendance), 0))
    shifts = list(PatrolShift.objects.filter(volunteer=volunteer).select_related("cell"))
    patrol_hours = sum(s.hours for s in shifts if s.done)
    reports = Incident.objects.filter(volunteer=volunteer).aggregate(
        total=Count("id"),
        closed=Count("id", filter=Q(state__in=S.DONE)),
        confirmed=Count("id", filter=Q(state=S.State.CONFIRMED)),
    )
    return {
        "volunteer": volunteer,
        "roles": [r.get_role_display() for r in volunteer.roles.order_by("role")],
        "attendance": attendance,
        "training_hours": training_hours,
        "shifts": shifts,
        "patrol_hours": round(patrol_hours, 1),
        "hours_served": round(training_hours + patrol_hours, 1),
        "reports": reports,
    }


def volunteer_totals(*, district_id: int) -> dict[str, Any]:
    from onetrip.safety.models import TrainingAttendance, TrainingSession, VolunteerRoleGrant

    by_role = defaultdict(int)
    for role, n in (
        VolunteerRoleGrant.objects.filter(volunteer__district_id=district_id)
        .values_list("role")
        .annotate(n=Count("id"))
    ):
        by_role[role] = n
    return {
        "volunteers": Volunteer.objects.filter(district_id=district_id, is_active=True).count(),
        "sessions": TrainingSession.objects.filter(district_id=district_id).count(),
        "trained": TrainingAttendance.objects.filter(
            session__district_id=district_id, attended=True
        )
        .values("volunteer")
        .distinct()
        .count(),
        "training_hours": TrainingAttendance.objects.filter(
            session__district_id=district_id, attended=True
        ).aggregate(h=Sum("session__hours"))["h"]
        or 0,
        "by_role": dict(by_role),
    }


def incident_timeline(*, incident: Incident, roles: set[str]) -> list[dict[str, Any]]:
    """The incident's audit events, oldest first; the reporter of an anonymous report is never
    named (the report event carries no actor for them anyway)."""
    from onetrip.audit.models import AuditEvent

    events = (
        AuditEvent.objects.filter(subject_type="incident", subject_id=incident.number)
        .select_related("actor")
        .order_by("at", "id")
    )
    out = []
    for e in events:
        t = S.TRANSITIONS.get(e.action)
        if e.action == "report":
            who = reporter_shown(incident=incident, roles=roles)
        elif e.actor_id:
            who = str(e.actor)
        else:
            who = _("系统")
        out.append(
            {
                "at": e.at,
                "action": str(t.label) if t else _("上报"),
                "to": S.state_label(e.to_state),
                "note": e.note,
                "who": who,
            }
        )
    return out
