"""Reads: notices a staff member may see (scoped by district), and the demo phone inbox."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from onetrip.access import require_role
from onetrip.errors import NotFound
from onetrip.notices.models import Notice, NoticeStatus
from onetrip.notices.texts import TEMPLATES
from onetrip.roles import Role

STAFF_NOTICE_ROLES = (Role.MANAGER, Role.ADMIN, Role.CLERK)
PROBLEM_STATUSES = (
    NoticeStatus.PENDING,
    NoticeStatus.SENDING,
    NoticeStatus.FAILED,
    NoticeStatus.GIVEN_UP,
)
DEMO_SENDERS = ("console", "outbox")


def notice_scope(*, user: Any) -> QuerySet[Notice]:
    """Notices ``user`` may see: system administrators all; other staff their district's.

    Raises Forbidden for roles that have no business with notices.
    """
    require_role(user, *STAFF_NOTICE_ROLES)
    qs = Notice.objects.select_related("district")
    if user.is_superuser or (user.has_role(Role.ADMIN) and user.point_id is None):
        return qs
    point = user.point
    district_id = getattr(point, "district_id", None) if point else None
    if district_id is None:
        return qs.none()
    return qs.filter(district_id=district_id)


def notice_list(
    *, user: Any, status: str | None = None, template: str | None = None, limit: int = 200
) -> list[Notice]:
    """``status``: one status, ``"problem"`` (not yet sent or failed) or None/``"all"``."""
    qs = notice_scope(user=user)
    if status == "problem":
        qs = qs.filter(status__in=PROBLEM_STATUSES)
    elif status and status != "all":
        qs = qs.filter(status=status)
    if template:
        qs = qs.filter(template=template)
    return list(qs.order_by("-created_at", "-id")[:limit])


def notice_get(*, user: Any, notice_id: int) -> Notice:
    """One notice within the user's scope; NotFound otherwise (no hint that it exists)."""
    notice = notice_scope(user=user).filter(pk=notice_id).first()
    if notice is None:
        raise NotFound(_("未找到该通知。"))
    return notice


def demo_inbox_enabled() -> bool:
    """The demo phone inbox exists only in the demo (``ONETRIP_DEMO=1``), whatever the sender:
    in production it would show strangers everybody's login codes and tracking links."""
    return bool(settings.ONETRIP_DEMO)


def demo_inbox(*, phone: str | None = None, limit: int = 50) -> list[Notice]:
    """Latest messages delivered by the demo senders, newest first."""
    qs = Notice.objects.filter(sender__in=DEMO_SENDERS, status=NoticeStatus.SENT)
    if phone:
        qs = qs.filter(recipient=phone.strip())
    return list(qs.order_by("-sent_at", "-id")[:limit])


def notice_shown_text(notice: Notice) -> str:
    """The notice's text as staff may see it: a login code's is hidden."""
    tpl = TEMPLATES.find(notice.template)
    return _("（验证码内容已隐藏）") if tpl and tpl.sensitive else notice.text
