"""Role checks shared by pages and the API (foundation: any app may use them; the roles are
``people.models.Role`` values)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from onetrip.errors import Forbidden

STAFF_ROLES = ("guide", "clerk", "reviewer", "social_worker", "specialist", "manager", "admin")


def require_role(user: Any, *roles: str) -> None:
    """Raise Forbidden unless the user is signed in and holds one of ``roles``."""
    if not getattr(user, "is_authenticated", False):
        raise Forbidden(_("请先登录。"), code="not_authenticated", status=401)
    if not user.has_role(*roles):
        raise Forbidden(_("您的角色无权进行此操作。"), code="wrong_role")
