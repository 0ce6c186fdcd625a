"""Catalogue reads. Every selector takes its scope (a district, a point) explicitly."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.db import models
from django.db.models import Count, Prefetch, Q, QuerySet

from onetrip.catalogue.models import (
    Department,
    Material,
    Matter,
    OnlineDepth,
    PointLevel,
    ServicePoint,
)
from onetrip.errors import NotFound

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from onetrip.people.models import User

LEVELS = ("district", "street", "community")
#: Columns a result list needs (leaves out the long texts: description, legal basis …).
SUMMARY_FIELDS = (
    "id", "district_id", "code", "name", "audience", "kind", "legal_limit_days",
    "promised_limit_days", "visits_needed", "online_depth", "level_district", "level_street",
    "level_community", "channel_window", "channel_online", "channel_door", "channel_post",
    "department__id", "department__code", "department__name", "department__phone",
)  # fmt: skip
CHANNELS = ("window", "online", "door", "post")


def default_district() -> ServicePoint | None:
    """The deployment's first district (the only one in a single-district deployment)."""
    return (
        ServicePoint.objects.filter(level=PointLevel.DISTRICT, is_active=True)
        .order_by("id")
        .first()
    )


def district_query(district: ServicePoint | None) -> str:
    """The query string naming ``district`` on a catalogue page's address: "" for the default
    district (and for none), else ``?district=<code>``."""
    default = default_district()
    if district is None or (default is not None and district.pk == default.pk):
        return ""
    return "?" + urlencode({"district": district.code})


def district_by_code(code: str) -> ServicePoint:
    """The district with this code; NotFound when there is none."""
    district = ServicePoint.objects.filter(code=code, level=PointLevel.DISTRICT).first()
    if district is None:
        from django.utils.translation import gettext as _

        raise NotFound(_("未找到该区县。"), code="district_not_found")
    return district


def user_district(user: User | AnonymousUser | None) -> ServicePoint | None:
    """The district of a signed-in staff member's service point; None for anyone else."""
    point = user.point if user is not None and user.is_authenticated else None
    if point is not None:
        return point.district or point
    return None


def district_resolve(
    *, code: str | None = None, user: User | AnonymousUser | None = None
) -> ServicePoint | None:
    """Which district a request is about, the one rule for pages and the API: the district
    named by ``code`` (NotFound when there is none), else the district of ``user``'s service
    point, else the deployment's default (None when it has no district at all)."""
    if code:
        return district_by_code(code)
    return user_district(user) or default_district()


def district_get(*, code: str | None = None) -> ServicePoint:
    """``district_resolve`` without a user, never None (NotFound)."""
    district = district_resolve(code=code)
    if district is None:
        from django.utils.translation import gettext as _

        raise NotFound(_("未找到该区县。"), code="district_not_found")
    return district


def districts_list() -> QuerySet[ServicePoint]:
    return ServicePoint.objects.filter(level=PointLevel.DISTRICT, is_active=True).order_by("id")


def _materials_prefetch() -> Prefetch:
    return Prefetch(
        "materials",
        queryset=Material.objects.select_related("issuing_department").order_by("position", "id"),
    )


def name_query(word: str) -> Q:
    """People shorten names ("老年优待证" for "老年人优待证办理"): a word of three or more
    characters also matches a name holding its characters in the same order."""
    if len(word) < 3:
        return Q(name__icontains=word)
    return Q(name__icontains=word) | Q(name__iregex=".*".join(re.escape(ch) for ch in word))


def matter_search(
    *,
    district: ServicePoint,
    q: str | None = None,
    audience: str | None = None,
    level: str | None = None,
    visits: int | None = None,
    department: str | None = None,
    channel: str | None = None,
    five_star: bool | None = None,
    with_materials: bool = True,
    summary: bool = False,
) -> QuerySet[Matter]:
    """Active matters of one district matching the filters, ordered by code.

    ``q`` matches every whitespace-separated word against the name, description, result name
    and material names. ``audience=individual`` (or ``company``) includes matters for both.
    ``level`` is district/street/community, ``visits`` 0 or 1 (1 means "at most one"),
    ``department`` a department code of the district. ``summary`` loads only the columns a
    result list shows (SUMMARY_FIELDS).
    """
    qs = Matter.objects.filter(district=district, is_active=True).select_related("department")
    for word in (q or "").split():
        qs = qs.filter(
            name_query(word)
            | Q(description__icontains=word)
            | Q(result_name__icontains=word)
            | Q(code__iexact=word)
            | Q(pk__in=Material.objects.filter(name__icontains=word).values("matter_id"))
        )
    if audience in ("individual", "company"):
        qs = qs.filter(audience__in=[audience, "both"])
    elif audience == "both":
        qs = qs.filter(audience="both")
    if level in LEVELS:
        qs = qs.filter(**{f"level_{level}": True})
    if visits == 0:
        qs = qs.filter(visits_needed=0)
    elif visits == 1:
        qs = qs.filter(visits_needed__lte=1)
    if department:
        qs = qs.filter(department__code=department)
    if channel in CHANNELS:
        qs = qs.filter(**{f"channel_{channel}": True})
    if five_star:
        qs = qs.filter(visits_needed=0, online_depth=OnlineDepth.IV)
    if with_materials:
        qs = qs.prefetch_related(_materials_prefetch())
    if summary:
        qs = qs.only(*SUMMARY_FIELDS)
    return qs.order_by("code")


@dataclass(frozen=True)
class CatalogueCounts:
    total: int
    at_most_one_visit: int
    zero_visit: int
    five_star: int
    street_level: int
    community_level: int
    per_department: list[tuple[str, str, int]]  # (code, name, matters)


def catalogue_counts(*, district: ServicePoint) -> CatalogueCounts:
    """The catalogue's own figures: N 项最多跑一次, N 项零跑动 (五星), N 项街道可办 …"""
    qs = Matter.objects.filter(district=district, is_active=True)
    agg = qs.aggregate(
        total=Count("id"),
        at_most_one=Count("id", filter=Q(visits_needed__lte=1)),
        zero=Count("id", filter=Q(visits_needed=0)),
        five=Count("id", filter=Q(visits_needed=0, online_depth=OnlineDepth.IV)),
        street=Count("id", filter=Q(level_street=True)),
        community=Count("id", filter=Q(level_community=True)),
    )
    per_dept = list(
        Department.objects.filter(district=district)
        .annotate(n=Count("matters", filter=Q(matters__is_active=True)))
        .order_by("code")
        .values_list("code", "name", "n")
    )
    return CatalogueCounts(
        total=agg["total"],
        at_most_one_visit=agg["at_most_one"],
        zero_visit=agg["zero"],
        five_star=agg["five"],
        street_level=agg["street"],
        community_level=agg["community"],
        per_department=per_dept,
    )


def matter_get(*, code: str, district: ServicePoint | None = None) -> Matter:
    """One active matter by code, with department and materials.

    Without a district, the code must identify one matter; when several districts use the
    same code, the default district's wins.
    """
    qs = (
        Matter.objects.filter(code=code, is_active=True)
        .select_related("department", "district")
        .prefetch_related(_materials_prefetch())
    )
    if district is not None:
        qs = qs.filter(district=district)
    found = list(qs[:2])
    if len(found) > 1:
        dflt = default_district()
        found = [m for m in found if dflt and m.district_id == dflt.pk]
    if len(found) != 1:
        from django.utils.translation import gettext as _

        raise NotFound(_("未找到该事项。"), code="matter_not_found")
    return found[0]


def points_for_matter(*, matter: Matter) -> QuerySet[ServicePoint]:
    """Active service points of the matter's district at the levels allowed to accept it."""
    levels = matter.levels
    return (
        ServicePoint.objects.filter(
            district_id=matter.district_id, level__in=levels, is_active=True
        )
        .select_related("parent", "district")
        .order_by("level", "code")
    )


def point_get(*, code: str) -> ServicePoint:
    point = ServicePoint.objects.select_related("parent", "district").filter(code=code).first()
    if point is None or not point.is_active:
        from django.utils.translation import gettext as _

        raise NotFound(_("未找到该服务网点。"), code="point_not_found")
    return point


def matters_at_point(*, point: ServicePoint) -> QuerySet[Matter]:
    """Matters that can be accepted at this point (its district's matters for its level)."""
    if point.level not in LEVELS or point.district_id is None:
        return Matter.objects.none()
    return (
        Matter.objects.filter(
            district_id=point.district_id, is_active=True, **{f"level_{point.level}": True}
        )
        .select_related("department")
        .order_by("code")
    )


def point_tree(*, district: ServicePoint | None = None) -> list[dict]:
    """Service points as nested dicts (one query). Scoped to a district when given."""
    qs = ServicePoint.objects.filter(is_active=True)
    if district is not None:
        qs = qs.filter(Q(district=district) | Q(pk=district.pk))
    points = list(qs.order_by("code"))
    nodes: dict[int, dict[str, Any]] = {p.pk: {"point": p, "children": []} for p in points}
    roots = []
    for p in points:
        if p.parent_id in nodes:
            nodes[p.parent_id]["children"].append(nodes[p.pk])
        else:
            roots.append(nodes[p.pk])
    return roots


def departments_list(*, district: ServicePoint) -> QuerySet[Department]:
    return (
        Department.objects.filter(district=district)
        .annotate(matter_count=Count("matters", filter=Q(matters__is_active=True)))
        .order_by("code")
    )


# ------------------------------------------------------------------ nearby service (就近办)

#: Streets are not straight lines: the walking distance is the straight-line (great-circle)
#: distance times this factor. 1.3 is the usual detour index of a dense old-city street grid.
WALKING_FACTOR = 1.3
#: An unhurried walk, seniors included: 4.5 km/h.
WALKING_METRES_PER_MINUTE = 75
#: The "15-minute living circle" (15 分钟生活圈).
CIRCLE_MINUTES = 15
EARTH_RADIUS_M = 6_371_000


def straight_line_metres(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine) in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def point_hours_on(*, point: ServicePoint, day: dt.date) -> tuple[dt.time, dt.time] | None:
    """The point's opening hours on ``day`` (local date), or None when it is closed that day:
    statutory holidays close it unless ``open_on_holidays``; shifted working weekends open it;
    otherwise its weekdays decide. A year without a schedule falls back to weekdays."""
    from onetrip.workdays.models import DayException
    from onetrip.workdays.selectors import NoSchedule, is_workday

    try:
        workday = is_workday(day=day)
    except NoSchedule:
        exceptional = False
    else:
        exceptional = DayException.objects.filter(date=day).exists()
    if exceptional and not workday:
        is_open = point.open_on_holidays
    elif exceptional and workday:
        is_open = True
    else:
        is_open = str(day.isoweekday()) in (point.open_weekdays or "")
    return (point.opens_at, point.closes_at) if is_open else None


@dataclass(frozen=True)
class NearbyPoint:
    point: ServicePoint
    straight_metres: int
    walking_metres: int
    walking_minutes: int
    within_circle: bool
    hours_today: tuple[dt.time, dt.time] | None
    open_now: bool


def nearby_origin(
    *, district: ServicePoint, community: str | None = None, address: str | None = None
) -> tuple[ServicePoint, float, float]:
    """Where a search starts: a community (or any point) of the district by code, or the point
    whose name or address holds the given text. Returns the point and its coordinates."""
    from django.utils.translation import gettext as _

    qs = ServicePoint.objects.filter(
        district=district, is_active=True, latitude__isnull=False, longitude__isnull=False
    )
    point = None
    if community:
        point = qs.filter(code=community).first()
    elif address and address.strip():
        text = address.strip()
        point = (
            qs.filter(Q(name__icontains=text) | Q(address__icontains=text))
            .order_by(
                # the most local match first: community, then street, then district
                models.Case(
                    models.When(level=PointLevel.COMMUNITY, then=0),
                    models.When(level=PointLevel.STREET, then=1),
                    default=2,
                ),
                "code",
            )
            .first()
        )
    if point is None:
        raise NotFound(_("未找到该社区或地址，请从列表中选择社区。"), code="origin_not_found")
    lat, lng = point.latitude, point.longitude
    assert lat is not None and lng is not None  # the query keeps only points with coordinates
    return point, float(lat), float(lng)


def points_nearest(
    *,
    matter: Matter,
    lat: float,
    lng: float,
    at: dt.datetime | None = None,
    limit: int = 5,
) -> list[NearbyPoint]:
    """The active points of the matter's district that may accept it (by the levels the
    catalogue allows), nearest first by walking distance, with today's opening hours."""
    from django.utils import timezone

    at = at or timezone.now()
    local = timezone.localtime(at)
    found = []
    for p in points_for_matter(matter=matter).exclude(latitude=None).exclude(longitude=None):
        assert p.latitude is not None and p.longitude is not None  # excluded above
        straight = straight_line_metres(lat, lng, float(p.latitude), float(p.longitude))
        walking = straight * WALKING_FACTOR
        minutes = math.ceil(walking / WALKING_METRES_PER_MINUTE)
        hours = point_hours_on(point=p, day=local.date())
        found.append(
            NearbyPoint(
                point=p,
                straight_metres=round(straight),
                walking_metres=round(walking),
                walking_minutes=minutes,
                within_circle=minutes <= CIRCLE_MINUTES,
                hours_today=hours,
                open_now=bool(hours and hours[0] <= local.time() < hours[1]),
            )
        )
    found.sort(key=lambda n: (n.walking_metres, n.point.code))
    return found[:limit]
