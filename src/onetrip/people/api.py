"""People API: who am I (for kiosks, agency systems and the browser)."""

from __future__ import annotations

from ninja import Router, Schema

from onetrip.auth import staff_auth

router = Router(tags=["people"])


class PlaceOut(Schema):
    code: str
    name: str


class AgencyOut(Schema):
    id: int
    name: str


class MeOut(Schema):
    username: str
    display_name: str
    roles: list[str]
    is_superuser: bool
    point: PlaceOut | None
    department: PlaceOut | None
    agency: AgencyOut | None


@router.get("/me", response=MeOut, auth=staff_auth, summary="The signed-in user or token owner")
def me(request):
    user = request.auth if hasattr(request.auth, "username") else request.user
    return {
        "username": user.username,
        "display_name": user.display_name,
        "roles": sorted(user.role_names()),
        "is_superuser": user.is_superuser,
        "point": {"code": user.point.code, "name": user.point.name} if user.point_id else None,
        "department": {"code": user.department.code, "name": user.department.name}
        if user.department_id
        else None,
        "agency": {"id": user.agency.pk, "name": user.agency.name} if user.agency_id else None,
    }
