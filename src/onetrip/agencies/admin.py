from django.contrib import admin

from onetrip.agencies.models import AgencyStatusChange, Authorisation, Batch, BatchCase


@admin.register(Authorisation)
class AuthorisationAdmin(admin.ModelAdmin):
    list_display = ("company", "agency", "valid_from", "valid_until", "revoked_at")
    list_filter = ("agency",)
    raw_id_fields = ("company",)


@admin.register(AgencyStatusChange)
class AgencyStatusChangeAdmin(admin.ModelAdmin):
    list_display = ("agency", "from_status", "to_status", "reason", "actor", "at")
    list_filter = ("to_status",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
