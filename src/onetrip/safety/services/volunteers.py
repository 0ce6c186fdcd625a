"""Writers for volunteers (register, police-school attendance, patrol shifts) and for the
routing rules operators edit."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from onetrip.access import require_role
from onetrip.audit.services import audit_record
from onetrip.catalogue.models import PointLevel, ServicePoint
from onetrip.clock import local_today
from onetrip.errors import Conflict, ValidationFailed, required_text
from onetrip.roles import Role
from onetrip.safety.models import (
    PatrolShift,
    RoutingRule,
    TrainingAttendance,
    TrainingSession,
    Volunteer,
    VolunteerRole,
    VolunteerRoleGrant,
)

if TYPE_CHECKING:
    from onetrip.people.models import User


def _clean_roles(roles: Any) -> list[str]:
    roles = sorted({r for r in roles or [] if r})
    bad = [r for r in roles if r not in VolunteerRole.values]
    if not roles or bad:
        raise ValidationFailed(
            _("请从六类志愿者角色中至少选择一项。"),
            code="volunteer_roles",
            fields={"roles": [_("无效的角色")]},
        )
    return roles


@transaction.atomic
def volunteer_register(
    *,
    community: ServicePoint,
    name: str,
    roles: list[str],
    phone: str = "",
    user: User | None = None,
    actor: User | None = None,
    today: dt.date | None = None,
) -> Volunteer:
    """Register a volunteer of a community with one or more of the six roles."""
    name = required_text(name, _("请填写姓名。"), code="name_required", field="name")
    if community.level != PointLevel.COMMUNITY:
        raise ValidationFailed(_("请选择社区。"), code="community_required")
    roles = _clean_roles(roles)
    if user is not None and Volunteer.objects.filter(user=user).exists():
        raise Conflict(_("该账号已登记为志愿者。"), code="already_volunteer")
    district = community.district
    if district is None:  # a community outside any district is not one to register in
        raise ValidationFailed(_("请选择社区。"), code="community_required")
    today = today or local_today()
    volunteer = Volunteer.objects.create(
        district=district,
        community=community,
        code=uuid.uuid4().hex[:30],
        name=name[:60],
        phone=(phone or "").strip()[:20],
        user=user,
        joined_on=today,
    )
    volunteer.code = f"V-{district.code}-R{volunteer.pk:06d}"
    Volunteer.objects.filter(pk=volunteer.pk).update(code=volunteer.code)
    VolunteerRoleGrant.objects.bulk_create(
        [VolunteerRoleGrant(volunteer=volunteer, role=r) for r in roles]
    )
    audit_record(
        volunteer,
        "register",
        actor=actor or user,
        to_state="active",
        point=community,
        data={"roles": roles},
    )
    return volunteer


@transaction.atomic
def attendance_record(
    *, session: TrainingSession, volunteer: Volunteer, attended: bool, actor: User
) -> TrainingAttendance:
    require_role(actor, Role.OPERATOR, Role.MANAGER)
    if volunteer.district_id != session.district_id:
        raise ValidationFailed(_("志愿者不在本区。"), code="wrong_district")
    row, _created = TrainingAttendance.objects.update_or_create(
        session=session, volunteer=volunteer, defaults={"attended": attended}
    )
    audit_record(
        volunteer,
        "attendance",
        actor=actor,
        note=session.title,
        data={"session": session.code, "attended": attended},
    )
    return row


@transaction.atomic
def shift_record(
    *,
    volunteer: Volunteer,
    cell: Any,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    done: bool = False,
    actor: User,
) -> PatrolShift:
    require_role(actor, Role.OPERATOR, Role.MANAGER, Role.GRID_WORKER)
    if ends_at <= starts_at:
        raise ValidationFailed(_("结束时间须晚于开始时间。"), code="shift_order")
    if cell.district_id != volunteer.district_id:
        raise ValidationFailed(_("网格不在志愿者所在区。"), code="wrong_district")
    shift = PatrolShift.objects.create(
        volunteer=volunteer, cell=cell, starts_at=starts_at, ends_at=ends_at, done=done
    )
    audit_record(
        volunteer, "shift", actor=actor, data={"shift": shift.pk, "cell": cell.code, "done": done}
    )
    return shift


RULE_FIELDS = (
    "position",
    "name",
    "kind",
    "place",
    "cell",
    "day_type",
    "hour_from",
    "hour_to",
    "platform",
    "department",
    "urgency",
    "auto_dispatch",
    "is_active",
)


@transaction.atomic
def rule_save(*, rule: RoutingRule, actor: User) -> RoutingRule:
    """Create or update a routing rule (an operator of the rule's district), audited."""
    require_role(actor, Role.OPERATOR, Role.MANAGER)
    if (
        not (0 <= rule.hour_from <= 23 and 1 <= rule.hour_to <= 24)
        or rule.hour_from == rule.hour_to
    ):
        raise ValidationFailed(_("时段无效。"), code="bad_hours", fields={"hour_to": [_("无效")]})
    if rule.department.district_id != rule.district_id:
        raise ValidationFailed(_("承办部门不在本区。"), code="wrong_district")
    if rule.place and rule.place.district_id != rule.district_id:
        raise ValidationFailed(_("街道或社区不在本区。"), code="wrong_district")
    if rule.cell and rule.cell.district_id != rule.district_id:
        raise ValidationFailed(_("网格不在本区。"), code="wrong_district")
    created = rule.pk is None
    try:
        rule.save()
    except IntegrityError as exc:  # pragma: no cover - no unique constraints besides pk
        raise Conflict(str(exc)) from exc
    audit_record(
        rule,
        "create" if created else "update",
        actor=actor,
        data={f: str(getattr(rule, f + "_id", getattr(rule, f, ""))) for f in RULE_FIELDS},
    )
    return rule


@transaction.atomic
def rule_delete(*, rule: RoutingRule, actor: User) -> None:
    require_role(actor, Role.OPERATOR, Role.MANAGER)
    audit_record(rule, "delete", actor=actor, note=rule.name)
    rule.delete()
