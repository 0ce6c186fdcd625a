"""``case_state_changed`` is sent after the transaction that changed a case commits.

Receivers get ``case``, ``from_state``, ``to_state``, ``action``, ``actor`` (None for the
system) and ``note`` (the note of the event written). ``cases.states.STATES[to_state]`` says whether and how the applicant is told.
"""

from __future__ import annotations

from django.dispatch import Signal

case_state_changed = Signal()
