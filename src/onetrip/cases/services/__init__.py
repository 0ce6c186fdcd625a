"""Writes for cases, a package by concern. ``case_transition`` is the single path for state
changes.

- ``base``: the clock, one transaction and one working-day calendar per service call, the
  actor's roles on a case, the event + audit record of each change
- ``numbering``: case numbers
- ``create``: ``case_create`` (checks, the case and its materials, submit, accept)
- ``opening``: ``case_open`` (raw input: matter code, applicant numbers)
- ``actions``: what each action does (``HANDLERS``); ``transitions``: ``case_transition``
- ``fastpath``: the PostgreSQL one-statement intake and ``case_transition_by_number``
- ``materials``: material statuses and uploads; ``visits``: ``visit_record``
- ``sweep``: ``cases_sweep_overdue``

Every service takes ``today``/``now`` optionally so tests (and replays) never depend on the
wall clock; by default they are the current time and the current date in Asia/Shanghai.
"""

from onetrip.cases.services.actions import HANDLERS, MAX_EXTENSION_DAYS
from onetrip.cases.services.base import BAD, IllegalTransition, working_days_after
from onetrip.cases.services.create import case_create
from onetrip.cases.services.fastpath import UndeclaredWrite, case_transition_by_number
from onetrip.cases.services.instant import (
    delegation_grant,
    delegation_revoke,
    instant_sample,
    sample_check_record,
)
from onetrip.cases.services.materials import (
    EDITABLE_STATES,
    MAX_UPLOAD_BYTES,
    case_file_upload,
    case_material_update,
    sniff_upload,
    upload_checked,
)
from onetrip.cases.services.opening import case_open
from onetrip.cases.services.sweep import cases_sweep_overdue, department_head
from onetrip.cases.services.transitions import REFUSALS, case_transition
from onetrip.cases.services.visits import visit_record
from onetrip.cases.states import ONE_STATEMENT_ACTIONS
from onetrip.errors import DomainError
from onetrip.people.services import applicant_resolve

__all__ = [
    "delegation_grant",
    "delegation_revoke",
    "instant_sample",
    "sample_check_record",
    "BAD",
    "DomainError",
    "EDITABLE_STATES",
    "HANDLERS",
    "IllegalTransition",
    "MAX_EXTENSION_DAYS",
    "MAX_UPLOAD_BYTES",
    "ONE_STATEMENT_ACTIONS",
    "REFUSALS",
    "UndeclaredWrite",
    "applicant_resolve",
    "case_create",
    "case_file_upload",
    "case_material_update",
    "case_open",
    "case_transition",
    "case_transition_by_number",
    "cases_sweep_overdue",
    "department_head",
    "sniff_upload",
    "upload_checked",
    "visit_record",
    "working_days_after",
]
