"""Role checks shared by pages and the API (foundation: any app may use them; the roles are
``onetrip.roles.Role`` values)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeGuard, TypeVar

from django.utils.translation import gettext as _

from onetrip.errors import Forbidden
from onetrip.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


class Person(Protocol):
    """What these checks read of a user. The user model (``onetrip.people.models.User``) sits
    above this layer, so the checks are generic over it: given a ``User | AnonymousUser``,
    ``signed_in`` answers a ``User | None`` and ``is_active_user`` narrows to ``User``."""

    @property
    def is_active(self) -> bool: ...

    @property
    def point_id(self) -> int | None: ...

    @property
    def point(self) -> Any: ...

    def has_role(self, *roles: Role) -> bool: ...


#: the user model, as the caller has it
U = TypeVar("U", bound=Person)

STAFF_ROLES = (
    Role.GUIDE,
    Role.CLERK,
    Role.REVIEWER,
    Role.SOCIAL_WORKER,
    Role.SPECIALIST,
    Role.MANAGER,
    Role.ADMIN,
)


def authenticated(user: U | AnonymousUser | None) -> TypeGuard[U]:
    """``user`` is signed in (its account may be switched off: see ``is_active_user``)."""
    return bool(getattr(user, "is_authenticated", False))


def signed_in(user: U | AnonymousUser | None) -> U | None:
    """``user`` when signed in, else None: a row records who acted, and an anonymous visitor
    (a tracking link, a kiosk) or the system is recorded as no one."""
    return user if authenticated(user) else None


def is_active_user(user: U | AnonymousUser | None) -> TypeGuard[U]:
    """``user`` is signed in to an account that is not switched off."""
    return authenticated(user) and bool(user.is_active)


def require_role(user: U | AnonymousUser | None, *roles: Role) -> U:
    """Raise Forbidden unless the user is signed in and holds one of ``roles``; else answer the
    user (signed in, to the type checker too)."""
    if not authenticated(user):
        raise Forbidden(_("请先登录。"), code="not_authenticated", status=401)
    if not user.has_role(*roles):
        raise Forbidden(_("您的角色无权进行此操作。"), code="wrong_role")
    return user


def manages_district(user: Person | AnonymousUser | None, district_id: int | None) -> bool:
    """The user is signed in as a manager posted in the district ``district_id`` (at its
    office or one of its points)."""
    return bool(
        authenticated(user)
        and user.has_role(Role.MANAGER)
        and user.point_id
        and user.point.district_id == district_id
    )


def is_district_manager(user: Person | AnonymousUser | None, district_id: int | None) -> bool:
    """``manages_district``, or a superuser (who manages every district)."""
    return bool(getattr(user, "is_superuser", False)) or manages_district(user, district_id)
