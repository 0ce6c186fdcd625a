"""Which matters an agent may apply for (中介代办).

Until the catalogue's rule set (``catalogue.rules.matter_rules``) answers it, a matter is open to
agents when it is active and companies may apply for it; once that module exists its answer for
the ``agent`` applicant kind is used, so the catalogue stays the one source of the promise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from onetrip.catalogue.models import Matter


def matter_open_to_agents(matter: Matter) -> bool:
    if not matter.is_active:
        return False
    try:
        from onetrip.catalogue.rules import ApplicantKind, matter_rules
    except ImportError:
        return matter.audience in ("company", "both")
    if getattr(matter, "founding", False):
        # a batch row names a registered company by its credit code; founding a company through
        # an agent is the single-agent path (cases.services.case_open, applicant_kind="agent")
        return False
    return bool(matter_rules(matter=matter, applicant_kind=ApplicantKind.AGENT).allowed)
