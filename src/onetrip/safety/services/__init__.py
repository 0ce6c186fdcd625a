"""Writers of the safety app (one transaction each)."""

from onetrip.safety.services.incidents import (  # noqa: F401
    IllegalTransition,
    incident_report,
    incident_transition,
    incidents_escalate,
)
from onetrip.safety.services.volunteers import (  # noqa: F401
    attendance_record,
    rule_delete,
    rule_save,
    shift_record,
    volunteer_register,
)
