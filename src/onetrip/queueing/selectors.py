"""Reads for queues, windows and tickets. Each takes its scope (point, window, ticket)."""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Count, Field, Q
from django.utils import timezone

from onetrip.access import authenticated
from onetrip.clock import local_today
from onetrip.masking import mask_phone
from onetrip.queueing.models import (
    LIVE_STATUSES,
    Queue,
    Ticket,
    TicketStatus,
    Window,
    WindowKind,
    WindowQueue,
)
from onetrip.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from onetrip.catalogue.models import ServicePoint
    from onetrip.people.models import User

log = logging.getLogger(__name__)

RECENT_SERVICE_SAMPLE = 20
#: People ahead are counted up to this many ("200 or more"): no hall has more in one queue, and
#: the count runs on every ticket issued, so a runaway backlog must not make issuing slower.
AHEAD_COUNT_LIMIT = 200


# ------------------------------------------------------------------ opening hours

_DAY_CACHE: dict[dt.date, tuple[float, str]] = {}
_DAY_TTL = 60.0


def _day_kind(day: dt.date) -> str:
    """'workday_exception' (shifted working weekend), 'holiday' (statutory day off),
    'normal' (no exception), or 'unknown' (no published schedule for that year).
    Cached for a minute per process: the hall board and the kiosk ask this a lot."""
    cached = _DAY_CACHE.get(day)
    if cached and time.monotonic() - cached[0] < _DAY_TTL:
        return cached[1]
    from onetrip.workdays.models import DayException
    from onetrip.workdays.selectors import NoSchedule, is_workday

    try:
        workday = is_workday(day=day)
    except NoSchedule:
        log.warning("No working-day schedule for %s: opening hours use weekdays only", day.year)
        kind = "unknown"
    else:
        exception = DayException.objects.filter(date=day).values_list("is_workday", flat=True)
        if exception:
            kind = "workday_exception" if workday else "holiday"
        else:
            kind = "normal"
    _DAY_CACHE[day] = (time.monotonic(), kind)
    return kind


def point_is_open(*, point: ServicePoint, at: dt.datetime) -> bool:
    """Whether ``point`` receives the public at ``at``: its hours and weekdays, statutory
    holidays (closed unless ``open_on_holidays``) and shifted working weekends (open).
    Years without a published schedule fall back to the weekday rule (and log a warning)."""
    local = timezone.localtime(at)
    opens, closes = _as_time(point.opens_at), _as_time(point.closes_at)
    if not (opens <= local.time() < closes):
        return False
    kind = _day_kind(local.date())
    if kind == "holiday":
        return bool(point.open_on_holidays)
    if kind == "workday_exception":
        return True
    return str(local.isoweekday()) in (point.open_weekdays or "")


def point_next_opening(*, point: ServicePoint, at: dt.datetime) -> dt.datetime | None:
    """When ``point`` next opens its doors after ``at`` (None if not within two weeks)."""
    local = timezone.localtime(at)
    opens = _as_time(point.opens_at)
    for offset in range(15):
        day = local.date() + dt.timedelta(days=offset)
        candidate = dt.datetime.combine(day, opens, tzinfo=local.tzinfo)
        if candidate > at and point_is_open(point=point, at=candidate):
            return candidate
    return None


def _as_time(value: Any) -> dt.time:
    if isinstance(value, dt.time):
        return value
    return dt.time.fromisoformat(str(value))


# ------------------------------------------------------------------ access


def staff_can_manage_point(*, user: User | AnonymousUser | None, point: ServicePoint) -> bool:
    """Staff work at their own point; a manager at a district manages the district's points."""
    if not authenticated(user):
        return False
    if user.is_superuser:
        return True
    if user.point_id is None:
        return False
    if user.point_id == point.pk:
        return True
    return bool(
        user.has_role(Role.MANAGER)
        and user.point_id == point.district_id
        and point.district_id is not None
    )


def windows_for_staff(*, user: User | AnonymousUser | None) -> list[Window]:
    if not authenticated(user) or user.point_id is None:
        return []
    qs = Window.objects.select_related("point", "clerk")
    if user.is_superuser:
        return list(qs)
    if user.has_role(Role.MANAGER):
        qs = qs.filter(Q(point_id=user.point_id) | Q(point__district_id=user.point_id))
    else:
        qs = qs.filter(point_id=user.point_id)
    return list(qs)


# ------------------------------------------------------------------ queues and waits


def queues_for_point(*, point: ServicePoint) -> list[Queue]:
    return list(Queue.objects.filter(point=point).order_by("position", "code"))


def _duration_seconds_sql(vendor: str, alias: str) -> str:
    if vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM ({alias}.finished_at - {alias}.started_at))"
    # SQLite keeps datetimes as text; Django registers this exact (microsecond) difference
    # function on every SQLite connection (julianday() arithmetic is off by microseconds).
    return f"(django_timestamp_diff({alias}.finished_at, {alias}.started_at) / 1000000.0)"


def wait_figure_columns(
    *,
    queue_id: int,
    day: dt.date,
    ahead_of: Ticket | None = None,
    ahead_id_sql: str = "%s",
) -> tuple[list[str], list[Any]]:
    """Three scalar-subquery columns for one queue: open windows serving it, the mean service
    time of its last ``RECENT_SERVICE_SAMPLE`` tickets finished on ``day`` (NULL when none) and
    the people ahead of ``ahead_of`` (a waiting ticket; the constant 0 without one).

    ``ahead_id_sql`` names the ticket's id when it is not known yet: ticket issuing embeds these
    columns in its own INSERT statement and passes the inserted row's ``t.id``."""
    t = Ticket._meta.db_table
    w = Window._meta.db_table
    wq = WindowQueue._meta.db_table
    duration = _duration_seconds_sql(connection.vendor, "r")
    # Statuses and limits are the code's own constants, written into the SQL rather than bound:
    # a prepared statement's generic plan can then use the partial index on finished tickets.
    columns = [
        f"(SELECT COUNT(*) FROM {wq} wq INNER JOIN {w} w ON w.id = wq.window_id"
        " WHERE wq.queue_id = %s AND w.is_open)",
        f"(SELECT AVG({duration}) FROM (SELECT s.started_at, s.finished_at FROM {t} s"
        f" WHERE s.queue_id = %s AND s.day = %s AND s.status = '{TicketStatus.DONE.value}'"
        " AND s.started_at IS NOT NULL AND s.finished_at IS NOT NULL"
        f" ORDER BY s.finished_at DESC LIMIT {int(RECENT_SERVICE_SAMPLE)}) r)",
    ]
    params: list[Any] = [queue_id, queue_id, day]
    if ahead_of is None:
        columns.append("0")
        return columns, params
    sort_at = connection.ops.adapt_datetimefield_value(ahead_of.sort_at)
    before = f"(o.sort_at < %s OR (o.sort_at = %s AND o.id < {ahead_id_sql}))"
    order = f"o.priority AND {before}" if ahead_of.priority else f"(o.priority OR {before})"
    columns.append(
        f"(SELECT COUNT(*) FROM (SELECT 1 FROM {t} o WHERE o.queue_id = %s AND o.day = %s"
        f" AND o.status = '{TicketStatus.WAITING.value}' AND {order}"
        f" LIMIT {int(AHEAD_COUNT_LIMIT)}) x)"
    )
    params += [queue_id, ahead_of.day, sort_at, sort_at]
    if ahead_id_sql == "%s":
        params.append(ahead_of.pk)
    return columns, params


def _wait_figures(
    *, queue_ids: list[int], day: dt.date, ahead_of: Ticket | None = None
) -> dict[int, tuple[int, float | None, int]]:
    """Per queue, in ONE short query: the open windows serving it, the mean service time of
    its last ``RECENT_SERVICE_SAMPLE`` tickets finished on ``day`` (None when there are none)
    and, for the queue of ``ahead_of`` (a waiting ticket), the people ahead of it (the same
    count as ``people_ahead``; 0 for the other queues).

    Plain scalar subqueries with the values inlined as parameters: PostgreSQL plans this in a
    fraction of a millisecond (a correlated or self-joined form took several milliseconds just
    to plan), and one round trip replaces three ORM queries on every ticket issued."""
    if not queue_ids:
        return {}
    columns, params = [], []
    for queue_id in queue_ids:
        mine = ahead_of if ahead_of is not None and ahead_of.queue_id == queue_id else None
        cols, more = wait_figure_columns(queue_id=queue_id, day=day, ahead_of=mine)
        columns += cols
        params += more
    with connection.cursor() as cur:
        cur.execute("SELECT " + ", ".join(columns), params)
        row = cur.fetchone()
    return {
        queue_id: wait_figures_from_row(row[3 * i : 3 * i + 3])
        for i, queue_id in enumerate(queue_ids)
    }


def wait_figures_from_row(values: Any) -> tuple[int, float | None, int]:
    windows, mean, ahead = values
    return int(windows), None if mean is None else float(mean), int(ahead)


def _estimate(queue: Queue, windows: int, mean: float | None, ahead: int) -> float | None:
    if windows == 0:
        return None
    return ahead / windows * (queue.default_service_minutes * 60.0 if mean is None else mean)


def estimate_wait_seconds(*, queue: Queue, ahead: int, day: dt.date) -> float | None:
    """People ahead ÷ open windows serving the queue × recent mean service time
    (the last 20 tickets finished today in this queue; the queue's default when none).
    None when no window serving the queue is open."""
    windows, mean, _ = _wait_figures(queue_ids=[queue.pk], day=day)[queue.pk]
    return _estimate(queue, windows, mean, ahead)


def people_ahead(*, ticket: Ticket) -> int:
    """Waiting tickets called before this one (counted up to ``AHEAD_COUNT_LIMIT``)."""
    if ticket.status != TicketStatus.WAITING:
        return 0
    before = Q(sort_at__lt=ticket.sort_at) | Q(sort_at=ticket.sort_at, id__lt=ticket.id)
    order = Q(priority=True) & before if ticket.priority else Q(priority=True) | before
    return (
        Ticket.objects.filter(queue_id=ticket.queue_id, day=ticket.day, status=TicketStatus.WAITING)
        .filter(order)[:AHEAD_COUNT_LIMIT]
        .count()
    )


def queue_summaries(*, point: ServicePoint, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Each queue of the point with its waiting count and an estimated wait for a new ticket."""
    now = now or timezone.now()
    day = local_today(now)
    queues = queues_for_point(point=point)
    waiting = dict(
        Ticket.objects.filter(point=point, day=day, status=TicketStatus.WAITING)
        .values_list("queue_id")
        .annotate(n=Count("id"))
        .values_list("queue_id", "n")
    )
    figures = _wait_figures(queue_ids=[q.pk for q in queues], day=day)
    out = []
    for q in queues:
        n = waiting.get(q.pk, 0)
        windows, mean, _ = figures[q.pk]
        est = _estimate(q, windows, mean, n)
        out.append(
            {
                "queue": q,
                "id": q.pk,
                "code": q.code,
                "name": q.display_name,
                "applicant_type": q.applicant_type,
                "applicant_type_label": q.get_applicant_type_display(),
                "is_open": q.is_open,
                "waiting": n,
                "estimated_wait_minutes": None if est is None else math.ceil(est / 60),
            }
        )
    return out


def ticket_public_status(*, ticket: Ticket, now: dt.datetime | None = None) -> dict[str, Any]:
    """What the public status page may show: no personal data."""
    now = now or timezone.now()
    ahead, est = 0, None
    if ticket.status == TicketStatus.WAITING:
        # issuing on PostgreSQL computes these in its own statement and leaves them here
        figures = (
            ticket.issued_wait_figures
            or _wait_figures(queue_ids=[ticket.queue_id], day=ticket.day, ahead_of=ticket)[
                ticket.queue_id
            ]
        )
        windows, mean, ahead = figures
        est = _estimate(ticket.queue, windows, mean, ahead)
    return {
        "number": ticket.number,
        "status": ticket.status,
        "status_label": str(TicketStatus(ticket.status).label),
        "queue": ticket.queue.display_name,
        "queue_code": ticket.queue.code,
        "point": ticket.point.name,
        "point_code": ticket.point.code,
        "day": ticket.day.isoformat(),
        "issued_at": ticket.issued_at,
        "slot_start": ticket.slot_start,
        "ahead": ahead,
        "ahead_capped": ahead >= AHEAD_COUNT_LIMIT,
        "estimated_wait_minutes": None if est is None else math.ceil(est / 60),
        "window": ticket.window.number
        if ticket.status in (TicketStatus.CALLED, TicketStatus.SERVING) and ticket.window
        else None,
        "called_at": ticket.called_at,
    }


# ------------------------------------------------------------------ window console


def window_current(*, window: Window) -> Ticket | None:
    return (
        Ticket.objects.select_related("queue")
        .filter(window=window, status__in=[TicketStatus.CALLED, TicketStatus.SERVING])
        .order_by("-called_at")
        .first()
    )


def window_waiting_list(
    *, window: Window, now: dt.datetime | None = None, limit: int = 50
) -> list[Ticket]:
    now = now or timezone.now()
    positions = dict(window.window_queues.values_list("queue_id", "position"))
    tickets = list(
        Ticket.objects.select_related("queue")
        .filter(queue_id__in=positions, day=local_today(now), status=TicketStatus.WAITING)
        .order_by("-priority", "sort_at", "id")[:500]
    )
    tickets.sort(key=lambda t: (not t.priority, positions.get(t.queue_id, 9999), t.sort_at, t.id))
    return tickets[:limit]


def window_parked_list(*, window: Window, now: dt.datetime | None = None) -> list[Ticket]:
    now = now or timezone.now()
    return list(
        Ticket.objects.select_related("queue")
        .filter(point_id=window.point_id, day=local_today(now), status=TicketStatus.PARKED)
        .order_by("sort_at")
    )


def ticket_row(ticket: Ticket) -> dict[str, Any]:
    """A staff-facing row: phone masked."""
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "queue": ticket.queue.code,
        "status": ticket.status,
        "priority": ticket.priority,
        "issued_at": ticket.issued_at,
        "slot_start": ticket.slot_start,
        "called_at": ticket.called_at,
        "started_at": ticket.started_at,
        "finished_at": ticket.finished_at,
        "window": ticket.window.number if ticket.window else None,
        "phone": mask_phone(ticket.applicant_phone),
    }


# ------------------------------------------------------------------ hall board


def board_data(
    *, point: ServicePoint, now: dt.datetime | None = None, limit: int = 8
) -> dict[str, Any]:
    """The hall board: the latest calls still at a window (number → window; finished, absent
    and returned tickets drop off) and waiting counts. Cheap: two queries."""
    now = now or timezone.now()
    day = local_today(now)
    calls = list(
        Ticket.objects.filter(
            point=point, day=day, status__in=[TicketStatus.CALLED, TicketStatus.SERVING]
        )
        .exclude(window__isnull=True)
        .order_by("-called_at", "-id")
        .values("id", "number", "status", "called_at", "call_count", "window__number")[:limit]
    )
    waiting = dict(
        Ticket.objects.filter(point=point, day=day, status=TicketStatus.WAITING)
        .values_list("queue__code")
        .annotate(n=Count("id"))
        .values_list("queue__code", "n")
    )
    return {
        "point": point.code,
        "name": point.name,
        "now": now,
        "calls": [
            {
                "key": f"{c['id']}-{c['call_count']}",
                "number": c["number"],
                "window": c["window__number"],
                "status": c["status"],
                "called_at": c["called_at"],
            }
            for c in calls
        ],
        "waiting": waiting,
    }


def window_share(*, point: ServicePoint) -> dict[str, Any]:
    """Share of self-service windows at a point (the reform asks for over 70%)."""
    counts = dict(
        Window.objects.filter(point=point)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    total = sum(counts.values())
    counted = total - counts.get(WindowKind.GUIDE, 0)
    self_n = counts.get(WindowKind.SELF, 0)
    return {
        "total": total,
        "by_kind": counts,
        "self_service": self_n,
        "self_service_share": (self_n / counted) if counted else 0.0,
    }


def live_ticket_count(*, point: ServicePoint, day: dt.date) -> int:
    return Ticket.objects.filter(point=point, day=day, status__in=LIVE_STATUSES).count()


# ------------------------------------------------------------------ hot-path reads
# Issuing a ticket is the busiest write of a hall. On the slow 2-core machines this runs on,
# every ORM query costs over a millisecond of Python just to compile; these two reads are
# written once as SQL built from the models' own metadata and cost a fraction of that.


def _columns(model, alias: str) -> tuple[list[str], str]:
    names = [f.attname for f in model._meta.concrete_fields]
    cols = ", ".join(f'{alias}."{f.column}"' for f in model._meta.concrete_fields)
    return names, cols


def queue_with_point(*, queue_id: int) -> Queue | None:
    """The queue with its service point loaded (one query, no ORM compilation)."""
    from onetrip.catalogue.models import ServicePoint

    q_fields = Queue._meta.concrete_fields
    p_fields = ServicePoint._meta.concrete_fields
    q_names, q_cols = _columns(Queue, "q")
    p_names, p_cols = _columns(ServicePoint, "p")
    sql = (
        f"SELECT {q_cols}, {p_cols} FROM {Queue._meta.db_table} q"
        f" INNER JOIN {ServicePoint._meta.db_table} p ON p.id = q.point_id WHERE q.id = %s"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [queue_id])
        row = cur.fetchone()
    if row is None:
        return None
    row = _convert(row, [*q_fields, *p_fields])
    queue = Queue.from_db(connection.alias, q_names, row[: len(q_names)])
    queue.point = ServicePoint.from_db(connection.alias, p_names, row[len(q_names) :])
    return queue


class _RowCache:
    """Rows remembered for a few seconds per process, for the hall's hot paths (a kiosk
    issuing, a window calling). Safe to be stale: those writes re-check in their own statement
    that the queue is still open and the point active, or the window open and operated by the
    caller. Saving a queue, window or point forgets everything at once in this process
    (``forget_cached_rows``); other processes catch up within ``seconds``, which only matters
    for a change of opening hours."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.rows: dict[int, tuple[float, Any]] = {}

    def get(self, key: int, load) -> Any:
        hit = self.rows.get(key)
        now = time.monotonic()
        if hit is not None and now - hit[0] < self.seconds:
            return hit[1]
        row = load()
        if row is not None:
            self.rows[key] = (now, row)
        return row


_QUEUE_CACHE = _RowCache(5.0)
_WINDOW_CACHE = _RowCache(5.0)


def queue_with_point_cached(*, queue_id: int) -> Queue | None:
    """``queue_with_point`` through the per-process row cache (see ``_RowCache``)."""
    return _QUEUE_CACHE.get(queue_id, lambda: queue_with_point(queue_id=queue_id))


def window_with_point_cached(*, window_id: int) -> Window | None:
    """The window with its point, through the per-process row cache (see ``_RowCache``):
    for the one-statement window actions only, which read is_open and the clerk themselves."""
    return _WINDOW_CACHE.get(
        window_id,
        lambda: Window.objects.select_related("point").filter(pk=window_id).first(),
    )


def forget_cached_rows(**kwargs: Any) -> None:
    _QUEUE_CACHE.rows.clear()
    _WINDOW_CACHE.rows.clear()


_CONVERTERS: dict[tuple[str, Any], list] = {}


def _convert(row: Sequence[Any], fields: Sequence[Field[Any, Any]]) -> list[Any]:
    """Apply the backend's and the fields' converters, as the ORM would (SQLite returns
    times, dates and booleans as text and integers)."""
    out = list(row)
    for i, field in enumerate(fields):
        key = (connection.vendor, field)
        pairs = _CONVERTERS.get(key)
        if pairs is None:
            col = field.get_col(field.model._meta.db_table)
            convs = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            pairs = _CONVERTERS[key] = [(c, col) for c in convs]
        for converter, col in pairs:
            out[i] = converter(out[i], col, connection)
    return out
