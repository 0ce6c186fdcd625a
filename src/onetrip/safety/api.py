"""Incidents API (``/api/v1/safety/…``): the caller's visible incidents, one incident, its
actions from the transition table, and the command centre's figures. Thin over selectors and
services; the anonymous reporter is shown exactly as on the pages."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from onetrip.apischema import FreeData, InSchema
from onetrip.auth import staff_auth
from onetrip.errors import Forbidden
from onetrip.safety import selectors as sel
from onetrip.safety import services
from onetrip.safety.states import TRANSITIONS

if TYPE_CHECKING:
    from pydantic.config import JsonValue

router = Router(tags=["safety"])


class IncidentOut(Schema):
    number: str
    kind: str
    urgency: str
    state: str
    street: str
    cell: str
    platform: str
    department: str | None
    reporter: str
    reported_at: dt.datetime
    due_at: dt.datetime | None
    closed_at: dt.datetime | None
    actions: list[str]


#: the action names for the schema (a JSON list: ``list`` is invariant, so built as one)
_ACTIONS: list[JsonValue] = [name for name in sorted(TRANSITIONS)]


class IncidentActionIn(InSchema):
    action: str = Field(..., json_schema_extra={"enum": _ACTIONS})
    note: str = ""
    data: FreeData = {}


def _out(incident, roles) -> dict[str, Any]:
    return {
        "number": incident.number,
        "kind": incident.kind,
        "urgency": incident.urgency,
        "state": incident.state,
        "street": incident.street.name,
        "cell": incident.cell.code,
        "platform": incident.platform,
        "department": incident.department.code if incident.department_id else None,
        "reporter": sel.reporter_shown(incident=incident, roles=roles),
        "reported_at": incident.reported_at,
        "due_at": incident.due_at,
        "closed_at": incident.closed_at,
        "actions": [t.action for t in sel.allowed_actions(incident=incident, roles=roles)],
    }


@router.get("/safety/incidents", auth=staff_auth, response=list[IncidentOut], summary="可见事件")
def incidents(request, open_only: bool = True, limit: int = Query(100, ge=1, le=500)):  # noqa: B008
    qs = sel.incidents_visible(user=request.user)
    if open_only:
        from onetrip.safety.states import OPEN

        qs = qs.filter(state__in=OPEN)
    out = []
    for incident in qs.order_by("due_at", "id")[: max(1, min(limit, 500))]:
        roles = sel.incident_roles(incident=incident, user=request.user)
        out.append(_out(incident, roles))
    return out


@router.get("/safety/incidents/{number}", auth=staff_auth, response=IncidentOut)
def incident(request, number: str):
    found, roles = sel.incident_for(number=number, user=request.user)
    return _out(found, roles)


@router.post("/safety/incidents/{number}/actions", auth=staff_auth, response=IncidentOut)
def incident_action(request, number: str, payload: IncidentActionIn):
    found, _roles = sel.incident_for(number=number, user=request.user)
    services.incident_transition(
        incident=found,
        action=payload.action,
        actor=request.user,
        note=payload.note,
        data=payload.data,
    )
    found, roles = sel.incident_for(number=number, user=request.user)
    return _out(found, roles)


@router.get("/safety/figures", auth=staff_auth, summary="四个平台、各街道的事件指标")
def figures(request, days: int = Query(30, ge=1, le=3660)):  # noqa: B008
    user = request.user
    district_id = sel.user_district_id(user)
    if not user.has_role(*sel.COMMAND_ROLES) or district_id is None:
        raise Forbidden(_("只有指挥中心值班员和管理者可以查看。"), code="wrong_role")
    end = timezone.now()
    f = sel.incident_figures(
        district_id=district_id,
        start=end - dt.timedelta(days=max(1, min(days, 366))),
        end=end,
    )

    def row(fig):
        return {
            "key": fig.key,
            "label": fig.label,
            "received": fig.received,
            "closed": fig.closed,
            "closed_on_time": fig.closed_on_time,
            "on_time_rate": fig.on_time_rate,
            "avg_hours_to_close": fig.avg_hours,
        }

    return {
        "platforms": [row(x) for x in f["platforms"]],
        "streets": [row(x) for x in f["streets"]],
        "total": row(f["total"]),
        "recurrence": f["recurrence"],
    }
