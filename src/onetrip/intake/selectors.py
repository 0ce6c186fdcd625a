"""Reads for window zero: matters to pick, where a matter can be done, queues, pre-check results
and the pre-check pass rate the metrics compare with and without pre-check."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from onetrip.access import authenticated
from onetrip.catalogue.models import Matter, ServicePoint
from onetrip.catalogue.selectors import name_query
from onetrip.clock import in_period, local_today
from onetrip.errors import NotFound, ValidationFailed
from onetrip.intake.forms import default_fields
from onetrip.intake.models import ApplicantKind, FormDraft, PreCheck

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from onetrip.people.models import User


def holder_hash(number: str) -> str:
    """A keyed digest of an ID number, to link pre-checks to later cases without storing it."""
    number = (number or "").strip().upper()
    if not number:
        return ""
    return hmac.new(settings.SECRET_KEY.encode(), number.encode(), hashlib.sha256).hexdigest()


def matter_by_code(*, code: str, district: ServicePoint | None = None) -> Matter:
    """An active matter by code; codes are unique per district, so pass ``district`` when known."""
    qs = Matter.objects.select_related("district", "department").filter(code=code, is_active=True)
    if district is not None:
        qs = qs.filter(district=district)
    matters = list(qs[:2])
    if not matters:
        raise NotFound(_("未找到事项“%(code)s”。") % {"code": code}, code="matter_not_found")
    if len(matters) > 1:
        raise ValidationFailed(
            _("多个区县有编码为“%(code)s”的事项，请指明区县。") % {"code": code},
            code="district_required",
            fields={"district": [_("请指明区县")]},
        )
    return matters[0]


def matter_search(*, district: ServicePoint, q: str = "", limit: int = 20) -> list[Matter]:
    qs = Matter.objects.filter(district=district, is_active=True).select_related("department")
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            name_query(q)
            | Q(code__icontains=q)
            | Q(department__name__icontains=q)
            | Q(materials__name__icontains=q)
        ).distinct()
    return list(qs.order_by("code")[:limit])


def audience_allows(*, matter: Matter, applicant_kind: str) -> bool:
    """Whether this kind of applicant may apply (the catalogue's rule set decides)."""
    from onetrip.catalogue.rules import applicant_kinds

    return applicant_kind in applicant_kinds(matter)


def _distance(a: ServicePoint, b: ServicePoint) -> float | None:
    if a.latitude is None or a.longitude is None or b.latitude is None or b.longitude is None:
        return None
    lat1, lon1, lat2, lon2 = map(
        math.radians, map(float, (a.latitude, a.longitude, b.latitude, b.longitude))
    )
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def points_accepting(
    *, matter: Matter, near: ServicePoint | None = None, levels=("street", "community"), limit=10
) -> list[ServicePoint]:
    """Street/community points of the matter's district that accept it, nearest first."""
    wanted = [lv for lv in levels if lv in matter.levels]
    if not wanted:
        return []
    points = list(
        ServicePoint.objects.filter(district=matter.district, level__in=wanted, is_active=True)
        .select_related("parent")
        .order_by("code")
    )

    def key(p: ServicePoint):
        if near is None:
            return (1, 0.0, p.code)
        distance = _distance(near, p)
        if distance is not None:
            return (0, distance, p.code)
        related = p.pk == near.pk or p.parent_id == near.pk or near.parent_id in (p.pk, p.parent_id)
        return (0 if related else 1, 0.0, p.code)

    points.sort(key=key)
    return points[:limit]


def point_accepts(*, point: ServicePoint, matter: Matter) -> bool:
    if point.district_id != matter.district_id and point.pk != matter.district_id:
        return False
    return point.level in matter.levels


def queue_for(*, point: ServicePoint, matter: Matter, applicant_kind: str) -> Any | None:
    """The open queue at ``point`` for this matter and applicant type, if queueing is installed.

    Agents queue at agent windows, everyone else at self-service ones. A queue listing the
    matter beats one for the matter's department, which beats a general queue.
    """
    try:
        from onetrip.queueing.models import Queue
    except ImportError:  # pragma: no cover - queueing always ships with the platform
        return None
    wanted_type = "agent" if applicant_kind == ApplicantKind.AGENT else "self"
    queues = list(
        Queue.objects.filter(point=point, is_open=True, applicant_type=wanted_type)
        .annotate(n_matters=Count("matters"))
        .prefetch_related("matters")
        .order_by("position", "code")
    )
    ranked = []
    for queue in queues:
        if any(m.pk == matter.pk for m in queue.matters.all()):
            ranked.append((0, queue))
        elif queue.department_id == matter.department_id:
            ranked.append((1, queue))
        elif queue.n_matters == 0 and queue.department_id is None:
            ranked.append((2, queue))
    ranked.sort(key=lambda pair: pair[0])
    return ranked[0][1] if ranked else None


def precheck_by_token(*, token: str) -> PreCheck:
    found = (
        PreCheck.objects.select_related("matter", "matter__department", "point", "district")
        .filter(token=token)
        .first()
        if token
        else None
    )
    if found is None:
        raise NotFound(_("未找到该预检结果。"), code="precheck_not_found")
    return found


def precheck_for_case(
    *, matter: Matter, holder_number: str, before: dt.datetime, within_days: int = 30
) -> PreCheck | None:
    """The latest pre-check of this holder for this matter shortly before a case was opened."""
    digest = holder_hash(holder_number)
    if not digest:
        return None
    return (
        PreCheck.objects.filter(
            matter=matter,
            holder_hash=digest,
            at__lte=before,
            at__gte=before - dt.timedelta(days=within_days),
        )
        .order_by("-at")
        .first()
    )


def precheck_pass_rate(
    *,
    district: ServicePoint,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    matter: Matter | None = None,
    point: ServicePoint | None = None,
) -> dict[str, Any]:
    """Pre-checks in the scope and the share that were complete at the first check.

    ``first_time_complete`` counts, per (holder, matter), only the first pre-check — the
    comparable of the cases' first-submission pass rate. ``linked_cases`` counts pre-checks
    linked to a case, so metrics can split cases with and without pre-check.
    """
    qs = PreCheck.objects.filter(in_period("at", since, until), district=district)
    if matter is not None:
        qs = qs.filter(matter=matter)
    if point is not None:
        qs = qs.filter(point=point)
    rows = list(
        qs.order_by("at", "id").values("holder_hash", "matter_id", "complete", "case_number")
    )
    total = len(rows)
    complete = sum(1 for r in rows if r["complete"])
    firsts: dict[tuple[str, int], bool] = {}
    anonymous_first = []
    for r in rows:
        if not r["holder_hash"]:
            anonymous_first.append(r["complete"])
            continue
        firsts.setdefault((r["holder_hash"], r["matter_id"]), r["complete"])
    first_values = list(firsts.values()) + anonymous_first
    first_complete = sum(1 for v in first_values if v)
    return {
        "prechecks": total,
        "complete": complete,
        "rate": (complete / total) if total else None,
        "first_checks": len(first_values),
        "first_time_complete": first_complete,
        "first_time_rate": (first_complete / len(first_values)) if first_values else None,
        "linked_cases": sum(1 for r in rows if r["case_number"]),
    }


def form_fields_for(*, matter: Matter) -> list[dict[str, Any]]:
    try:
        definition = matter.form_definition
    except Matter.form_definition.RelatedObjectDoesNotExist:
        definition = None
    if definition is not None and definition.fields:
        return list(definition.fields)
    return default_fields(audience=matter.audience)


def form_title_for(*, matter: Matter) -> str:
    try:
        title = matter.form_definition.title
    except Matter.form_definition.RelatedObjectDoesNotExist:
        title = ""
    return title or _("%(matter)s申请表") % {"matter": matter.name}


def form_draft_get(
    *, token: str, matter: Matter, user: User | AnonymousUser | None = None
) -> FormDraft:
    draft = FormDraft.objects.filter(token=token, matter=matter).first() if token else None
    if draft is None:
        raise NotFound(_("未找到该草稿。"), code="draft_not_found")
    if draft.user_id is not None:
        if not authenticated(user) or user.pk != draft.user_id:
            raise NotFound(_("未找到该草稿。"), code="draft_not_found")
    return draft


def window_zero_opened(*, district: ServicePoint) -> dt.date | None:
    """The reform date as the records tell it: the first local day a guide pre-checked
    materials at the district's centre (window zero). None when no guide ever has."""
    first = (
        PreCheck.objects.filter(point=district, self_service=False)
        .order_by("at")
        .values_list("at", flat=True)
        .first()
    )
    return None if first is None else local_today(first)
