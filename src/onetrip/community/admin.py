"""Admin of the community app. Staff who are not superusers see only the complexes they
manage (social workers their own community, managers their district). States change only
through the services (pages and API), so the admin shows them read-only."""

from __future__ import annotations

from django.contrib import admin

from onetrip.community import selectors as sel
from onetrip.community.models import (
    Booking,
    Complex,
    Decision,
    DecisionUpdate,
    Facility,
    Meeting,
    Slot,
    Topic,
    WorkshopMember,
)
from onetrip.community.services.complexes import complex_core_ensure


class ScopedAdmin(admin.ModelAdmin):
    """Rows of the complexes the signed-in user manages; ``complex_path`` leads to them."""

    complex_path = "complex"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        managed = sel.complexes_managed_by(user=request.user)
        return qs.filter(**{f"{self.complex_path}__in": managed})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "complex" and not request.user.is_superuser:
            kwargs["queryset"] = sel.complexes_managed_by(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedRecordAdmin(ScopedAdmin):
    """Rows only the services create (the pages check hours, capacity and states): no add."""

    def has_add_permission(self, request):
        return False


class FacilityInline(admin.TabularInline):
    model = Facility
    extra = 0
    fields = (
        "position",
        "kind",
        "name",
        "capacity",
        "opens_at",
        "closes_at",
        "open_weekdays",
        "bookable",
        "is_active",
    )


class MemberInline(admin.TabularInline):
    model = WorkshopMember
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Complex)
class ComplexAdmin(ScopedAdmin):
    list_display = ("point", "district", "support_threshold", "is_published")
    list_filter = ("district", "is_published")
    search_fields = ("point__name", "point__code")
    list_select_related = ("point", "district")
    inlines = (FacilityInline, MemberInline)

    def get_queryset(self, request):
        qs = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return qs
        return qs.filter(pk__in=sel.complexes_managed_by(user=request.user))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        complex_core_ensure(complex=obj)


@admin.register(Slot)
class SlotAdmin(ScopedRecordAdmin):
    list_display = ("title", "complex", "facility", "starts_at", "capacity", "booked", "status")
    list_filter = ("status", "kind", "complex")
    search_fields = ("title",)
    date_hierarchy = "starts_at"
    readonly_fields = ("booked", "status", "created_by", "created_at")
    list_select_related = ("complex__point", "facility")


@admin.register(Booking)
class BookingAdmin(ScopedRecordAdmin):
    complex_path = "slot__complex"
    list_display = ("slot", "user", "status", "created_at", "confirmed_at", "cancelled_at")
    list_filter = ("status",)
    search_fields = ("slot__title", "user__username")
    list_select_related = ("slot", "user")
    readonly_fields = ("slot", "user", "status", "created_at", "confirmed_at", "cancelled_at")


@admin.register(Topic)
class TopicAdmin(ScopedRecordAdmin):
    list_display = ("title", "complex", "raiser_kind", "support_count", "state", "created_at")
    list_filter = ("state", "raiser_kind", "complex")
    search_fields = ("title", "body")
    readonly_fields = ("raised_by", "support_count", "state", "meeting", "created_at")


@admin.register(Meeting)
class MeetingAdmin(ScopedRecordAdmin):
    list_display = ("title", "complex", "starts_at", "state")
    list_filter = ("state", "complex")
    readonly_fields = ("state", "held_at")


class UpdateInline(admin.TabularInline):
    model = DecisionUpdate
    extra = 0
    readonly_fields = ("at", "by", "state", "note")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Decision)
class DecisionAdmin(ScopedRecordAdmin):
    list_display = ("__str__", "complex", "owner_name", "due_date", "state")
    list_filter = ("state", "complex")
    readonly_fields = ("topic", "meeting", "state", "done_at")
    inlines = (UpdateInline,)


@admin.register(WorkshopMember)
class WorkshopMemberAdmin(ScopedAdmin):
    list_display = ("user", "complex", "kind", "organisation")
    list_filter = ("kind", "complex")
    autocomplete_fields = ("user",)
