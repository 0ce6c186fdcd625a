from django.contrib import admin

from onetrip.admin_readonly import ReadOnlyAdmin
from onetrip.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the audit log is never edited through any interface."""

    list_display = (
        "at",
        "actor",
        "role",
        "subject_type",
        "subject_id",
        "action",
        "from_state",
        "to_state",
    )
    list_filter = ("subject_type", "action")
    search_fields = ("subject_id", "note")
