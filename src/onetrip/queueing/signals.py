"""Signals the queueing services send, whichever write path did the work."""

from django.dispatch import Signal

#: A ticket was called to a window (next in line or out of order), sent inside the call's
#: transaction by the ORM path and the one-statement path alike. Keyword arguments:
#: ``ticket`` (the called Ticket), ``window``, ``user``, ``at``.
ticket_called = Signal()

#: A ticket was issued (kiosk, window zero, online, an appointment's check-in), sent after it is
#: committed by the ORM path and the one-statement path alike. Keyword arguments: ``ticket``.
ticket_issued = Signal()
