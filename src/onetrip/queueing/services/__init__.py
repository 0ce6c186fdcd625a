"""Writes for queues, windows and tickets. Every function is one transaction.

By concern: ``setup`` (queues, windows, opening/closing), ``issue`` (tickets), ``window``
(calling and serving, ORM path), ``one_statement`` (the PostgreSQL one-statement writes), ``booking``
(appointments).

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

from onetrip.queueing.services._common import (
    TransitionRefused,
)
from onetrip.queueing.services.booking import (
    BookingFlood,
    appointment_book,
    appointment_cancel,
    appointment_check_in,
    appointment_move,
    appointments_mark_no_shows,
    appointments_remind,
    slots_open,
)
from onetrip.queueing.services.issue import (
    ticket_issue,
)
from onetrip.queueing.services.setup import (
    queue_create,
    queue_set_open,
    window_close,
    window_create,
    window_open,
)
from onetrip.queueing.services.window import (
    ticket_call,
    ticket_call_next,
    ticket_finish,
    ticket_no_show,
    ticket_park,
    ticket_recall,
    ticket_resume,
    ticket_return,
    ticket_start,
    ticket_transfer,
    ticket_walk_out,
    tickets_close_day,
)

__all__ = [
    "BookingFlood",
    "appointment_book",
    "appointment_cancel",
    "appointment_check_in",
    "appointment_move",
    "appointments_mark_no_shows",
    "appointments_remind",
    "slots_open",
    "TransitionRefused",
    "queue_create",
    "queue_set_open",
    "ticket_call",
    "ticket_call_next",
    "ticket_finish",
    "ticket_issue",
    "ticket_no_show",
    "ticket_park",
    "ticket_recall",
    "ticket_resume",
    "ticket_return",
    "ticket_start",
    "ticket_transfer",
    "ticket_walk_out",
    "tickets_close_day",
    "window_close",
    "window_create",
    "window_open",
]
