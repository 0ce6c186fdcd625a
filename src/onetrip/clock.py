"""Local time: the one home of "now" and "today" in Asia/Shanghai (times are stored in UTC).

Every service takes ``now``/``today`` optionally so tests and replays never depend on the wall
clock; when they are not given, they come from here.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_now(now: dt.datetime | None = None) -> dt.datetime:
    """``now`` (default: the current time) in Asia/Shanghai."""
    return timezone.localtime(now or timezone.now(), SHANGHAI)


def local_today(now: dt.datetime | None = None) -> dt.date:
    """The date in Asia/Shanghai at ``now`` (default: today)."""
    return local_now(now).date()


def local_midnight(day: dt.date) -> dt.datetime:
    """The start of ``day`` in Asia/Shanghai, as an aware datetime."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=SHANGHAI)


def in_period(field: str, since: dt.datetime | None, until: dt.datetime | None) -> Q:
    """``field`` in the half-open period ``[since, until)`` (None: open at that end)."""
    q = Q()
    if since is not None:
        q &= Q(**{f"{field}__gte": since})
    if until is not None:
        q &= Q(**{f"{field}__lt": until})
    return q
