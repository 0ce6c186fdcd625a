"""平安365 / 一张网: the grid, incidents and disputes, routing rules, SLAs and volunteers."""

from onetrip.safety.models.grid import DistrictBounds, GridCell  # noqa: F401
from onetrip.safety.models.incidents import (  # noqa: F401
    Incident,
    IncidentKind,
    IncidentPhoto,
    Mediation,
    Platform,
    ReporterKind,
    RoutingRule,
    SlaPolicy,
    SlaUnit,
    Urgency,
)
from onetrip.safety.models.volunteers import (  # noqa: F401
    PatrolShift,
    TrainingAttendance,
    TrainingSession,
    Volunteer,
    VolunteerRole,
    VolunteerRoleGrant,
)
