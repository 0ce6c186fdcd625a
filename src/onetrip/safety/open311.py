"""Open311 GeoReport v2 for incidents, so existing civic-reporting apps and client libraries can
talk to the platform: ``/open311/v2/services.json``, ``services/{code}.json``,
``requests.json`` (GET and POST), ``requests/{id}.json``, ``tokens/{token}.json``.

Field names are the specification's. JSON only (a ``.xml`` URL answers the spec's error list).
Errors are the spec's list ``[{"code": <http status>, "description": "..."}]`` with that status.
``jurisdiction_id`` is a district code; it may be left out when the deployment has one district
with a grid. POST needs ``api_key`` (a platform API token); the request is a citizen's report:
without a name, phone or e-mail it is anonymous and rate-limited like the web page.

Privacy: the public list never carries the reporter, photos or the text of a dispute.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from onetrip.catalogue.models import PointLevel, ServicePoint
from onetrip.errors import DomainError
from onetrip.masking import mask_address
from onetrip.safety import states as S
from onetrip.safety.models import GridCell, Incident, IncidentKind
from onetrip.safety.services import incident_report
from onetrip.safety.services.routing import sla_for
from onetrip.throttles import client_ident, limited_response

DESCRIPTIONS = {
    IncidentKind.HAZARD: "消防通道堵塞、电线裸露、井盖缺失、危房等安全隐患",
    IncidentKind.DISPUTE: "邻里、物业、家庭、劳资等矛盾纠纷，由调解员调解",
    IncidentKind.ORDER: "可疑人员、聚集、扰民等治安问题（紧急警情请拨 110）",
    IncidentKind.ENVIRONMENT: "垃圾堆放、污水、噪声、占道等环境问题",
    IncidentKind.OTHER: "其他需要社区和部门处理的问题",
}
MAX_RANGE_DAYS = 90
MAX_RESULTS = 1000


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        self.status = status
        self.description = description


def _errors(status: int, description: str) -> JsonResponse:
    return JsonResponse([{"code": status, "description": description}], status=status, safe=False)


def _json(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def open311_view(func):
    """JSON only; Open311 and domain errors in the spec's format; never a 5xx for bad input."""

    def wrapper(request, *args, fmt: str = "json", **kwargs):
        if fmt != "json":
            return _errors(400, _("只支持 JSON 格式（.json）。"))
        try:
            return func(request, *args, **kwargs)
        except Open311Error as exc:
            return _errors(exc.status, exc.description)
        except DomainError as exc:
            status = 429 if exc.status == 429 else (404 if exc.status == 404 else 400)
            return limited_response(_errors(status, f"{exc.code}: {exc.message}"), exc)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


def _jurisdiction(request, data=None) -> ServicePoint:
    data = data if data is not None else request.GET
    code = (data.get("jurisdiction_id") or "").strip()
    districts = ServicePoint.objects.filter(level=PointLevel.DISTRICT, is_active=True)
    if code:
        found = districts.filter(code=code).first()
        if found is None:
            raise Open311Error(404, _("jurisdiction_id 不存在：%(c)s") % {"c": code})
        return found
    with_grid = list(
        districts.filter(pk__in=GridCell.objects.values("district_id")).order_by("code")[:2]
    )
    if len(with_grid) != 1:
        raise Open311Error(400, _("本接口服务多个区县，请提供 jurisdiction_id。"))
    return with_grid[0]


def _service(kind: str) -> dict[str, Any]:
    return {
        "service_code": kind,
        "service_name": str(IncidentKind(kind).label),
        "description": DESCRIPTIONS.get(IncidentKind(kind), ""),
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": "平安365",
    }


def _w3c(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _status(incident: Incident) -> str:
    return "open" if incident.state in S.OPEN else "closed"


def request_json(incident: Incident) -> dict[str, Any]:
    """One service request with the specification's field names (nothing personal)."""
    dispute = incident.kind == IncidentKind.DISPUTE
    notes = incident.result if incident.state in S.DONE else S.state_label(incident.state)
    return {
        "service_request_id": incident.number,
        "status": _status(incident),
        "status_notes": notes,
        "service_name": incident.get_kind_display(),
        "service_code": incident.kind,
        "description": _("矛盾纠纷详情不公开") if dispute else incident.description,
        "agency_responsible": incident.department.name if incident.department is not None else "",
        "service_notice": _sla_notice(incident.sla_amount, incident.sla_unit),
        "requested_datetime": _w3c(incident.reported_at),
        "updated_datetime": _w3c(incident.updated_at),
        "expected_datetime": _w3c(incident.due_at),
        "address": mask_address(incident.address) if incident.address else str(incident.cell),
        "address_id": incident.cell.code,
        "zipcode": "",
        "lat": float(incident.latitude) if incident.latitude is not None and not dispute else None,
        "long": float(incident.longitude)
        if incident.longitude is not None and not dispute
        else None,
        "media_url": "",
    }


def _sla_notice(amount: int, unit: str) -> str:
    if not amount:
        return ""
    if unit == "hours":
        return _("承诺 %(n)s 小时内办结") % {"n": amount}
    return _("承诺 %(n)s 个工作日内办结") % {"n": amount}


@require_GET
@open311_view
def services_list(request):
    _jurisdiction(request)
    return _json([_service(k) for k in IncidentKind.values])


@require_GET
@open311_view
def service_definition(request, code: str):
    _jurisdiction(request)
    if code not in IncidentKind.values:
        raise Open311Error(404, _("service_code 不存在：%(c)s") % {"c": code})
    return _json({"service_code": code, "attributes": []})


def _parse_date(value: str, name: str) -> dt.datetime:
    parsed = parse_datetime(value.strip().replace(" ", "+")) if value else None
    if parsed is None:
        raise Open311Error(
            400, _("%(n)s 不是 W3C 日期时间，例如 2010-01-01T00:00:00Z") % {"n": name}
        )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


@csrf_exempt
@open311_view
def requests_view(request):
    if request.method == "POST":
        return _post_request(request)
    if request.method != "GET":
        raise Open311Error(405, _("只支持 GET 和 POST。"))
    district = _jurisdiction(request)
    qs = Incident.objects.filter(district=district).select_related("cell__community", "department")
    ids = _csv(request.GET.get("service_request_id"))
    if ids:  # overrides all other parameters (spec)
        qs = qs.filter(number__in=ids[:MAX_RESULTS])
    else:
        codes = _csv(request.GET.get("service_code"))
        bad = [c for c in codes if c not in IncidentKind.values]
        if bad:
            raise Open311Error(400, _("service_code 不存在：%(c)s") % {"c": ",".join(bad)})
        if codes:
            qs = qs.filter(kind__in=codes)
        now = timezone.now()
        end = (
            _parse_date(request.GET["end_date"], "end_date") if request.GET.get("end_date") else now
        )
        start = (
            _parse_date(request.GET["start_date"], "start_date")
            if request.GET.get("start_date")
            else end - dt.timedelta(days=MAX_RANGE_DAYS)
        )
        if start > end or end - start > dt.timedelta(days=MAX_RANGE_DAYS):
            raise Open311Error(400, _("日期范围须在 90 天以内且开始不晚于结束。"))
        qs = qs.filter(reported_at__gte=start, reported_at__lte=end)
        statuses = _csv(request.GET.get("status"))
        if any(s not in ("open", "closed") for s in statuses):
            raise Open311Error(400, _("status 只能是 open 或 closed。"))
        if statuses == ["open"]:
            qs = qs.filter(state__in=S.OPEN)
        elif statuses == ["closed"]:
            qs = qs.exclude(state__in=S.OPEN)
    return _json([request_json(i) for i in qs.order_by("-reported_at", "-id")[:MAX_RESULTS]])


def _post_request(request):
    from onetrip.people.selectors import user_for_api_key

    data = request.POST
    key = (data.get("api_key") or "").strip()
    caller = user_for_api_key(key=key) if key else None
    if caller is None:
        raise Open311Error(403, _("api_key 缺失或无效。"))
    district = _jurisdiction(request, data)
    code = (data.get("service_code") or "").strip()
    if code not in IncidentKind.values:
        raise Open311Error(404 if code else 400, _("service_code 不存在：%(c)s") % {"c": code})
    lat, lon = data.get("lat"), data.get("long")
    address = data.get("address_string") or ""
    address_id = (data.get("address_id") or "").strip()
    if not (lat and lon) and not address and not address_id:
        raise Open311Error(400, _("需要 lat/long、address_string 或 address_id 之一。"))
    name = " ".join(p for p in (data.get("last_name"), data.get("first_name")) if p).strip()
    phone = (data.get("phone") or "").strip()
    email = (data.get("email") or "").strip()
    anonymous = not (name or phone or email)
    device = (data.get("device_id") or "").strip()[:64]
    incident = incident_report(
        district=district,
        actor=None,
        kind=code,
        description=data.get("description") or "",
        cell_code=address_id or None,
        address=address,
        latitude=lat if lat and lon else None,
        longitude=lon if lat and lon else None,
        photos=request.FILES.getlist("media"),
        anonymous=anonymous,
        reporter_name=name or email,
        reporter_phone=phone,
        require_contact=False,
        channel="open311",
        client_key=f"open311:{device or client_ident(request)}",
    )
    amount, unit = sla_for(district=district, kind=incident.kind, urgency=incident.urgency)
    return _json(
        [
            {
                "service_request_id": incident.number,
                "token": incident.token,
                "service_notice": _sla_notice(amount, unit),
                "account_id": data.get("account_id") or None,
            }
        ],
        status=201,
    )


@require_GET
@open311_view
def request_detail(request, request_id: str):
    district = _jurisdiction(request)
    incident = (
        Incident.objects.filter(district=district, number=request_id)
        .select_related("cell__community", "department")
        .first()
    )
    if incident is None:
        raise Open311Error(404, _("service_request_id 不存在：%(c)s") % {"c": request_id})
    return _json([request_json(incident)])


@require_GET
@open311_view
def token_detail(request, token: str):
    district = _jurisdiction(request)
    incident = Incident.objects.filter(district=district, token=token).only("number").first()
    if incident is None:
        raise Open311Error(404, _("token 不存在。"))
    return _json([{"service_request_id": incident.number, "token": token}])
