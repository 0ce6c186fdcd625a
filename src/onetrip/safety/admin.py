from typing import Any

from django.contrib import admin
from django.db.models import Model

from onetrip.admin_readonly import ReadOnlyAdmin
from onetrip.safety.models import (
    DistrictBounds,
    GridCell,
    Incident,
    PatrolShift,
    RoutingRule,
    SlaPolicy,
    TrainingAttendance,
    TrainingSession,
    Volunteer,
    VolunteerRoleGrant,
)

#: The admins that are only a list page: model → its ModelAdmin options.
LIST_ONLY: dict[type[Model], dict[str, Any]] = {
    GridCell: {
        "list_display": ["code", "name", "community", "roads"],
        "list_filter": ["district", "community"],
        "filter_horizontal": ["workers"],
        "search_fields": ["code", "name", "roads"],
    },
    DistrictBounds: {"list_display": ["district", "south", "north", "west", "east"]},
    RoutingRule: {
        "list_display": ["position", "name", "kind", "place", "day_type", "platform", "department"],
        "list_filter": ["district", "platform", "is_active"],
    },
    SlaPolicy: {"list_display": ["district", "kind", "urgency", "amount", "unit"]},
    PatrolShift: {
        "list_display": ["volunteer", "cell", "starts_at", "ends_at", "done"],
        "raw_id_fields": ["volunteer"],
    },
}
for model, options in LIST_ONLY.items():
    admin.site.register(model, **options)


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    """Read-only: incidents change only through the transition service (audited)."""

    list_display = ["number", "kind", "urgency", "state", "street", "platform", "reported_at"]
    list_filter = ["district", "state", "kind", "platform"]
    search_fields = ["number"]
    exclude = ["reporter_name", "reporter_phone", "token"]


class RoleInline(admin.TabularInline):
    model = VolunteerRoleGrant
    extra = 1


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "community", "joined_on", "is_active"]
    list_filter = ["district", "community", "roles__role"]
    search_fields = ["code", "name"]
    raw_id_fields = ["user"]
    inlines = [RoleInline]


class AttendanceInline(admin.TabularInline):
    model = TrainingAttendance
    raw_id_fields = ["volunteer"]
    extra = 0


@admin.register(TrainingSession)
class TrainingSessionAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "held_on", "hours"]
    inlines = [AttendanceInline]
