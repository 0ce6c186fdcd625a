"""Background work for the figures: keep the roll-ups up to date.

The roll-ups are maintained on write, by the task worker: ``refresh_rollups`` recomputes the days
changed since its last run. Every write a figure reads enqueues it — a committed case state
change, a ticket called at a window, a rating given — at most once per ``DEBOUNCE`` seconds per
process, to run that much later, so a busy hall costs one task row a minute, not one per write.
Reading the figures never refreshes them (a GET request writes nothing): the dashboard states
the time they are current to. ``onetrip metrics_rebuild --refresh`` (cron, as a safety net) and
``--enqueue`` run the same refresh by hand; ``onetrip metrics_rebuild`` rebuilds everything
(repair, after a bulk load or a change of a definition)."""

from __future__ import annotations

import datetime as dt
import time

from django_tasks import task

DEBOUNCE = 60.0
_last_enqueued = 0.0


@task()
def refresh_rollups() -> int:
    from onetrip.metrics.rollups import rollups_refresh

    return rollups_refresh(wait=True)


def schedule_refresh(**_kwargs) -> None:
    """Receiver of ``case_state_changed`` (sent after the commit), ``ticket_called`` and of a
    rating given: enqueue a refresh ``DEBOUNCE`` seconds from now unless this process did so
    less than ``DEBOUNCE`` seconds ago (that run, still to come, will see this write too)."""
    global _last_enqueued
    if not refresh_rollups.get_backend().supports_defer:  # the immediate backend (tests)
        return
    now = time.monotonic()
    if now - _last_enqueued < DEBOUNCE:
        return
    _last_enqueued = now
    from django.utils import timezone

    refresh_rollups.using(run_after=timezone.now() + dt.timedelta(seconds=DEBOUNCE)).enqueue()


@task()
def send_rating_invites(days: int = 3) -> int:
    """The daily 好差评 invitation sweep (``onetrip ratings_invite`` runs it directly)."""
    from onetrip.metrics.services import rating_invites_send

    return rating_invites_send(days=days)
