"""Admin pages that only read: records that change through the services alone (events, logs,
tickets, cases) are shown in the admin but not added, edited or deleted there. Each mixin takes
one permission away; put them before the admin class they restrict."""

from __future__ import annotations

from typing import Any

from django.contrib import admin


class NoAdd:
    """Rows are created by the services only (they write the audit trail)."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class NoChange:
    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class NoDelete:
    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class AllFieldsShown:
    """Every field of the row shown, read-only (a record changed through the services)."""

    def get_readonly_fields(self, request: Any, obj: Any = None) -> list[str]:
        model = self.model  # type: ignore[attr-defined]  # set by the ModelAdmin it is mixed into
        return [f.name for f in model._meta.fields]


class ReadOnlyAdmin(NoAdd, NoChange, NoDelete, admin.ModelAdmin):
    """Rows nobody adds, edits or deletes in the admin (logs, events)."""


class ReadOnlyInline(NoAdd, NoChange, admin.TabularInline):
    """Related rows shown under their parent, never added, edited or deleted there."""

    extra = 0
    can_delete = False
