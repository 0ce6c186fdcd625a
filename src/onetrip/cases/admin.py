"""Admin: cases are read through the admin, never edited there (state changes go through
``case_transition``); the event log is read-only."""

from __future__ import annotations

from django.contrib import admin

from onetrip.admin_readonly import AllFieldsShown, NoAdd, NoDelete, ReadOnlyAdmin, ReadOnlyInline
from onetrip.cases.models import (
    Case,
    CaseEvent,
    CaseMaterial,
    Delegation,
    DepartmentHead,
    SampleCheck,
    Visit,
)


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
class CaseAdmin(AllFieldsShown, NoAdd, NoDelete, admin.ModelAdmin):
    list_display = ("number", "matter", "state", "point", "promised_due", "visit_count")
    list_filter = ("state", "channel", "district")
    search_fields = ("number",)
    inlines = [MaterialInline, VisitInline, EventInline]


@admin.register(CaseEvent)
class CaseEventAdmin(AllFieldsShown, ReadOnlyAdmin):
    list_display = ("case", "at", "actor", "role", "action", "from_state", "to_state")
    list_filter = ("action", "role")


@admin.register(DepartmentHead)
class DepartmentHeadAdmin(admin.ModelAdmin):
    list_display = ("department", "user")
    autocomplete_fields = ()


@admin.register(Delegation)
class DelegationAdmin(NoAdd, admin.ModelAdmin):
    """Grants are recorded here for reading; grant and revoke through the services so the
    audit log has them (``delegation_grant`` / ``delegation_revoke``)."""

    list_display = ("user", "matter", "granted_by", "granted_at", "revoked_at")
    list_filter = ("revoked_at",)
    readonly_fields = ("user", "matter", "granted_by", "granted_at", "note", "revoked_at")


@admin.register(SampleCheck)
class SampleCheckAdmin(NoAdd, admin.ModelAdmin):
    list_display = ("case", "reviewer", "verdict", "at")
    list_filter = ("verdict",)
    readonly_fields = ("case", "reviewer", "verdict", "note", "at")
