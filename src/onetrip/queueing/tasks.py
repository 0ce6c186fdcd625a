"""Background work of the queueing app (django-tasks)."""

from __future__ import annotations

import logging

from django.db import transaction
from django_tasks import task

log = logging.getLogger(__name__)


@task()
def ticket_alert_three_ahead(ticket_id: int) -> None:
    """After ticket ``ticket_id`` was called, tell the waiting ticket that now has three people
    ahead of it in that queue (once). Runs in the task worker, so a window's call does not wait
    for the reminder's queries and SMS."""
    from onetrip.queueing.notify import alert_three_ahead

    try:
        with transaction.atomic():
            alert_three_ahead(called_ticket_id=ticket_id)
    except Exception:  # noqa: BLE001 - a reminder must never fail loudly
        log.exception("ticket alert failed after ticket %s was called", ticket_id)
