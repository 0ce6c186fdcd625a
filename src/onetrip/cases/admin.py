"""Admin: cases are read through the admin, never edited there (state changes go through
``case_transition``); the event log is read-only."""

from __future__ import annotations

from django.contrib import admin

from onetrip.cases.models import (
    Case,
    CaseEvent,
    CaseMaterial,
    Delegation,
    DepartmentHead,
    SampleCheck,
    Visit,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MaterialInline(ReadOnlyInline):
    model = CaseMaterial
    fields = ("position", "name", "status", "count", "reason", "later_due", "source")
    readonly_fields = fields


class VisitInline(ReadOnlyInline):
    model = Visit
    fields = ("kind", "at", "point", "ticket")
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ("at", "actor", "role", "action", "from_state", "to_state", "note")
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("number", "matter", "state", "point", "promised_due", "visit_count")
    list_filter = ("state", "channel", "district")
    search_fields = ("number",)
    inlines = [MaterialInline, VisitInline, EventInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CaseEvent)
class CaseEventAdmin(admin.ModelAdmin):
    list_display = ("case", "at", "actor", "role", "action", "from_state", "to_state")
    list_filter = ("action", "role")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DepartmentHead)
class DepartmentHeadAdmin(admin.ModelAdmin):
    list_display = ("department", "user")
    autocomplete_fields = ()


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    """Grants are recorded here for reading; grant and revoke through the services so the
    audit log has them (``delegation_grant`` / ``delegation_revoke``)."""

    list_display = ("user", "matter", "granted_by", "granted_at", "revoked_at")
    list_filter = ("revoked_at",)
    readonly_fields = ("user", "matter", "granted_by", "granted_at", "note", "revoked_at")

    def has_add_permission(self, request):
        return False


@admin.register(SampleCheck)
class SampleCheckAdmin(admin.ModelAdmin):
    list_display = ("case", "reviewer", "verdict", "at")
    list_filter = ("verdict",)
    readonly_fields = ("case", "reviewer", "verdict", "note", "at")

    def has_add_permission(self, request):
        return False
