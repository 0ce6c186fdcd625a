"""Reads of door-to-door service. A social worker or specialist sees only the visits assigned
to them; a manager the district's; a requester their own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from onetrip.access import is_active_user
from onetrip.errors import NotFound
from onetrip.homevisits.models import HomeVisit
from onetrip.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from onetrip.people.models import User


def home_visits_visible_to(*, user: User | AnonymousUser | None) -> QuerySet[HomeVisit]:
    qs = HomeVisit.objects.select_related(
        "matter", "applicant", "company", "assigned_to", "case", "point"
    )
    if not is_active_user(user):
        return qs.none()
    if user.is_superuser:
        return qs
    q = Q(requested_by=user) | Q(applicant__user=user) | Q(company__users=user)
    if user.has_role(Role.SOCIAL_WORKER, Role.SPECIALIST):
        q |= Q(assigned_to=user)
    if user.has_role(Role.MANAGER) and user.point is not None:
        q |= Q(district_id=user.point.district_id)
    return qs.filter(q).distinct()


def home_visit_get(*, user: User | AnonymousUser | None, visit_id: int) -> HomeVisit:
    visit = home_visits_visible_to(user=user).filter(pk=visit_id).first()
    if visit is None:
        raise NotFound(_("未找到该上门服务。"), code="visit_not_found")
    return visit
