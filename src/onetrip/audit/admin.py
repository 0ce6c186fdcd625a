from django.contrib import admin

from onetrip.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
