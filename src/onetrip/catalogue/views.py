"""Citizen pages of the catalogue (办事指南): search, a matter's checklist, a service point."""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onetrip.catalogue import selectors
from onetrip.catalogue.models import Audience, Material, Matter, PointLevel, ServicePoint
from onetrip.errors import NotFound
from onetrip.metrics.selectors import case_visit_summary

#: ISO weekday 1..7 -> day name, for opening hours ("周一至周五").
WEEKDAYS = (
    gettext_lazy("一"),
    gettext_lazy("二"),
    gettext_lazy("三"),
    gettext_lazy("四"),
    gettext_lazy("五"),
    gettext_lazy("六"),
    gettext_lazy("日"),
)
FILE_KINDS = ("result", "sample", "blank_form")


def weekdays_label(open_weekdays: str) -> str:
    days = sorted({int(c) for c in open_weekdays if c.isdigit() and 1 <= int(c) <= 7})
    if not days:
        return ""
    if len(days) == 7:
        return _("每天")
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return _("周%(a)s至周%(b)s") % {"a": WEEKDAYS[days[0] - 1], "b": WEEKDAYS[days[-1] - 1]}
    return "、".join(_("周%(a)s") % {"a": WEEKDAYS[d - 1]} for d in days)


def file_url(matter: Matter, kind: str, material: Material | None = None) -> str | None:
    """URL of a matter's result sample, or a material's sample/blank form; None when absent."""
    if kind == "result":
        if not matter.result_sample:
            return None
        url = reverse("catalogue:result_file", args=[matter.code])
    else:
        if material is None or not getattr(material, kind):
            return None
        url = reverse("catalogue:material_file", args=[matter.code, material.pk, kind])
    return url + selectors.district_query(matter.district)


def _district(request) -> ServicePoint:
    """The district the page names (``?district=``), else the default; 404 when there is none."""
    try:
        return selectors.district_get(code=request.GET.get("district") or None)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _scope(request) -> ServicePoint | None:
    """The district the page names; None when it names none."""
    return _district(request) if request.GET.get("district") else None


def matter_list(request):
    district = _district(request)
    f = {
        "q": (request.GET.get("q") or "").strip(),
        "audience": request.GET.get("audience") or "",
        "level": request.GET.get("level") or "",
        "visits": request.GET.get("visits") or "",
        "department": request.GET.get("department") or "",
    }
    visits = int(f["visits"]) if f["visits"] in ("0", "1") else None
    matters = list(
        selectors.matter_search(
            district=district,
            q=f["q"],
            audience=f["audience"] or None,
            level=f["level"] or None,
            visits=visits,
            department=f["department"] or None,
            with_materials=False,
            summary=True,
        )
    )
    _link_matters(matters, district)
    return render(
        request,
        "catalogue/matter_list.html",
        {
            "district": district,
            "districts": list(selectors.districts_list()),
            "counts": selectors.catalogue_counts(district=district),
            "departments": list(selectors.departments_list(district=district)),
            "matters": matters,
            "f": f,
            "filtered": any(f.values()),
            "audiences": Audience.choices,
            "levels": [(c, lbl) for c, lbl in PointLevel.choices if c in selectors.LEVELS],
        },
    )


def _link_matters(matters: list, district: ServicePoint | None) -> None:
    """Each matter's page address (``m.url``), naming its district unless it is the default."""
    dq = selectors.district_query(district)
    for m in matters:
        m.url = reverse("catalogue:matter", args=[m.code]) + dq


def matter_detail(request, code: str):
    try:
        matter = selectors.matter_get(code=code, district=_scope(request))
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    materials = list(matter.materials.all())
    # page-only attributes the template reads
    for mat in materials:
        mat.sample_url = file_url(matter, "sample", mat)  # type: ignore[attr-defined]
        mat.blank_form_url = file_url(matter, "blank_form", mat)  # type: ignore[attr-defined]
    points = list(selectors.points_for_matter(matter=matter))
    for p in points:
        p.weekdays = weekdays_label(p.open_weekdays)  # type: ignore[attr-defined]
    return render(
        request,
        "catalogue/matter_detail.html",
        {
            "matter": matter,
            "materials": materials,
            "to_submit": [m for m in materials if not m.government_held],
            "held": [m for m in materials if m.government_held],
            "points": points,
            "result_sample_url": file_url(matter, "result"),
            "history": case_visit_summary(district=matter.district, matter=matter),
        },
    )


def point_detail(request, code: str):
    try:
        point = selectors.point_get(code=code)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    matters = list(selectors.matters_at_point(point=point))
    _link_matters(matters, point.district)
    return render(
        request,
        "catalogue/point_detail.html",
        {
            "point": point,
            "weekdays": weekdays_label(point.open_weekdays),
            "children": list(point.children.filter(is_active=True).order_by("code")),
            "matters": matters,
            "history": (
                case_visit_summary(district=point.district, point=point) if point.district else None
            ),
        },
    )


def _send(fieldfile) -> FileResponse:
    name = PurePosixPath(fieldfile.name).name
    try:
        handle = fieldfile.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404(_("文件不存在。")) from exc
    ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    resp = FileResponse(handle, as_attachment=False, filename=name, content_type=ctype)
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


def result_file(request, code: str):
    try:
        matter = selectors.matter_get(code=code, district=_scope(request))
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    if not matter.result_sample:
        raise Http404(_("该事项没有结果样本。"))
    return _send(matter.result_sample)


def material_file(request, code: str, pk: int, kind: str):
    if kind not in ("sample", "blank_form"):
        raise Http404
    try:
        matter = selectors.matter_get(code=code, district=_scope(request))
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    material = next((m for m in matter.materials.all() if m.pk == pk), None)
    if material is None or not getattr(material, kind):
        raise Http404(_("文件不存在。"))
    return _send(getattr(material, kind))


def nearby(request):
    """Where can I do this (就近办): the nearest points accepting a matter, from a community,
    an address in the district or the phone's position (the 15-minute circle)."""
    from ninja.errors import ValidationError as NinjaValidationError
    from pydantic import ValidationError

    from onetrip.catalogue.api import NearestQuery, nearest_payload
    from onetrip.errors import DomainError

    district = _district(request)
    params = {
        k: request.GET.get(k, "").strip() for k in ("matter", "community", "address", "lat", "lng")
    }
    result, error = None, None
    if params["matter"]:
        query = {k: v for k, v in params.items() if v}
        query["district"] = district.code
        try:
            result = nearest_payload(NearestQuery(**query))
        except (ValidationError, NinjaValidationError):
            error = _("请选择社区、填写地址或允许定位。")
        except DomainError as exc:
            error = str(exc.message)
        if result is not None:
            for item in result["items"]:
                item["point"]["weekdays"] = weekdays_label(item["point"]["open_weekdays"])
    communities = list(
        ServicePoint.objects.filter(
            district=district, level=PointLevel.COMMUNITY, is_active=True
        ).order_by("code")
    )
    matters = list(selectors.matter_search(district=district, with_materials=False, summary=True))
    status = 422 if error else 200
    return render(
        request,
        "catalogue/nearby.html",
        {
            "district": district,
            "matters": matters,
            "communities": communities,
            "p": params,
            "result": result,
            "error": error,
            "walking_factor": selectors.WALKING_FACTOR,
            "metres_per_minute": selectors.WALKING_METRES_PER_MINUTE,
            "circle_minutes": selectors.CIRCLE_MINUTES,
        },
        status=status,
    )
