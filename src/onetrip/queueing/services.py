"""Writes for queues, windows and tickets. Every function is one transaction.

Concurrency: issuing takes the number from the (queue, day) counter row — on PostgreSQL, for
tickets known by a phone number only, in its own one-statement transaction just before the
ticket's (see ``ticket_issue``), so kiosks do not queue behind each other's whole transactions;
the one-live-ticket rule is then kept by a partial unique index. Calling locks the window row
only (``FOR UPDATE OF``; never the service point row, which every window shares), picks the next
ticket with ``select_for_update(skip_locked=True)`` (PostgreSQL; SQLite serialises writers with
IMMEDIATE transactions) and claims it with a conditional UPDATE that only succeeds while it is
still waiting.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.audit.models import AuditEvent
from onetrip.audit.services import audit_record
from onetrip.catalogue.models import ServicePoint
from onetrip.db import InsertParts, constraint_name
from onetrip.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from onetrip.people.permissions import require_role
from onetrip.people.validators import clean_phone
from onetrip.queueing.models import (
    LIVE_STATUSES,
    ApplicantType,
    DailyCounter,
    Queue,
    Ticket,
    TicketChannel,
    TicketEvent,
    TicketStatus,
    Window,
    WindowKind,
    WindowQueue,
)
from onetrip.queueing.selectors import (
    forget_cached_rows,
    local_day,
    point_is_open,
    queue_with_point,
    staff_can_manage_point,
    wait_figure_columns,
    wait_figures_from_row,
)
from onetrip.queueing.transitions import TRANSITIONS, WINDOW_ROLES


class TransitionRefused(DomainError):
    status = 409
    code = "illegal_transition"


# --------------------------------------------------------------------------------------------
# Set-up: queues and windows (used by admin, demo data and tests)


@transaction.atomic
def queue_create(
    *,
    point: Any,
    code: str,
    name: str,
    applicant_type: str = ApplicantType.SELF,
    department: Any = None,
    matters: list[Any] | tuple[Any, ...] = (),
    position: int = 0,
    is_open: bool = True,
    default_service_minutes: int = 8,
    actor: Any = None,
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
        applicant_type=applicant_type,
        department=department,
        position=position,
        is_open=is_open,
        default_service_minutes=default_service_minutes,
    )
    if matters:
        queue.matters.set(matters)
    audit_record(
        actor=actor,
        subject_type="queue",
        subject_id=queue.pk,
        action="create",
        to_state="open" if is_open else "closed",
        point=point,
    )
    return queue


@transaction.atomic
def queue_set_open(*, queue: Queue, is_open: bool, actor: Any) -> Queue:
    require_role(actor, "manager", "guide", "clerk")
    if not staff_can_manage_point(user=actor, point=queue.point):
        raise Forbidden(_("无权管理该网点的队列。"))
    before = "open" if queue.is_open else "closed"
    Queue.objects.filter(pk=queue.pk).update(is_open=is_open)
    queue.is_open = is_open
    transaction.on_commit(forget_cached_rows)
    audit_record(
        actor=actor,
        subject_type="queue",
        subject_id=queue.pk,
        action="open" if is_open else "close",
        from_state=before,
        to_state="open" if is_open else "closed",
        point=queue.point,
    )
    return queue


@transaction.atomic
def window_create(
    *,
    point: Any,
    number: str,
    name: str = "",
    kind: str = WindowKind.SELF,
    queues: list[Queue] | tuple[Queue, ...] = (),
    actor: Any = None,
) -> Window:
    number = (number or "").strip()
    if not number:
        raise ValidationFailed(_("请填写窗口号。"), code="window_number_required")
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
    audit_record(
        actor=actor,
        subject_type="window",
        subject_id=window.pk,
        action="create",
        to_state="closed",
        point=point,
    )
    return window


def _check_window_staff(*, window: Window, user: Any) -> None:
    require_role(user, *WINDOW_ROLES)
    if not staff_can_manage_point(user=user, point=window.point):
        raise Forbidden(_("该窗口不属于您所在的网点。"), code="window_out_of_scope")


def _lock_window(window: Window) -> Window:
    # ``of=self``: lock the window row only. Without it PostgreSQL also locks the joined
    # service point row, and every window of a hall would queue behind one another.
    return Window.objects.select_for_update(of=("self",)).select_related("point").get(pk=window.pk)


def _check_window_operator(*, window: Window, user: Any) -> None:
    """The window must be open, and operated by the clerk who opened it (or a manager)."""
    if not window.is_open:
        raise Conflict(_("窗口尚未开窗，请先签到开窗。"), code="window_closed")
    if window.clerk_id != user.pk and not user.has_role("manager"):
        raise Forbidden(_("该窗口已由其他人员签到。"), code="window_taken")


@transaction.atomic
def window_open(*, window: Window, user: Any, now: dt.datetime | None = None) -> Window:
    _check_window_staff(window=window, user=user)
    window = _lock_window(window)
    if window.is_open and window.clerk_id not in (None, user.pk):
        raise Conflict(
            _("该窗口已由 %(who)s 签到，请对方先签退。") % {"who": window.clerk},
            code="window_taken",
        )
    if window.is_open and window.clerk_id == user.pk:
        return window
    now = now or timezone.now()
    Window.objects.filter(pk=window.pk).update(is_open=True, clerk=user, opened_at=now)
    transaction.on_commit(forget_cached_rows)
    window.is_open, window.clerk, window.opened_at = True, user, now
    audit_record(
        actor=user,
        subject_type="window",
        subject_id=window.pk,
        action="open",
        from_state="closed",
        to_state="open",
        point=window.point,
    )
    return window


@transaction.atomic
def window_close(*, window: Window, user: Any) -> Window:
    _check_window_staff(window=window, user=user)
    window = _lock_window(window)
    if not window.is_open:
        return window
    _check_window_operator(window=window, user=user)
    if Ticket.objects.filter(
        window=window, status__in=[TicketStatus.CALLED, TicketStatus.SERVING]
    ).exists():
        raise Conflict(_("窗口还有正在叫号或办理中的号码，请先处理。"), code="window_busy")
    Window.objects.filter(pk=window.pk).update(is_open=False, clerk=None)
    transaction.on_commit(forget_cached_rows)
    window.is_open, window.clerk = False, None
    audit_record(
        actor=user,
        subject_type="window",
        subject_id=window.pk,
        action="close",
        from_state="open",
        to_state="closed",
        point=window.point,
    )
    return window


# --------------------------------------------------------------------------------------------
# Issuing tickets


def _next_number(*, queue: Queue, day: dt.date) -> int:
    """Increment the (queue, day) counter and return the new value (one statement; the row
    stays locked until the surrounding transaction, if any, ends)."""
    table = DailyCounter._meta.db_table
    sql = f"UPDATE {table} SET last = last + 1 WHERE queue_id = %s AND day = %s RETURNING last"
    with connection.cursor() as cur:
        cur.execute(sql, [queue.pk, day])
        row = cur.fetchone()
        if row is None:
            DailyCounter.objects.bulk_create(
                [DailyCounter(queue=queue, day=day, last=0)], ignore_conflicts=True
            )
            cur.execute(sql, [queue.pk, day])
            row = cur.fetchone()
    return int(row[0])


def _event(
    ticket: Ticket,
    *,
    action: str,
    from_status: str,
    to_status: str,
    at: dt.datetime,
    actor: Any = None,
    window: Window | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    TicketEvent.objects.create(
        ticket=ticket,
        at=at,
        action=action,
        from_status=from_status,
        to_status=to_status,
        window=window,
        actor=actor,
        note=note[:200],
    )
    if window is not None and window.point_id == ticket.point_id and Window.point.is_cached(window):
        point = window.point  # the same row, already loaded with the window: no query
    else:
        point = ticket.point if ticket.point_id else None
    audit_record(
        actor=actor,
        subject_type="ticket",
        subject_id=ticket.pk,
        action=action,
        from_state=from_status,
        to_state=to_status,
        note=note,
        point=point,
        data={
            "number": ticket.number,
            **({"window": window.number} if window else {}),
            **(data or {}),
        },
    )


def _refuse_duplicate() -> Conflict:
    return Conflict(
        _("您在该队列已有一个未办结的号码，无需重复取号。"), code="duplicate_live_ticket"
    )


def _check_can_issue(queue: Queue) -> None:
    if not queue.point.is_active:
        raise Conflict(_("该服务网点已停用。"), code="point_inactive")
    if not queue.is_open:
        raise Conflict(
            _("“%(queue)s”队列暂停取号，请咨询0号窗口。") % {"queue": queue.name},
            code="queue_closed",
        )


def ticket_issue(
    *,
    queue: Queue,
    phone: str = "",
    channel: str = TicketChannel.KIOSK,
    applicant: Any = None,
    company: Any = None,
    agency: Any = None,
    priority: bool = False,
    slot_start: dt.datetime | None = None,
    actor: Any = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Issue a ticket in ``queue``: now at a kiosk or window zero, or online for a time slot.

    Everything is validated before any write. The ticket, its event and its audit record are
    written atomically. The number comes from the (queue, day) counter row, the one hot spot
    when many kiosks issue in one queue:

    - on PostgreSQL, outside a caller's transaction (every web request), a ticket known by a
      phone number or by nobody is written by one statement (``_issue_in_one_statement``); the
      counter row is locked only while it runs and the one-live-ticket rule is the partial
      unique index on (queue, day, phone);
    - otherwise (SQLite, whose IMMEDIATE transactions serialise writers anyway; a caller's
      transaction; a registered applicant or company, which no index covers) the number is
      taken first inside the ticket's transaction, so the counter lock serialises the
      check-then-insert of that queue.
    """
    now = now or timezone.now()
    point = queue.point
    if channel not in TicketChannel.values:
        raise ValidationFailed(_("取号渠道无效。"), code="bad_channel")
    if channel == TicketChannel.GUIDE:
        require_role(actor, "guide", "clerk", "manager")
        if not staff_can_manage_point(user=actor, point=point):
            raise Forbidden(_("无权为该网点出号。"), code="point_out_of_scope")
    if phone:
        phone = clean_phone(phone)
    _check_can_issue(queue)
    if slot_start is not None:
        if timezone.is_naive(slot_start):
            raise ValidationFailed(_("预约时间须带时区。"), code="bad_slot")
        if slot_start < now:
            raise ValidationFailed(_("预约时段已过，请选择之后的时段。"), code="slot_in_past")
        if slot_start - now > dt.timedelta(days=14):
            raise ValidationFailed(_("只能预约14天内的时段。"), code="slot_too_far")
        if not point_is_open(point=point, at=slot_start):
            raise Conflict(_("所选预约时段不在网点办公时间内。"), code="point_closed")
        channel = TicketChannel.ONLINE
        when = slot_start
    else:
        if not point_is_open(point=point, at=now):
            raise Conflict(
                _(
                    "现在不在%(point)s的办公时间（%(opens)s–%(closes)s），请在办公时间内取号或网上预约。"
                )
                % {
                    "point": point.name,
                    "opens": point.opens_at.strftime("%H:%M")
                    if hasattr(point.opens_at, "strftime")
                    else point.opens_at,
                    "closes": point.closes_at.strftime("%H:%M")
                    if hasattr(point.closes_at, "strftime")
                    else point.closes_at,
                },
                code="point_closed",
            )
        when = now
    day = local_day(when)
    ticket = Ticket(
        queue=queue,
        point=point,
        day=day,
        channel=channel,
        priority=priority or queue.applicant_type == ApplicantType.PRIORITY,
        sort_at=when,
        issued_at=now,
        slot_start=slot_start,
        applicant_phone=phone,
        applicant=applicant,
        company=company,
        agency=agency,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and applicant is None
        and company is None
    ):
        return _issue_in_one_statement(ticket, actor=actor, now=now)
    who = Q()
    if phone:
        who |= Q(applicant_phone=phone)
    if applicant is not None:
        who |= Q(applicant=applicant)
    if company is not None:
        who |= Q(company=company)
    with transaction.atomic():
        # the counter row lock serialises this queue's issuing from here to the commit, which
        # makes the live-ticket check below safe for registered applicants and companies
        ticket.seq = _next_number(queue=queue, day=day)
        ticket.number = f"{queue.code}{ticket.seq:03d}"
        if not Queue.objects.filter(pk=queue.pk, is_open=True, point__is_active=True).exists():
            _check_can_issue(queue_with_point(queue_id=queue.pk))  # the caller's row was stale
        live = Ticket.objects.filter(who, queue=queue, day=day, status__in=LIVE_STATUSES)
        if who and live.exists():
            raise _refuse_duplicate()
        try:
            # No savepoint: on a (rare) race the whole issuing transaction is rolled back anyway.
            ticket.save(force_insert=True)
        except IntegrityError as exc:
            raise _refuse_duplicate() from exc
        _event(
            ticket,
            action="issue",
            from_status="",
            to_status=TicketStatus.WAITING,
            at=now,
            actor=actor,
            data={"channel": channel},
        )
    return ticket


def _issue_in_one_statement(ticket: Ticket, *, actor: Any, now: dt.datetime) -> Ticket:
    """PostgreSQL, a kiosk or guide ticket outside any transaction (the path of every web
    request): the counter, the ticket, its event and its audit record are written, and the wait
    figures for the reply read, by ONE statement, so it is one round trip and one commit.

    The counter row is locked only while that statement runs. A second live ticket for the same
    phone violates the partial unique index: the statement fails as a whole, the counter
    increment included, so a refusal leaves no gap in the day's numbers. (Events written here
    send no post_save signal; only call events have receivers.)"""
    queue = ticket.queue
    actor = actor if getattr(actor, "is_authenticated", False) else None
    number_sql = (
        "%s || CASE WHEN c.last < 1000 THEN lpad(c.last::text, 3, '0') ELSE c.last::text END"
    )
    row = InsertParts(ticket, exprs={"seq": ("c.last", []), "number": (number_sql, [queue.code])})
    event, audit = _event_parts(
        source="t",
        action="issue",
        actor=actor,
        point=ticket.point,
        now=now,
        from_sql="''",
        to=TicketStatus.WAITING,
        data=("channel", ticket.channel),
    )
    counter = DailyCounter._meta.db_table
    figures, figure_params = wait_figure_columns(
        queue_id=queue.pk, day=ticket.day, ahead_of=ticket, ahead_id_sql="t.id"
    )
    # g: the queue is still open and its point active (the caller may hold a cached row)
    sql = (
        f"WITH g AS (SELECT 1 FROM {Queue._meta.db_table} q"
        f" INNER JOIN {ServicePoint._meta.db_table} p ON p.id = q.point_id"
        " WHERE q.id = %s AND q.is_open AND p.is_active),"
        f" c AS (INSERT INTO {counter} (queue_id, day, last) SELECT %s, %s, 1 FROM g"
        f" ON CONFLICT (queue_id, day) DO UPDATE SET last = {counter}.last + 1 RETURNING last),"
        f" t AS ({row.insert_select('c', 'id, seq, number')}),"
        f" e AS ({event.insert_select('t')}),"
        f" a AS ({audit.insert_select('t')})"
        f" SELECT t.id, t.seq, t.number, {', '.join(figures)} FROM t"
    )
    params = [
        queue.pk,
        queue.pk,
        ticket.day,
        *row.params,
        *event.params,
        *audit.params,
        *figure_params,
    ]
    try:
        with connection.cursor() as cur:
            cur.execute(sql, params)
            result = cur.fetchone()
    except IntegrityError as exc:
        if constraint_name(exc) == "one_live_ticket_per_phone_and_queue":
            raise _refuse_duplicate() from exc
        raise
    if result is None:  # closed or deactivated since the caller read it: say which, as usual
        fresh = queue_with_point(queue_id=queue.pk)
        if fresh is None:
            raise NotFound(_("未找到该队列。"), code="queue_not_found")
        _check_can_issue(fresh)
        ticket.queue, ticket.point = fresh, fresh.point  # reopened meanwhile: try once more
        return _issue_in_one_statement(ticket, actor=actor, now=now)
    ticket.pk, ticket.seq, ticket.number = result[0], result[1], result[2]
    ticket._state.adding = False
    ticket._state.db = connection.alias
    ticket.issued_wait_figures = wait_figures_from_row(result[3:6])
    return ticket


# --------------------------------------------------------------------------------------------
# Calling and serving


def _fast_path() -> bool:
    """One-statement writes: PostgreSQL, and no caller's transaction to join."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


#: Window actions on the current ticket that one statement can do: the extra columns they set
#: (``%s`` takes, in order, the values named in the tuple).
_ONE_STATEMENT_ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "start": ("started_at = %s, served_by_id = %s", ("now", "user")),
    "finish": ("finished_at = %s", ("now",)),
    "no_show": ("no_show_at = %s", ("now",)),
    "return": ("window_id = NULL", ()),
    "recall": ("called_at = %s, call_count = x.call_count + 1", ("now",)),
}
# written into the SQL (constants, not input), so prepared generic plans can use the partial
# index ticket_at_window_now
_CURRENT_SQL = f"('{TicketStatus.CALLED.value}', '{TicketStatus.SERVING.value}')"


def _window_guard(window: Window, user: Any) -> tuple[str, list[Any]]:
    """CTE ``w``: the window row, locked, if it is open and operated by this user (or a
    manager); empty otherwise (the ORM path then says why)."""
    return (
        f"w AS (SELECT id FROM {Window._meta.db_table} WHERE id = %s AND point_id = %s"
        " AND is_open AND (clerk_id = %s OR %s) FOR UPDATE)",
        [window.pk, window.point_id, user.pk, bool(user.has_role("manager"))],
    )


def _event_parts(
    *,
    source: str,
    action: str,
    actor: Any,
    point: Any,
    now: dt.datetime,
    from_sql: str,
    to: str,
    data: tuple[str, str],
    window: Window | None = None,
    note: str = "",
) -> tuple[InsertParts, InsertParts]:
    """The TicketEvent and audit record a one-statement write inserts for the ticket row that
    CTE ``source`` returns (the rows ``_event`` writes on the ORM path). ``from_sql`` is the
    SQL of the previous status; ``data`` the audit data's key and value beside the number."""
    key, value = data
    event = InsertParts(
        TicketEvent(
            at=now, action=action, to_status=to, window=window, actor=actor, note=note[:200]
        ),
        exprs={"ticket_id": (f"{source}.id", []), "from_status": (from_sql, [])},
    )
    audit = InsertParts(
        AuditEvent(
            actor=actor,
            subject_type="ticket",
            action=action,
            to_state=to,
            note=note,
            point=point,
        ),
        exprs={
            "subject_id": (f"{source}.id::text", []),
            "from_state": (from_sql, []),
            "data": (f"jsonb_build_object('number', {source}.number, '{key}', %s::text)", [value]),
        },
    )
    return event, audit


def _ticket_from_values(values: Any, *, window: Window) -> Ticket:
    from onetrip.queueing.selectors import _convert, queue_with_point_cached

    fields = Ticket._meta.concrete_fields
    ticket = Ticket.from_db(connection.alias, [f.attname for f in fields], _convert(values, fields))
    if ticket.window_id == window.pk:
        ticket.window = window
    if ticket.point_id == window.point_id:
        ticket.point = window.point
    queue = queue_with_point_cached(queue_id=ticket.queue_id)
    if queue is not None:
        ticket.queue = queue
    return ticket


def _ticket_returning() -> str:
    return ", ".join(f'x."{f.column}"' for f in Ticket._meta.concrete_fields)


def _call_next_in_one_statement(*, window: Window, user: Any, now: dt.datetime) -> Ticket | None:
    """Lock the window row (if open and ours), check no ticket is at it, take the head of each
    of its queues (green channel first) skipping rows other windows hold this instant, call the
    best one and write its event and audit record: one statement, one round trip. None when
    nobody was called."""
    t, wq = Ticket._meta.db_table, WindowQueue._meta.db_table
    guard, guard_params = _window_guard(window, user)
    event, audit = _event_parts(
        source="upd",
        action="call",
        actor=user,
        point=window.point,
        now=now,
        from_sql="upd.before",
        to=TicketStatus.CALLED,
        data=("window", window.number),
        window=window,
    )
    day = local_day(now)
    sql = (
        f"WITH {guard},"
        f" busy AS (SELECT 1 FROM {t} b INNER JOIN w ON b.window_id = w.id"
        f"  WHERE b.status IN {_CURRENT_SQL} LIMIT 1),"
        f" cand AS (SELECT c.id, c.priority, wq.position, c.sort_at FROM {wq} wq"
        "  INNER JOIN w ON wq.window_id = w.id"
        "  CROSS JOIN (VALUES (true), (false)) AS p(flag)"
        f"  CROSS JOIN LATERAL (SELECT o.id, o.priority, o.sort_at FROM {t} o"
        "   WHERE o.queue_id = wq.queue_id AND o.status = %s AND o.priority = p.flag"
        "   AND o.day = %s AND o.sort_at <= %s ORDER BY o.sort_at, o.id LIMIT 1"
        "   FOR UPDATE SKIP LOCKED) c"
        "  WHERE NOT EXISTS (SELECT 1 FROM busy)),"
        " pick AS (SELECT id FROM cand ORDER BY priority DESC, position, sort_at, id LIMIT 1),"
        f" upd AS (UPDATE {t} x SET status = %s, window_id = %s, called_at = %s,"
        "  served_by_id = %s, first_called_at = COALESCE(x.first_called_at, %s),"
        "  call_count = x.call_count + 1 FROM pick WHERE x.id = pick.id AND x.status = %s"
        f"  RETURNING {_ticket_returning()}, %s::varchar AS before),"
        f" e AS ({event.insert_select('upd', 'id')}),"
        f" a AS ({audit.insert_select('upd')})"
        " SELECT upd.*, (SELECT id FROM e) FROM upd"
    )
    params = [
        *guard_params,
        TicketStatus.WAITING,
        day,
        now,
        TicketStatus.CALLED,
        window.pk,
        now,
        user.pk,
        now,
        TicketStatus.WAITING,
        TicketStatus.WAITING,
        *event.params,
        *audit.params,
    ]
    # one transaction with what the event's receivers write (the reminder's task row): one
    # commit, and a reminder is queued exactly when the call happened
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(sql, params)
            row = cur.fetchone()
        if row is None:
            return None
        return _announce_call(row, window=window, user=user, now=now)


def _announce_call(row: Any, *, window: Window, user: Any, now: dt.datetime) -> Ticket:
    ticket = _ticket_from_values(row[:-2], window=window)
    # the event was written in SQL: tell its receivers (tracking's "3 ahead" reminder) as a
    # save would have
    written = TicketEvent(
        pk=row[-1],
        ticket_id=ticket.pk,
        at=now,
        action="call",
        from_status=TicketStatus.WAITING,
        to_status=TicketStatus.CALLED,
        window=window,
        actor=user,
    )
    written._state.adding = False
    written._state.db = connection.alias
    post_save.send(
        sender=TicketEvent,
        instance=written,
        created=True,
        update_fields=None,
        raw=False,
        using=connection.alias,
    )
    return ticket


def _act_in_one_statement(
    *, action: str, window: Window, user: Any, now: dt.datetime, note: str
) -> Ticket | None:
    """A window action on its current ticket (start, finish, no-show, return, recall) in one
    statement: lock the window row (if open and ours) and its current ticket, move the ticket
    if the transition table allows it from its state, write event and audit record. None when
    nothing moved (the ORM path then raises the precise error)."""
    t = Ticket._meta.db_table
    transition = TRANSITIONS[action]
    sets, names = _ONE_STATEMENT_ACTIONS[action]
    values = {"now": now, "user": user.pk}
    guard, guard_params = _window_guard(window, user)
    event, audit = _event_parts(
        source="upd",
        action=action,
        actor=user,
        point=window.point,
        now=now,
        from_sql="upd.before",
        to=transition.target,
        data=("window", window.number),
        window=window,
        note=note,
    )
    sources = sorted(transition.sources)
    sql = (
        f"WITH {guard},"
        f" cur AS (SELECT c.id, c.status FROM {t} c INNER JOIN w ON c.window_id = w.id"
        f"  WHERE c.status IN {_CURRENT_SQL} ORDER BY c.called_at DESC LIMIT 1 FOR UPDATE OF c),"
        f" upd AS (UPDATE {t} x SET status = %s, {sets} FROM cur"
        f"  WHERE x.id = cur.id AND cur.status IN ({', '.join(['%s'] * len(sources))})"
        f"  RETURNING {_ticket_returning()}, cur.status AS before),"
        f" e AS ({event.insert_select('upd')}),"
        f" a AS ({audit.insert_select('upd')})"
        " SELECT upd.* FROM upd"
    )
    params = [
        *guard_params,
        transition.target,
        *[values[n] for n in names],
        *sources,
        *event.params,
        *audit.params,
    ]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    if row is None:
        return None
    return _ticket_from_values(row[:-1], window=window)


def _check_transition(ticket: Ticket, action: str) -> str:
    t = TRANSITIONS[action]
    if ticket.status not in t.sources:
        raise TransitionRefused(
            _("号码 %(number)s 当前为“%(status)s”，不能%(action)s。")
            % {
                "number": ticket.number,
                "status": TicketStatus(ticket.status).label,
                "action": t.label,
            }
        )
    return t.target


def _next_waiting_id(window: Window, now: dt.datetime) -> int | None:
    """The ticket this window should call next: green-channel tickets first (in the window's
    queue order, oldest first), then the window's queues in their order, oldest first.

    Each probe is an ``ORDER BY … LIMIT 1`` that the (queue, status, priority, sort_at) index
    answers without sorting the whole waiting list, so a long queue does not slow calling down.
    On PostgreSQL every probe skips tickets another window has locked this instant.
    """
    day = local_day(now)
    waiting = Ticket.objects.filter(status=TicketStatus.WAITING, day=day, sort_at__lte=now)
    if connection.features.has_select_for_update_skip_locked:
        waiting = waiting.select_for_update(skip_locked=True, of=("self",))
    found = (
        waiting.filter(queue__window_queues__window=window, priority=True)
        .order_by("queue__window_queues__position", "sort_at", "id")
        .values_list("id", flat=True)
        .first()
    )
    if found is not None:
        return found
    groups: dict[int, list[int]] = {}
    for queue_id, position in window.window_queues.order_by("position", "id").values_list(
        "queue_id", "position"
    ):
        groups.setdefault(position, []).append(queue_id)
    for queue_ids in groups.values():  # queues sharing a position are served oldest first
        found = (
            waiting.filter(queue_id__in=queue_ids, priority=False)
            .order_by("sort_at", "id")
            .values_list("id", flat=True)
            .first()
        )
        if found is not None:
            return found
    return None


def _has_current(window: Window) -> bool:
    return Ticket.objects.filter(
        window=window, status__in=[TicketStatus.CALLED, TicketStatus.SERVING]
    ).exists()


def _current(window: Window) -> Ticket | None:
    current = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("queue")
        .filter(window=window, status__in=[TicketStatus.CALLED, TicketStatus.SERVING])
        .order_by("-called_at")
        .first()
    )
    if current is not None:
        _attach(current, window)
    return current


def _attach(ticket: Ticket, window: Window) -> None:
    """Reuse the locked window's rows on a ticket of that window (saves two queries)."""
    if ticket.point_id == window.point_id and Window.point.is_cached(window):
        ticket.point = window.point
    if ticket.window_id == window.pk:
        ticket.window = window


def _claim(*, ticket_id: int, window: Window, user: Any, now: dt.datetime) -> Ticket | None:
    """The final guard: the ticket becomes ours only if it is still waiting (one UPDATE)."""
    updated = Ticket.objects.filter(pk=ticket_id, status=TicketStatus.WAITING).update(
        status=TicketStatus.CALLED,
        window=window,
        called_at=now,
        served_by=user,
        first_called_at=Coalesce(F("first_called_at"), Value(now, output_field=DateTimeField())),
        call_count=F("call_count") + 1,
    )
    if updated != 1:
        return None
    ticket = Ticket.objects.select_related("queue").get(pk=ticket_id)
    _attach(ticket, window)
    return ticket


def ticket_call_next(*, window: Window, user: Any, now: dt.datetime | None = None) -> Ticket:
    """Call the next waiting ticket for this window: green-channel tickets first, then the
    window's queues in their order, oldest first. Never hands one ticket to two windows.

    On PostgreSQL outside a caller's transaction one statement does it all; when it calls
    nobody (window closed or taken, a ticket still at the window, nobody waiting) the ORM path
    below runs the same checks again and says which."""
    _check_window_staff(window=window, user=user)
    now = now or timezone.now()
    if _fast_path():
        ticket = _call_next_in_one_statement(window=window, user=user, now=now)
        if ticket is not None:
            return ticket
    with transaction.atomic():
        return _call_next_locked(window=window, user=user, now=now)


def _call_next_locked(*, window: Window, user: Any, now: dt.datetime) -> Ticket:
    window = _lock_window(window)
    _check_window_operator(window=window, user=user)
    if _has_current(window):  # the window row lock keeps this true until we commit
        raise Conflict(
            _("当前号码尚未处理完毕（开始办理、过号或退回后再叫下一位）。"), code="window_busy"
        )
    for _attempt in range(5):
        ticket_id = _next_waiting_id(window, now)
        if ticket_id is None:
            break
        ticket = _claim(ticket_id=ticket_id, window=window, user=user, now=now)
        if ticket is not None:
            _event(
                ticket,
                action="call",
                from_status=TicketStatus.WAITING,
                to_status=TicketStatus.CALLED,
                at=now,
                actor=user,
                window=window,
            )
            return ticket
    raise NotFound(_("当前没有等候的号码。"), code="queue_empty")


def _ticket_at_window(*, window: Window, ticket: Ticket | None) -> Ticket:
    if ticket is None:
        current = _current(window)
        if current is None:
            raise Conflict(_("该窗口当前没有号码。"), code="no_current_ticket")
        return current
    locked = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("queue")
        .filter(pk=ticket.pk)
        .first()
    )
    if locked is None or locked.point_id != window.point_id:
        raise NotFound(_("未找到该号码。"), code="ticket_not_found")
    _attach(locked, window)
    return locked


@transaction.atomic
def ticket_call(
    *, window: Window, ticket: Ticket, user: Any, now: dt.datetime | None = None
) -> Ticket:
    """Call a chosen waiting ticket out of order (it must be one this window serves)."""
    _check_window_staff(window=window, user=user)
    window = _lock_window(window)
    _check_window_operator(window=window, user=user)
    if _has_current(window):
        raise Conflict(_("当前号码尚未处理完毕。"), code="window_busy")
    if ticket.point_id != window.point_id:
        raise NotFound(_("未找到该号码。"), code="ticket_not_found")
    if not WindowQueue.objects.filter(window=window, queue_id=ticket.queue_id).exists():
        raise ValidationFailed(_("该号码不属于本窗口服务的队列。"), code="queue_not_served")
    fresh = Ticket.objects.get(pk=ticket.pk)
    _check_transition(fresh, "call")
    now = now or timezone.now()
    claimed = _claim(ticket_id=ticket.pk, window=window, user=user, now=now)
    if claimed is None:
        raise Conflict(_("该号码已被其他窗口叫走。"), code="already_called")
    _event(
        claimed,
        action="call",
        from_status=TicketStatus.WAITING,
        to_status=TicketStatus.CALLED,
        at=now,
        actor=user,
        window=window,
        note="out of order",
    )
    return claimed


def _window_action(
    *,
    action: str,
    window: Window,
    user: Any,
    ticket: Ticket | None = None,
    now: dt.datetime | None = None,
    note: str = "",
    updates: dict[str, Any] | None = None,
    need_open: bool = True,
) -> Ticket:
    _check_window_staff(window=window, user=user)
    now = now or timezone.now()
    if ticket is None and need_open and action in _ONE_STATEMENT_ACTIONS and _fast_path():
        done = _act_in_one_statement(action=action, window=window, user=user, now=now, note=note)
        if done is not None:
            return done
    with transaction.atomic():
        return _act_locked(
            action=action,
            window=window,
            user=user,
            ticket=ticket,
            now=now,
            note=note,
            updates=updates,
            need_open=need_open,
        )


def _act_locked(
    *,
    action: str,
    window: Window,
    user: Any,
    ticket: Ticket | None,
    now: dt.datetime,
    note: str,
    updates: dict[str, Any] | None,
    need_open: bool,
) -> Ticket:
    window = _lock_window(window)
    if need_open:
        _check_window_operator(window=window, user=user)
    t = _ticket_at_window(window=window, ticket=ticket)
    if t.window_id not in (None, window.pk) and t.status != TicketStatus.WAITING:
        raise Conflict(_("该号码正由其他窗口处理。"), code="ticket_at_other_window")
    target = _check_transition(t, action)
    before = t.status
    fields = {"status": target, **(updates or {})}
    for key, value in fields.items():
        setattr(t, key, value(now) if callable(value) else value)
    t.save(update_fields=list(fields))
    if "call_count" in fields:
        t.refresh_from_db(fields=["call_count"])
    _event(
        t,
        action=action,
        from_status=before,
        to_status=target,
        at=now,
        actor=user,
        window=window,
        note=note,
    )
    return t


def ticket_recall(
    *, window: Window, user: Any, ticket: Ticket | None = None, now: dt.datetime | None = None
) -> Ticket:
    """Call the current ticket again (the board chimes and reads it out once more)."""
    return _window_action(
        action="recall",
        window=window,
        user=user,
        ticket=ticket,
        now=now,
        updates={"called_at": lambda n: n, "call_count": F("call_count") + 1},
    )


def ticket_no_show(
    *, window: Window, user: Any, ticket: Ticket | None = None, now: dt.datetime | None = None
) -> Ticket:
    """Called but absent (过号) — distinct from walking out before being called."""
    return _window_action(
        action="no_show",
        window=window,
        user=user,
        ticket=ticket,
        now=now,
        updates={"no_show_at": lambda n: n},
    )


def ticket_return(
    *, window: Window, user: Any, ticket: Ticket | None = None, now: dt.datetime | None = None
) -> Ticket:
    """Put a called ticket back in its queue (keeps its place: the original order time)."""
    return _window_action(
        action="return",
        window=window,
        user=user,
        ticket=ticket,
        now=now,
        updates={"window": None},
    )


def ticket_start(
    *, window: Window, user: Any, ticket: Ticket | None = None, now: dt.datetime | None = None
) -> Ticket:
    return _window_action(
        action="start",
        window=window,
        user=user,
        ticket=ticket,
        now=now,
        updates={"started_at": lambda n: n, "served_by": user},
    )


def ticket_finish(
    *, window: Window, user: Any, ticket: Ticket | None = None, now: dt.datetime | None = None
) -> Ticket:
    return _window_action(
        action="finish",
        window=window,
        user=user,
        ticket=ticket,
        now=now,
        updates={"finished_at": lambda n: n},
    )


def ticket_park(
    *,
    window: Window,
    user: Any,
    ticket: Ticket | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """Park a ticket while the applicant fills in a form (typically at window zero)."""
    return _window_action(
        action="park",
        window=window,
        user=user,
        ticket=ticket,
        now=now,
        note=note,
        updates={"window": window},
    )


def ticket_resume(
    *, window: Window, user: Any, ticket: Ticket, now: dt.datetime | None = None
) -> Ticket:
    """A parked ticket goes back to waiting with its original place in the queue."""
    return _window_action(
        action="resume",
        window=window,
        user=user,
        ticket=ticket,
        now=now,
        updates={"window": None},
        need_open=False,
    )


@transaction.atomic
def ticket_transfer(
    *,
    window: Window,
    user: Any,
    to_queue: Queue,
    ticket: Ticket | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """Move a ticket to another queue of the same point, keeping its number and issue time."""
    _check_window_staff(window=window, user=user)
    if to_queue.point_id != window.point_id:
        raise ValidationFailed(_("只能转到本网点的队列。"), code="queue_out_of_scope")
    locked = _lock_window(window)
    t = _ticket_at_window(window=locked, ticket=ticket)
    if t.queue_id == to_queue.pk:
        raise ValidationFailed(_("号码已在该队列中。"), code="same_queue")
    if t.window_id not in (None, locked.pk) and t.status != TicketStatus.WAITING:
        raise Conflict(_("该号码正由其他窗口处理。"), code="ticket_at_other_window")
    target = _check_transition(t, "transfer")
    if (
        t.applicant_phone
        and Ticket.objects.filter(
            queue=to_queue, day=t.day, applicant_phone=t.applicant_phone, status__in=LIVE_STATUSES
        ).exists()
    ):
        raise Conflict(_("该办事人在目标队列已有号码。"), code="duplicate_live_ticket")
    now = now or timezone.now()
    before, from_queue = t.status, t.queue
    t.transferred_from = from_queue
    t.queue = to_queue
    t.status = target
    t.window = None
    t.save(update_fields=["transferred_from", "queue", "status", "window"])
    _event(
        t,
        action="transfer",
        from_status=before,
        to_status=target,
        at=now,
        actor=user,
        window=locked,
        note=note or f"{from_queue.code} → {to_queue.code}",
        data={"from_queue": from_queue.code, "to_queue": to_queue.code},
    )
    return t


@transaction.atomic
def ticket_walk_out(
    *, ticket: Ticket, actor: Any = None, note: str = "", now: dt.datetime | None = None
) -> Ticket:
    """The applicant left before being called (or the day ended): not a no-show."""
    locked = (
        Ticket.objects.select_for_update(of=("self",)).select_related("point").get(pk=ticket.pk)
    )
    if actor is not None:
        require_role(actor, *WINDOW_ROLES)
        if not staff_can_manage_point(user=actor, point=locked.point):
            raise Forbidden(_("无权操作该网点的号码。"))
    target = _check_transition(locked, "walk_out")
    now = now or timezone.now()
    before = locked.status
    locked.status, locked.walked_out_at, locked.window = target, now, None
    locked.save(update_fields=["status", "walked_out_at", "window"])
    _event(
        locked,
        action="walk_out",
        from_status=before,
        to_status=target,
        at=now,
        actor=actor,
        note=note,
    )
    return locked


def tickets_close_day(*, before_day: dt.date, now: dt.datetime | None = None) -> int:
    """End-of-day sweep: tickets of earlier days still waiting or parked become walk-outs,
    called ones become no-shows; served ones are finished. Returns how many were closed."""
    now = now or timezone.now()
    closed = 0
    stale = Ticket.objects.filter(day__lt=before_day, status__in=LIVE_STATUSES).values_list(
        "pk", "status"
    )
    for pk, status in list(stale):
        with transaction.atomic():
            t = Ticket.objects.select_for_update(of=("self",)).select_related("point").get(pk=pk)
            if t.status != status:
                continue
            if status in (TicketStatus.WAITING, TicketStatus.PARKED):
                t.status, t.walked_out_at, action = TicketStatus.WALKED_OUT, now, "walk_out"
            elif status == TicketStatus.CALLED:
                t.status, t.no_show_at, action = TicketStatus.NO_SHOW, now, "no_show"
            else:
                t.status, t.finished_at, action = TicketStatus.DONE, now, "finish"
            t.save(update_fields=["status", "walked_out_at", "no_show_at", "finished_at"])
            _event(
                t, action=action, from_status=status, to_status=t.status, at=now, note="day closed"
            )
            closed += 1
    return closed
