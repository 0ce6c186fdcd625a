"""The PostgreSQL one-statement writes: issuing, calling the next ticket and the window actions
on the current ticket, each one data-modifying ``WITH`` statement (see docs/performance.md).
When one changes nothing, the caller falls back to the ORM path, which says why."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from onetrip.access import signed_in
from onetrip.audit.models import AuditEvent
from onetrip.catalogue.models import ServicePoint
from onetrip.clock import local_today
from onetrip.db import InsertParts, constraint_name
from onetrip.errors import NotFound
from onetrip.queueing.contract import call_order_sql, sql_sets
from onetrip.queueing.models import (
    DailyCounter,
    Queue,
    Ticket,
    TicketEvent,
    TicketStatus,
    Window,
    WindowQueue,
)
from onetrip.queueing.selectors import (
    queue_with_point,
    wait_figure_columns,
    wait_figures_from_row,
)
from onetrip.queueing.services._common import (
    _check_can_issue,
    _refuse_duplicate,
)
from onetrip.queueing.signals import ticket_called
from onetrip.queueing.transitions import TRANSITIONS
from onetrip.roles import Role

if TYPE_CHECKING:
    from onetrip.people.models import User

# written into the SQL (constants, not input), so prepared generic plans can use the partial
# index ticket_at_window_now
_CURRENT_SQL = f"('{TicketStatus.CALLED.value}', '{TicketStatus.SERVING.value}')"


def _window_guard(window: Window, user: User) -> tuple[str, list[Any]]:
    """CTE ``w``: the window row, locked, if it is open and operated by this user (or a
    manager); empty otherwise (the ORM path then says why)."""
    return (
        f"w AS (SELECT id FROM {Window._meta.db_table} WHERE id = %s AND point_id = %s"
        " AND is_open AND (clerk_id = %s OR %s) FOR UPDATE)",
        [window.pk, window.point_id, user.pk, bool(user.has_role(Role.MANAGER))],
    )


def _event_parts(
    *,
    source: str,
    action: str,
    actor: User | None,
    point: ServicePoint,
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


def _window_write_parts(
    *, action: str, window: Window, user: User, now: dt.datetime, to: str, note: str = ""
) -> tuple[tuple[str, list[Any]], InsertParts, InsertParts]:
    """What every window action's statement shares: the window guard (CTE ``w``) and the
    event and audit rows for the ticket CTE ``upd`` returns (its ``before`` column holds the
    previous status)."""
    event, audit = _event_parts(
        source="upd",
        action=action,
        actor=user,
        point=window.point,
        now=now,
        from_sql="upd.before",
        to=to,
        data=("window", window.number),
        window=window,
        note=note,
    )
    return _window_guard(window, user), event, audit


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


def _call_next_in_one_statement(*, window: Window, user: User, now: dt.datetime) -> Ticket | None:
    """Lock the window row (if open and ours), check no ticket is at it, take the head of each
    of its queues (green channel first) skipping rows other windows hold this instant, call the
    best one and write its event and audit record: one statement, one round trip. None when
    nobody was called."""
    t, wq = Ticket._meta.db_table, WindowQueue._meta.db_table
    (guard, guard_params), event, audit = _window_write_parts(
        action="call", window=window, user=user, now=now, to=TicketStatus.CALLED
    )
    day = local_today(now)
    sets, set_params = sql_sets("call", now=now, user=user, window=window)
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
        # checked-in appointments whose slot has begun: ahead of walk-ins (status and the
        # slot_start test are constants, so the partial index ticket_booked_waiting serves)
        f" booked AS (SELECT c.id, c.priority, wq.position, c.sort_at FROM {wq} wq"
        "  INNER JOIN w ON wq.window_id = w.id"
        "  CROSS JOIN (VALUES (true), (false)) AS p(flag)"
        f"  CROSS JOIN LATERAL (SELECT o.id, o.priority, o.sort_at FROM {t} o"
        f"   WHERE o.queue_id = wq.queue_id AND o.status = '{TicketStatus.WAITING.value}'"
        "   AND o.slot_start IS NOT NULL AND o.priority = p.flag"
        "   AND o.day = %s AND o.sort_at <= %s ORDER BY o.sort_at, o.id LIMIT 1"
        "   FOR UPDATE SKIP LOCKED) c"
        "  WHERE NOT EXISTS (SELECT 1 FROM busy)),"
        # CALL_ORDER: green channel, then booked, then the window's queue order, oldest first
        " pick AS (SELECT id FROM (SELECT id, priority, true AS booked, position, sort_at"
        "  FROM booked UNION ALL SELECT id, priority, false, position, sort_at FROM cand) u"
        f"  ORDER BY {call_order_sql()} LIMIT 1),"
        f" upd AS (UPDATE {t} x SET status = %s, {sets}"
        "  FROM pick WHERE x.id = pick.id AND x.status = %s"
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
        day,
        now,
        TicketStatus.CALLED,
        *set_params,
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


def _announce_call(row: Any, *, window: Window, user: User, now: dt.datetime) -> Ticket:
    ticket = _ticket_from_values(row[:-2], window=window)
    # the same signal the ORM path sends (tracking's "3 ahead" reminder listens)
    ticket_called.send(sender=Ticket, ticket=ticket, window=window, user=user, at=now)
    return ticket


def _act_in_one_statement(
    *, action: str, window: Window, user: User, now: dt.datetime, note: str
) -> Ticket | None:
    """A window action on its current ticket (start, finish, no-show, return, recall) in one
    statement: lock the window row (if open and ours) and its current ticket, move the ticket
    if the transition table allows it from its state, write event and audit record. None when
    nothing moved (the ORM path then raises the precise error)."""
    t = Ticket._meta.db_table
    transition = TRANSITIONS[action]
    sets, set_params = sql_sets(action, now=now, user=user, window=window)
    (guard, guard_params), event, audit = _window_write_parts(
        action=action, window=window, user=user, now=now, to=transition.target, note=note
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
        *set_params,
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


def _issue_in_one_statement(ticket: Ticket, *, actor: User | None, now: dt.datetime) -> Ticket:
    """PostgreSQL, a kiosk or guide ticket outside any transaction (the path of every web
    request): the counter, the ticket, its event and its audit record are written, and the wait
    figures for the reply read, by ONE statement, so it is one round trip and one commit.

    The counter row is locked only while that statement runs. A second live ticket for the same
    phone violates the partial unique index: the statement fails as a whole, the counter
    increment included, so a refusal leaves no gap in the day's numbers."""
    queue = ticket.queue
    actor = signed_in(actor)
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
