"""Set-up: queues and windows, opening and closing a window (admin, demo data, tests)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.access import require_role
from onetrip.audit.services import audit_record
from onetrip.errors import Conflict, Forbidden, ValidationFailed, required_text
from onetrip.queueing.models import (
    ApplicantType,
    Queue,
    Ticket,
    TicketStatus,
    Window,
    WindowKind,
    WindowQueue,
)
from onetrip.queueing.selectors import (
    forget_cached_rows,
    staff_can_manage_point,
)
from onetrip.queueing.services._common import (
    _check_window_operator,
    _check_window_staff,
    _lock_window,
)
from onetrip.roles import Role

if TYPE_CHECKING:
    from onetrip.catalogue.models import Department, ServicePoint
    from onetrip.people.models import User


@transaction.atomic
def queue_create(
    *,
    point: ServicePoint,
    code: str,
    name: str,
    name_en: str = "",
    applicant_type: str = ApplicantType.SELF,
    department: Department | None = None,
    matters: list[Any] | tuple[Any, ...] = (),
    position: int = 0,
    is_open: bool = True,
    default_service_minutes: int = 8,
    actor: User | None = None,
) -> Queue:
    code = (code or "").strip().upper()
    if not code.isalpha() or not code.isascii() or not 1 <= len(code) <= 2:
        raise ValidationFailed(_("号码前缀须为一到两个英文字母。"), code="bad_queue_code")
    if applicant_type not in ApplicantType.values:
        raise ValidationFailed(_("办事人类型无效。"), code="bad_applicant_type")
    if department is not None and department.district_id != point.district_id:
        raise ValidationFailed(_("部门不属于该网点所在区县。"), code="department_out_of_scope")
    for matter in matters:
        if matter.district_id != point.district_id:
            raise ValidationFailed(_("事项不属于该网点所在区县。"), code="matter_out_of_scope")
    if Queue.objects.filter(point=point, code=code).exists():
        raise Conflict(
            _("该网点已有前缀为 %(code)s 的队列。") % {"code": code}, code="queue_exists"
        )
    queue = Queue.objects.create(
        point=point,
        code=code,
        name=name,
        name_en=(name_en or "").strip()[:100],
        applicant_type=applicant_type,
        department=department,
        position=position,
        is_open=is_open,
        default_service_minutes=default_service_minutes,
    )
    if matters:
        queue.matters.set(matters)
    audit_record(
        queue, "create", actor=actor, to_state="open" if is_open else "closed", point=point
    )
    return queue


@transaction.atomic
def queue_set_open(*, queue: Queue, is_open: bool, actor: User) -> Queue:
    require_role(actor, Role.MANAGER, Role.GUIDE, Role.CLERK)
    if not staff_can_manage_point(user=actor, point=queue.point):
        raise Forbidden(_("无权管理该网点的队列。"))
    before = "open" if queue.is_open else "closed"
    return _switch(queue, actor=actor, point=queue.point, from_state=before, is_open=is_open)


def _switch(
    row: Queue | Window,
    *,
    actor: User,
    point: ServicePoint,
    from_state: str,
    is_open: bool,
    **columns: Any,
) -> Any:
    """Open or close a queue or window: its row (and ``columns``), the cached rows the issue
    and call paths read, and the audit record."""
    type(row).objects.filter(pk=row.pk).update(is_open=is_open, **columns)
    transaction.on_commit(forget_cached_rows)
    row.is_open = is_open
    for name, value in columns.items():
        setattr(row, name, value)
    audit_record(
        row,
        "open" if is_open else "close",
        actor=actor,
        from_state=from_state,
        to_state="open" if is_open else "closed",
        point=point,
    )
    return row


@transaction.atomic
def window_create(
    *,
    point: ServicePoint,
    number: str,
    name: str = "",
    kind: str = WindowKind.SELF,
    queues: list[Queue] | tuple[Queue, ...] = (),
    actor: User | None = None,
) -> Window:
    number = required_text(
        number, _("请填写窗口号。"), code="window_number_required", field="number"
    )
    if kind not in WindowKind.values:
        raise ValidationFailed(_("窗口类型无效。"), code="bad_window_kind")
    for q in queues:
        if q.point_id != point.pk:
            raise ValidationFailed(_("队列不属于该网点。"), code="queue_out_of_scope")
    if Window.objects.filter(point=point, number=number).exists():
        raise Conflict(_("该网点已有 %(n)s 号窗口。") % {"n": number}, code="window_exists")
    window = Window.objects.create(point=point, number=number, name=name, kind=kind)
    WindowQueue.objects.bulk_create(
        [WindowQueue(window=window, queue=q, position=i) for i, q in enumerate(queues)]
    )
    audit_record(window, "create", actor=actor, to_state="closed", point=point)
    return window


@transaction.atomic
def window_open(*, window: Window, user: User, now: dt.datetime | None = None) -> Window:
    _check_window_staff(window=window, user=user)
    window = _lock_window(window)
    if window.is_open and window.clerk_id not in (None, user.pk):
        raise Conflict(
            _("该窗口已由 %(who)s 签到，请对方先签退。") % {"who": window.clerk},
            code="window_taken",
        )
    if window.is_open and window.clerk_id == user.pk:
        return window
    return _switch(
        window,
        actor=user,
        point=window.point,
        from_state="closed",
        is_open=True,
        clerk=user,
        opened_at=now or timezone.now(),
    )


@transaction.atomic
def window_close(*, window: Window, user: User) -> Window:
    _check_window_staff(window=window, user=user)
    window = _lock_window(window)
    if not window.is_open:
        return window
    _check_window_operator(window=window, user=user)
    if Ticket.objects.filter(
        window=window, status__in=[TicketStatus.CALLED, TicketStatus.SERVING]
    ).exists():
        raise Conflict(_("窗口还有正在叫号或办理中的号码，请先处理。"), code="window_busy")
    return _switch(
        window, actor=user, point=window.point, from_state="open", is_open=False, clerk=None
    )
