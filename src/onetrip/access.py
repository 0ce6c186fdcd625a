"""Role checks shared by pages and the API (foundation: any app may use them; the roles are
``onetrip.roles.Role`` values)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from onetrip.errors import Forbidden
from onetrip.roles import Role

STAFF_ROLES = (
    Role.GUIDE,
    Role.CLERK,
    Role.REVIEWER,
    Role.SOCIAL_WORKER,
    Role.SPECIALIST,
    Role.MANAGER,
    Role.ADMIN,
)


def signed_in(user: Any) -> Any | None:
    """``user`` when signed in, else None: a row records who acted, and an anonymous visitor
    (a tracking link, a kiosk) or the system is recorded as no one."""
    return user if getattr(user, "is_authenticated", False) else None


def is_active_user(user: Any) -> bool:
    """``user`` is signed in to an account that is not switched off."""
    return signed_in(user) is not None and bool(user.is_active)


def require_role(user: Any, *roles: Role) -> None:
    """Raise Forbidden unless the user is signed in and holds one of ``roles``."""
    if not getattr(user, "is_authenticated", False):
        raise Forbidden(_("请先登录。"), code="not_authenticated", status=401)
    if not user.has_role(*roles):
        raise Forbidden(_("您的角色无权进行此操作。"), code="wrong_role")


def manages_district(user: Any, district_id: int | None) -> bool:
    """The user is signed in as a manager posted in the district ``district_id`` (at its
    office or one of its points)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.has_role(Role.MANAGER)
        and user.point_id
        and user.point.district_id == district_id
    )


def is_district_manager(user: Any, district_id: int | None) -> bool:
    """``manages_district``, or a superuser (who manages every district)."""
    return bool(getattr(user, "is_superuser", False)) or manages_district(user, district_id)
