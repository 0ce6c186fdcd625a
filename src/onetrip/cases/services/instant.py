"""Instant matters (即办件) decided on the spot under delegated authority, and the district
reviewer's sample check of those decisions afterwards."""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.access import is_district_manager
from onetrip.audit.services import audit_record
from onetrip.cases import states as S
from onetrip.cases.models import Case, CaseEvent, Delegation, SampleCheck
from onetrip.db import create_once
from onetrip.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onetrip.roles import Role

if TYPE_CHECKING:
    from onetrip.catalogue.models import Matter, ServicePoint
    from onetrip.people.models import User


@transaction.atomic
def delegation_grant(*, user: User, matter: Matter, actor: User, note: str = "") -> Delegation:
    """A district manager lets a front-line clerk or social worker decide an instant matter."""
    if not is_district_manager(actor, matter.district_id):
        raise Forbidden(_("只有本区管理者可以授权即办件审批。"), code="forbidden")
    if matter.kind != "instant":
        raise ValidationFailed(
            _("“%(m)s”不是即办件，不能授权窗口当场审批。") % {"m": matter.name},
            code="not_instant",
        )
    if not (user.has_role(Role.CLERK, Role.SOCIAL_WORKER) and user.point is not None):
        raise ValidationFailed(_("只能授权给窗口受理人员或全能社工。"), code="not_front_line")
    if user.point.district_id != matter.district_id:
        raise ValidationFailed(_("被授权人不属于本区县。"), code="out_of_scope")
    d = create_once(
        Delegation,
        refusal=Conflict(_("该人员已获此事项授权。"), code="delegation_exists"),
        user=user,
        matter=matter,
        granted_by=actor,
        note=(note or "")[:200],
    )
    audit_record(
        d, "delegation.grant", actor=actor, to_state="active", note=f"{user.pk} {matter.code}"
    )
    return d


@transaction.atomic
def delegation_revoke(*, delegation: Delegation, actor: User) -> Delegation:
    if not is_district_manager(actor, delegation.matter.district_id):
        raise Forbidden(_("只有本区管理者可以撤销授权。"), code="forbidden")
    updated = Delegation.objects.filter(pk=delegation.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not updated:
        raise Conflict(_("授权已撤销。"), code="delegation_revoked")
    delegation.refresh_from_db()
    audit_record(
        delegation, "delegation.revoke", actor=actor, from_state="active", to_state="revoked"
    )
    return delegation


def _may_check(reviewer: User, case: Case) -> bool:
    return bool(
        getattr(reviewer, "is_authenticated", False)
        and (
            reviewer.is_superuser
            or (reviewer.has_role(Role.REVIEWER) and reviewer.department_id == case.department_id)
        )
    )


def instant_sample(
    *,
    district: ServicePoint,
    reviewer: User,
    rate: float = 0.2,
    seed: int | None = None,
    since=None,
) -> list[Case]:
    """A random share ``rate`` (at least one, when any) of the instant decisions taken on the
    spot under delegation in the reviewer's department and not yet checked."""
    if not 0 < rate <= 1:
        raise ValidationFailed(_("抽查比例须在 0 到 1 之间。"), code="invalid_rate")
    events = CaseEvent.objects.filter(
        role=S.DELEGATE,
        action__in=("approve", "reject"),
        case__district=district,
        case__sample_check__isnull=True,
    )
    if not reviewer.is_superuser:
        # django-stubs: an exact lookup takes None too (it means IS NULL)
        events = events.filter(case__department_id=reviewer.department_id)  # type: ignore[misc]
    if since is not None:
        events = events.filter(at__gte=since)
    ids = sorted(set(events.values_list("case_id", flat=True)))
    if not ids:
        return []
    k = max(1, math.ceil(len(ids) * rate))
    chosen = sorted(random.Random(seed).sample(ids, k))
    return list(Case.objects.filter(pk__in=chosen).select_related("matter").order_by("id"))


@transaction.atomic
def sample_check_record(*, case: Case, actor: User, verdict: str, note: str = "") -> SampleCheck:
    """Record the reviewer's verdict on one instant decision taken on the spot."""
    if not _may_check(actor, case):
        raise NotFound(_("未找到该办件。"), code="case_not_found")
    if verdict not in ("ok", "problem"):
        raise ValidationFailed(_("请选择抽查结论。"), code="invalid_verdict")
    if verdict == "problem" and not (note or "").strip():
        raise ValidationFailed(
            _("发现问题须写明情况。"), code="note_required", fields={"note": [_("必填")]}
        )
    if not CaseEvent.objects.filter(case=case, role=S.DELEGATE).exists():
        raise ValidationFailed(_("该办件不是授权当场审批的即办件。"), code="not_delegated")
    check = create_once(
        SampleCheck,
        refusal=Conflict(_("该办件已抽查。"), code="already_checked"),
        case=case,
        reviewer=actor,
        verdict=verdict,
        note=(note or "")[:2000],
    )
    audit_record(
        case,
        "instant.sample_check",
        actor=actor,
        to_state=verdict,
        note=(note or "")[:500],
        role=S.REVIEWER,
    )
    return check
