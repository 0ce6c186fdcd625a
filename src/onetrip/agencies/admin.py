from django.contrib import admin

from onetrip.admin_readonly import NoChange, NoDelete, ReadOnlyInline
from onetrip.agencies.models import AgencyStatusChange, Authorisation, Batch, BatchCase


@admin.register(Authorisation)
class AuthorisationAdmin(admin.ModelAdmin):
    list_display = ("company", "agency", "valid_from", "valid_until", "revoked_at")
    list_filter = ("agency",)
    raw_id_fields = ("company",)


@admin.register(AgencyStatusChange)
class AgencyStatusChangeAdmin(NoChange, NoDelete, admin.ModelAdmin):
    list_display = ("agency", "from_status", "to_status", "reason", "actor", "at")
    list_filter = ("to_status",)


class BatchCaseInline(admin.TabularInline):
    model = BatchCase
    extra = 0
    raw_id_fields = ("case", "authorisation")


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = ("number", "agency", "route", "state", "visit_count", "created_at")
    list_filter = ("state", "route")
    inlines = [BatchCaseInline]
    readonly_fields = ("state", "visit_count")


# The register in the admin: the people app's Agency admin, with its status history and
# authorisations inline. The status itself changes only through the manager page (a reason is
# required and the change is kept in the history and the audit log), so it is read-only here.
from onetrip.people.admin import AgencyAdmin as _PeopleAgencyAdmin  # noqa: E402
from onetrip.people.models import Agency  # noqa: E402


class StatusHistoryInline(ReadOnlyInline):
    model = AgencyStatusChange
    fields = ("at", "from_status", "to_status", "reason", "actor")
    readonly_fields = fields


class AuthorisationInline(admin.TabularInline):
    model = Authorisation
    extra = 0
    raw_id_fields = ("company",)
    fields = ("company", "reference", "letter", "valid_from", "valid_until", "revoked_at")


admin.site.unregister(Agency)


@admin.register(Agency)
class AgencyRegisterAdmin(_PeopleAgencyAdmin):
    list_display = ("name", "credit_code", "licence_number", "status", "district")
    readonly_fields = ("status", "status_reason")
    inlines = [AuthorisationInline, StatusHistoryInline]
