"""Writers for incidents: the report (with routing and SLA) and every state change."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.access import signed_in
from onetrip.audit.models import AuditEvent
from onetrip.audit.services import audit_record
from onetrip.catalogue.models import Department
from onetrip.errors import Conflict, Forbidden, ValidationFailed
from onetrip.roles import Role
from onetrip.safety import states as S
from onetrip.safety.models import (
    Incident,
    IncidentKind,
    IncidentPhoto,
    Mediation,
    Platform,
    ReporterKind,
    Urgency,
    Volunteer,
    VolunteerRole,
)
from onetrip.safety.selectors import incident_roles
from onetrip.safety.services.intake import as_id, check_flood, check_photos, resolve_place
from onetrip.safety.services.routing import local, route_for, sla_due, sla_for
from onetrip.workdays.selectors import NoSchedule, WorkdayCalendar

if TYPE_CHECKING:
    from onetrip.catalogue.models import ServicePoint
    from onetrip.people.models import User
    from onetrip.safety.models import RoutingRule


class IllegalTransition(Conflict):
    code = "illegal_transition"


def _clean_kind(kind: Any) -> str:
    if kind not in IncidentKind.values:
        raise ValidationFailed(
            _("未知的事件类型。"), code="unknown_kind", fields={"kind": [_("请选择事件类型")]}
        )
    return kind


def _clean_urgency(urgency: Any) -> str:
    if urgency in (None, ""):
        return Urgency.NORMAL
    if urgency not in Urgency.values:
        raise ValidationFailed(
            _("未知的紧急程度。"), code="unknown_urgency", fields={"urgency": [_("无效")]}
        )
    return urgency


def _apply_sla(incident: Incident, *, start: dt.datetime, calendar=None) -> None:
    amount, unit = sla_for(district=incident.district, kind=incident.kind, urgency=incident.urgency)
    incident.sla_amount, incident.sla_unit = amount, unit
    try:
        incident.due_at = sla_due(start=start, amount=amount, unit=unit, calendar=calendar)
    except NoSchedule:
        # the working-day calendar has no schedule for that year: no guessed deadline
        incident.due_at = None


def _audit(
    incident: Incident, action: str, *, at: dt.datetime | None = None, **fields: Any
) -> None:
    """The audit event of a change to ``incident`` (``audit_record``'s fields), at its street.
    A change recorded with its own time ``at`` (imports, the demo's history) keeps that time."""
    event = audit_record(incident, action, point=incident.street, **fields)
    if at is not None and abs((timezone.now() - at).total_seconds()) > 60:
        AuditEvent.objects.filter(pk=event.pk).update(at=at)
        event.at = at


def _reporter(
    *, actor: User | None, anonymous: bool, reporter_phone: str, require_contact: bool
) -> tuple[str, Volunteer | None]:
    user = signed_in(actor)
    volunteer = None
    kind = ReporterKind.CITIZEN
    if user is not None and user.has_role(Role.GRID_WORKER):
        kind = ReporterKind.GRID_WORKER
    elif user is not None:
        volunteer = Volunteer.objects.filter(user=user, is_active=True).first()
        if volunteer is not None:
            kind = ReporterKind.VOLUNTEER
    if anonymous and kind != ReporterKind.CITIZEN:
        raise ValidationFailed(_("网格员、志愿者上报不能匿名。"), code="anonymous_not_allowed")
    if require_contact and not anonymous and user is None and not (reporter_phone or "").strip():
        raise ValidationFailed(
            _("请留下联系电话，或选择匿名上报。"),
            code="contact_required",
            fields={"reporter_phone": [_("必填")]},
        )
    return kind, volunteer


def incident_report(
    *,
    district: ServicePoint,
    actor: User | None,
    kind: Any,
    description: str,
    urgency: Any = None,
    cell_code: str | None = None,
    address: str = "",
    latitude: Any = None,
    longitude: Any = None,
    photos: list[Any] | None = None,
    anonymous: bool = False,
    reporter_name: str = "",
    reporter_phone: str = "",
    require_contact: bool = True,
    channel: str = "web",
    client_key: str = "",
    now: dt.datetime | None = None,
) -> Incident:
    """Record a report from a grid worker, volunteer or citizen.

    Everything is checked before anything is written (kind, place inside the district, photos,
    anonymous flood). Then, in one transaction: the incident with its SLA deadline, its photos,
    an audit event, and — when the first matching routing rule says so — the dispatch.
    """
    now = now or timezone.now()
    kind = _clean_kind(kind)
    urgency = _clean_urgency(urgency)
    description = (description or "").strip()
    if len(description) < 4:
        raise ValidationFailed(
            _("请简要描述情况（至少 4 个字）。"),
            code="description_required",
            fields={"description": [_("必填")]},
        )
    reporter_kind, volunteer = _reporter(
        actor=actor,
        anonymous=anonymous,
        reporter_phone=reporter_phone,
        require_contact=require_contact,
    )
    place = resolve_place(
        district=district,
        cell_code=cell_code,
        address=address,
        latitude=latitude,
        longitude=longitude,
    )
    street_id = place.cell.community.parent_id
    if street_id is None:  # a community hung under no street: the incident would have no street
        raise ValidationFailed(
            _("该网格所在社区未归属任何街道，暂不能上报。"), code="cell_without_street"
        )
    checked = check_photos(list(photos or []))
    reporter = signed_in(actor)
    if reporter is None:
        check_flood(client_key=client_key or "unknown")

    calendar = WorkdayCalendar()
    route = route_for(
        district=district, kind=kind, cell=place.cell, at=now, urgency=urgency, calendar=calendar
    )
    with transaction.atomic():
        incident = Incident(
            number=uuid.uuid4().hex[:24],
            token=secrets.token_urlsafe(18),
            district=district,
            cell=place.cell,
            street_id=street_id,
            kind=kind,
            urgency=route.urgency if route else urgency,
            description=description[:4000],
            address=place.address,
            latitude=place.latitude,
            longitude=place.longitude,
            state=S.State.REPORTED,
            reporter_kind=reporter_kind,
            reporter=reporter,
            volunteer=volunteer,
            reporter_name="" if anonymous else (reporter_name or "").strip()[:60],
            reporter_phone="" if anonymous else (reporter_phone or "").strip()[:20],
            anonymous=anonymous,
            channel=channel,
            reported_at=now,
        )
        _apply_sla(incident, start=now, calendar=calendar)
        incident.save()
        incident.number = f"PA{local(now):%Y%m%d}{incident.pk:06d}"
        Incident.objects.filter(pk=incident.pk).update(number=incident.number)
        for photo in checked:
            record = IncidentPhoto(incident=incident, **photo.columns())
            record.file.save(uuid.uuid4().hex + photo.ext, photo.upload, save=False)
            record.save()
        _audit(
            incident,
            "report",
            actor=None if anonymous else reporter,
            role=reporter_kind,
            to_state=incident.state,
            data={"channel": channel, "photos": len(checked), "kind": kind},
            at=now,
        )
        if route and route.auto_dispatch:
            _transition(
                incident,
                action="dispatch",
                actor=None,
                roles={S.SYSTEM},
                note=_("按分拨规则“%(rule)s”自动分拨") % {"rule": route.rule.name},
                data={"platform": route.platform, "department": route.department.pk},
                now=now,
                rule=route.rule,
            )
        elif route:
            incident.platform = route.platform
            incident.department = route.department
            incident.rule = route.rule
            incident.save(update_fields=["platform", "department", "rule", "updated_at"])
    return incident


def _dispatch_target(incident: Incident, data: dict) -> tuple[str, Department, Any]:
    platform = data.get("platform")
    if platform not in Platform.values:
        raise ValidationFailed(
            _("请选择分拨平台。"), code="platform_required", fields={"platform": [_("必填")]}
        )
    dept = data.get("department")
    department = Department.objects.filter(pk=as_id(dept) or 0, district=incident.district).first()
    if department is None:
        raise ValidationFailed(
            _("请选择本区的承办部门。"),
            code="department_required",
            fields={"department": [_("必填")]},
        )
    mediator = None
    if data.get("mediator"):
        mediator = Volunteer.objects.filter(
            pk=as_id(data["mediator"]) or 0,
            district=incident.district,
            is_active=True,
            roles__role=VolunteerRole.MEDIATOR,
        ).first()
        if mediator is None:
            raise ValidationFailed(_("所选调解员不在本区调解员名册中。"), code="unknown_mediator")
    return platform, department, mediator


def _record_mediation(
    incident: Incident, *, actor: User | None, data: dict, now: dt.datetime
) -> dict:
    if not incident.is_dispute:
        raise IllegalTransition(_("只有矛盾纠纷需要调解记录。"))
    parties = "\n".join(
        p.strip()
        for p in str(data.get("parties") or "").replace("，", "\n").splitlines()
        if p.strip()
    )
    mediator_name = str(data.get("mediator_name") or "").strip()[:60]
    agreement = str(data.get("agreement") or "").strip()
    if len(parties.splitlines()) < 2 or not mediator_name or not agreement:
        raise ValidationFailed(
            _("调解记录需要至少两方当事人、调解员和协议内容。"),
            code="mediation_incomplete",
            fields={"parties": [_("至少两方")], "agreement": [_("必填")]},
        )
    agreed = data.get("agreed", True) not in (False, "0", "false", "off", "")
    Mediation.objects.update_or_create(
        incident=incident,
        defaults={
            "parties": parties,
            "mediator": incident.mediator,
            "mediator_name": mediator_name,
            "agreement": agreement[:4000],
            "agreed": agreed,
            "recorded_by": signed_in(actor),
            "recorded_at": now,
        },
    )
    return {"parties": len(parties.splitlines()), "agreed": agreed}


def _transition(
    incident: Incident,
    *,
    action: str,
    actor: User | None,
    roles: set[str],
    note: str = "",
    data: dict | None = None,
    now: dt.datetime,
    rule: RoutingRule | None = None,
) -> Incident:
    t = S.TRANSITIONS.get(action)
    if t is None:
        raise IllegalTransition(_("未知的操作。"), code="unknown_action")
    if incident.state not in t.sources:
        raise IllegalTransition(
            _("事件当前状态“%(state)s”不能进行“%(action)s”。")
            % {"state": S.state_label(incident.state), "action": t.label}
        )
    role_used = sorted(roles.intersection(t.roles))
    if not role_used:
        raise Forbidden(_("您无权对此事件进行“%(action)s”。") % {"action": t.label})
    note = (note or "").strip()
    if t.needs_note and not note:
        raise ValidationFailed(
            _("请填写说明。"), code="note_required", fields={"note": [_("必填")]}
        )
    data = dict(data or {})
    before = incident.state
    target = before if t.target == S.SAME else t.target
    audit_data: dict[str, Any] = {}
    fields = {"state", "updated_at"}
    if action == "screen":
        kind = _clean_kind(data.get("kind") or incident.kind)
        urgency = _clean_urgency(data.get("urgency") or incident.urgency)
        if (kind, urgency) != (incident.kind, incident.urgency):
            audit_data = {"kind": [incident.kind, kind], "urgency": [incident.urgency, urgency]}
            incident.kind, incident.urgency = kind, urgency
            _apply_sla(incident, start=incident.reported_at)
            fields |= {"kind", "urgency", "sla_amount", "sla_unit", "due_at"}
    elif action == "dispatch":
        platform, department, mediator = _dispatch_target(incident, data)
        incident.platform, incident.department = platform, department
        incident.rule = rule
        if mediator is not None:
            incident.mediator = mediator
        incident.dispatched_at = now
        fields |= {"platform", "department", "rule", "mediator", "dispatched_at"}
        audit_data = {
            "platform": platform,
            "department": department.code,
            "rule": rule.pk if rule else None,
            "mediator": mediator.pk if mediator else None,
        }
    elif action == "send_back":
        incident.department = None
        incident.platform = ""
        fields |= {"department", "platform"}
    elif action == "accept":
        incident.accepted_at = now
        fields.add("accepted_at")
    elif action == "mediate":
        audit_data = _record_mediation(incident, actor=actor, data=data, now=now)
    elif action == "close":
        if incident.is_dispute and not Mediation.objects.filter(incident=incident).exists():
            raise IllegalTransition(
                _("矛盾纠纷办结前需先记录调解情况。"), code="mediation_required"
            )
        incident.result = note[:4000]
        incident.closed_at = now
        fields |= {"result", "closed_at"}
    elif action == "confirm":
        incident.confirmed_at = now
        fields.add("confirmed_at")
    elif action == "reopen":
        incident.reopen_count += 1
        incident.closed_at = incident.confirmed_at = None
        incident.dispatched_at = now
        incident.accepted_at = None
        _apply_sla(incident, start=now)
        fields |= {
            "reopen_count",
            "closed_at",
            "confirmed_at",
            "dispatched_at",
            "accepted_at",
            "sla_amount",
            "sla_unit",
            "due_at",
        }
    elif action == "escalate":
        incident.escalated_at = now
        fields.add("escalated_at")
    incident.state = target
    incident.save(update_fields=sorted(fields))
    _audit(
        incident,
        action,
        actor=actor,
        role=role_used[0],
        from_state=before,
        to_state=target,
        note=note,
        data=audit_data,
        at=now,
    )
    return incident


def incident_transition(
    *,
    incident: Incident,
    action: str,
    actor: User | None,
    note: str = "",
    data: dict | None = None,
    token: str | None = None,
    now: dt.datetime | None = None,
) -> Incident:
    """Take one action of the transition table on an incident (row locked; nothing written if
    the action is not allowed from the current state for the caller's roles)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Incident.objects.select_for_update(of=("self",))
            .select_related("district", "street", "mediator", "cell")
            .get(pk=incident.pk)
        )
        if actor is None and token is None:
            roles = {S.SYSTEM}
        else:
            roles = incident_roles(incident=locked, user=actor, token=token)
        return _transition(
            locked, action=action, actor=actor, roles=roles, note=note, data=data, now=now
        )


def incidents_escalate(*, now: dt.datetime | None = None) -> int:
    """Escalate open incidents about to breach their SLA (once each): an audit event the board
    shows in red. Run by ``onetrip safety_sweep`` from cron or the task worker."""
    from onetrip.safety.selectors import breach_soon

    now = now or timezone.now()
    count = 0
    candidates = Incident.objects.filter(
        state__in=S.OPEN, escalated_at__isnull=True, due_at__isnull=False
    ).only("pk", "due_at", "reported_at")
    for inc in candidates.iterator():
        due_at = inc.due_at
        assert due_at is not None  # the query above keeps only incidents with a deadline
        if breach_soon(incident=inc, now=now) or due_at <= now:
            with transaction.atomic():
                locked = (
                    Incident.objects.select_for_update().select_related("street").get(pk=inc.pk)
                )
                if locked.escalated_at is None and locked.state in S.OPEN:
                    _transition(
                        locked,
                        action="escalate",
                        actor=None,
                        roles={S.SYSTEM},
                        note=_("临近超时，自动预警升级"),
                        now=now,
                    )
                    count += 1
    return count
