"""Public catalogue API: matters, service points, departments (GET only)."""

from __future__ import annotations

from typing import Literal

from django.urls import reverse
from ninja import Field, Query, Router, Schema

from onetrip.auth import optional_auth
from onetrip.catalogue import selectors
from onetrip.catalogue.interchange import hhmm
from onetrip.catalogue.models import Material, Matter, ServicePoint

router = Router(tags=["catalogue"], auth=optional_auth)


class DepartmentOut(Schema):
    code: str
    name: str
    phone: str = ""


class DepartmentListOut(DepartmentOut):
    matter_count: int


class CatalogueMaterialOut(Schema):
    position: int
    name: str
    form: str
    count: int
    required: bool
    later_allowed: bool
    note: str
    government_held: bool
    issuing_department: str | None
    shared_kind: str
    sample_url: str | None
    blank_form_url: str | None


class PointOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None
    district: str | None
    address: str
    phone: str
    latitude: float | None
    longitude: float | None
    opens_at: str
    closes_at: str
    open_weekdays: str
    open_on_holidays: bool
    url: str


class PointTreeOut(PointOut):
    children: list[PointTreeOut]


class MatterSummaryOut(Schema):
    code: str
    name: str
    district: str
    department: DepartmentOut
    audience: str
    kind: str
    visits_needed: int
    five_star: bool
    online_depth: int
    levels: list[str]
    channels: list[str]
    promised_limit_days: int
    legal_limit_days: int
    url: str


class MatterOut(MatterSummaryOut):
    description: str
    visits_reason: str
    fee: float
    online_payment: bool
    legal_basis: str
    result_type: str
    result_name: str
    result_sample_url: str | None
    basic_code: str
    implementation_code: str
    materials: list[CatalogueMaterialOut]
    points: list[PointOut]


class MatterPageOut(Schema):
    total: int
    page: int
    page_size: int
    pages: int
    items: list[MatterSummaryOut]


class MatterFilters(Schema):
    """The query of ``GET /matters``: the district, the page, and ``matter_search``'s filters
    (every other field is passed to it by name)."""

    q: str | None = None
    audience: Literal["individual", "company", "both"] | None = None
    level: Literal["district", "street", "community"] | None = None
    visits: int | None = Field(None, ge=0, le=1, description="0 = 零跑动, 1 = 最多跑一次")
    department: str | None = None
    channel: Literal["window", "online", "door", "post"] | None = None
    district: str | None = None
    page: int = Field(1, ge=1, le=100_000)  # bounded: an offset past it is no page at all
    page_size: int = Field(20, ge=1, le=100)


def _point_out(p: ServicePoint) -> dict:
    return {
        "code": p.code,
        "name": p.name,
        "level": p.level,
        "parent": p.parent.code if p.parent else None,
        "district": p.district.code if p.district else None,
        "address": p.address,
        "phone": p.phone,
        "latitude": float(p.latitude) if p.latitude is not None else None,
        "longitude": float(p.longitude) if p.longitude is not None else None,
        "opens_at": hhmm(p.opens_at),
        "closes_at": hhmm(p.closes_at),
        "open_weekdays": p.open_weekdays,
        "open_on_holidays": p.open_on_holidays,
        "url": reverse("catalogue:point", args=[p.code]),
    }


def _file_url(matter: Matter, kind: str, material: Material | None = None) -> str | None:
    from onetrip.catalogue.views import file_url

    return file_url(matter, kind, material)


def _summary(m: Matter, district_code: str, url_prefix: str | None = None, suffix="") -> dict:
    url_prefix = url_prefix or reverse("catalogue:matters")
    return {
        "code": m.code,
        "name": m.name,
        "district": district_code,
        "department": {
            "code": m.department.code,
            "name": m.department.name,
            "phone": m.department.phone,
        },
        "audience": m.audience,
        "kind": m.kind,
        "visits_needed": m.visits_needed,
        "five_star": m.is_five_star,
        "online_depth": m.online_depth,
        "levels": m.levels,
        "channels": m.channels,
        "promised_limit_days": m.promised_limit_days,
        "legal_limit_days": m.legal_limit_days,
        "url": f"{url_prefix}{m.code}/{suffix}",
    }


@router.get("/matters", response=MatterPageOut, summary="Search the catalogue (事项检索)")
def matters_list(request, filters: Query[MatterFilters]):
    district = selectors.district_get(code=filters.district)
    search = filters.model_dump(exclude={"district", "page", "page_size"})
    qs = selectors.matter_search(district=district, **search, with_materials=False, summary=True)
    prefix = reverse("catalogue:matters")
    suffix = selectors.district_query(district)
    page_size = max(1, min(filters.page_size, 100))
    page = max(1, filters.page)
    items = list(qs[(page - 1) * page_size : page * page_size])
    total = len(items) + (page - 1) * page_size if 0 < len(items) < page_size else qs.count()
    return {
        "total": total,
        "page": page,
        "page_size": page_size,
        "pages": (total + page_size - 1) // page_size,
        "items": [_summary(m, district.code, prefix, suffix) for m in items],
    }


@router.get("/matters/{code}", response=MatterOut, summary="One matter with its materials")
def matter_detail(request, code: str, district: str | None = None):
    scope = selectors.district_get(code=district) if district else None
    m = selectors.matter_get(code=code, district=scope)
    points = selectors.points_for_matter(matter=m).select_related("district")
    return {
        **_summary(m, m.district.code),
        "description": m.description,
        "visits_reason": m.visits_reason,
        "fee": float(m.fee),
        "online_payment": m.online_payment,
        "legal_basis": m.legal_basis,
        "result_type": m.result_type,
        "result_name": m.result_name,
        "result_sample_url": _file_url(m, "result"),
        "basic_code": m.basic_code,
        "implementation_code": m.implementation_code,
        "materials": [
            {
                "position": mat.position,
                "name": mat.name,
                "form": mat.form,
                "count": mat.count,
                "required": mat.required,
                "later_allowed": mat.later_allowed,
                "note": mat.note,
                "government_held": mat.government_held,
                "issuing_department": mat.issuing_department.name
                if mat.issuing_department
                else None,
                "shared_kind": mat.shared_kind,
                "sample_url": _file_url(m, "sample", mat),
                "blank_form_url": _file_url(m, "blank_form", mat),
            }
            for mat in m.materials.all()
        ],
        "points": [_point_out(p) for p in points],
    }


@router.get("/points", response=list[PointTreeOut], summary="Service points as a tree")
def points_tree(request, district: str | None = None):
    scope = selectors.district_get(code=district) if district else None

    def walk(node):
        return {**_point_out(node["point"]), "children": [walk(c) for c in node["children"]]}

    roots = selectors.point_tree(district=scope)
    # _point_out reads parent/district codes: load them once.
    by_pk = {}

    def collect(n):
        by_pk[n["point"].pk] = n["point"]
        for c in n["children"]:
            collect(c)

    for r in roots:
        collect(r)
    extra = ServicePoint.objects.in_bulk(
        {p.parent_id for p in by_pk.values() if p.parent_id and p.parent_id not in by_pk}
        | {p.district_id for p in by_pk.values() if p.district_id and p.district_id not in by_pk}
    )
    lookup = {**by_pk, **extra}
    for p in by_pk.values():
        if p.parent_id:
            p.parent = lookup[p.parent_id]
        if p.district_id:
            p.district = lookup[p.district_id]
    return [walk(r) for r in roots]


class NearbyOut(Schema):
    point: PointOut
    straight_metres: int
    walking_metres: int
    walking_minutes: int
    within_circle: bool
    open_today: bool
    hours_today: str | None = Field(description="今天的开放时间 HH:MM–HH:MM，休息日为 null")
    open_now: bool


class NearestOut(Schema):
    matter: str
    matter_name: str
    origin_point: str | None
    latitude: float
    longitude: float
    walking_factor: float
    metres_per_minute: int
    circle_minutes: int
    items: list[NearbyOut]


class NearestQuery(Schema):
    matter: str = Field(..., min_length=1, max_length=60)
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    community: str | None = Field(None, max_length=40)
    address: str | None = Field(None, max_length=100)
    district: str | None = Field(None, max_length=40)
    limit: int = Field(5, ge=1, le=20)


def nearest_payload(q: NearestQuery) -> dict:
    """Shared by the API and the finder page: validate the origin, find the points."""
    from django.utils.translation import gettext as _

    from onetrip.errors import ValidationFailed

    district = selectors.district_get(code=q.district) if q.district else None
    matter = selectors.matter_get(code=q.matter, district=district)
    origin = None
    if q.community or q.address:
        origin, lat, lng = selectors.nearby_origin(
            district=matter.district, community=q.community, address=q.address
        )
    elif q.lat is not None and q.lng is not None:
        lat, lng = q.lat, q.lng
    else:
        raise ValidationFailed(_("请提供坐标（lat 和 lng）、社区或地址。"), code="origin_required")
    found = selectors.points_nearest(matter=matter, lat=lat, lng=lng, limit=q.limit)
    return {
        "matter": matter.code,
        "matter_name": matter.name,
        "origin_point": origin.code if origin else None,
        "latitude": lat,
        "longitude": lng,
        "walking_factor": selectors.WALKING_FACTOR,
        "metres_per_minute": selectors.WALKING_METRES_PER_MINUTE,
        "circle_minutes": selectors.CIRCLE_MINUTES,
        "items": [
            {
                "point": _point_out(n.point),
                "straight_metres": n.straight_metres,
                "walking_metres": n.walking_metres,
                "walking_minutes": n.walking_minutes,
                "within_circle": n.within_circle,
                "open_today": n.hours_today is not None,
                "hours_today": (
                    f"{hhmm(n.hours_today[0])}–{hhmm(n.hours_today[1])}" if n.hours_today else None
                ),
                "open_now": n.open_now,
            }
            for n in found
        ],
    }


@router.get(
    "/points/nearest",
    response=NearestOut,
    summary="Nearest points that accept a matter (就近办, the 15-minute circle)",
    description=(
        "Walking distance = straight-line distance × walking_factor; walking time at "
        "metres_per_minute. Only points at the levels the matter allows are listed."
    ),
)
def points_nearest(request, q: Query[NearestQuery]):
    return nearest_payload(q)


@router.get("/points/{code}", response=PointOut, summary="One service point")
def point_detail(request, code: str):
    return _point_out(selectors.point_get(code=code))


@router.get("/departments", response=list[DepartmentListOut], summary="Departments of a district")
def departments(request, district: str | None = None):
    scope = selectors.district_get(code=district)
    return [
        {
            "code": d.code,
            "name": d.name,
            "phone": d.phone,
            "matter_count": d.matter_count,  # type: ignore[attr-defined]  # departments_list's annotation
        }
        for d in selectors.departments_list(district=scope)
    ]
