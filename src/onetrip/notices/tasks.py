"""Background delivery of notices (django-tasks)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task


@task()
def notice_deliver(notice_id: int, now: str | None = None) -> str:
    """Make one delivery attempt; retries are scheduled by the service, never in a loop here.

    ``now`` (ISO datetime) lets the retry sweep run attempts on its own clock.
    """
    from onetrip.notices.services import notice_attempt

    when = dt.datetime.fromisoformat(now) if now else None
    return notice_attempt(notice_id=notice_id, now=when).status
