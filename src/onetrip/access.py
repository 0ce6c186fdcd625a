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


def require_role(user: Any, *roles: Role) -> None:
    """Raise Forbidden unless the user is signed in and holds one of ``roles``."""
    if not getattr(user, "is_authenticated", False):
        raise Forbidden(_("请先登录。"), code="not_authenticated", status=401)
    if not user.has_role(*roles):
        raise Forbidden(_("您的角色无权进行此操作。"), code="wrong_role")
