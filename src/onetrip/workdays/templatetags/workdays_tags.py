"""``{% load workdays_tags %}{% schedule_warning_text as w %}``: the calendar warning for
staff pages, without a context processor."""

from __future__ import annotations

from django import template

from onetrip.clock import local_today
from onetrip.roles import Role
from onetrip.workdays.selectors import schedule_warning

register = template.Library()


@register.simple_tag
def schedule_warning_text() -> str:
    return schedule_warning(today=local_today()) or ""


@register.inclusion_tag("workdays/_schedule_banner.html", takes_context=True)
def schedule_banner(context):
    """A banner for staff pages; shows nothing to non-staff or when all is well."""
    user = getattr(context.get("request"), "user", None)
    show = bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and (user.is_staff or user.has_role(Role.ADMIN, Role.MANAGER))
    )
    return {"warning": schedule_warning(today=local_today()) if show else ""}
