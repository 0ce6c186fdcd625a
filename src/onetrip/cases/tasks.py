"""Background work: the overdue sweep as a django-tasks task (the worker or cron enqueues it;
``manage.py cases_sweep_overdue`` runs the same sweep directly)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task


@task()
def sweep_overdue_cases(today: str | None = None) -> int:
    """Mark overdue cases, escalate them to the department head and emit the signal.

    ``today`` (ISO date) is for replays and tests; by default the current Shanghai date.
    """
    from onetrip.cases.services import cases_sweep_overdue

    return cases_sweep_overdue(today=dt.date.fromisoformat(today) if today else None)
