"""Catalogue admin (Chinese). Quality rules show as form errors via the models' clean()."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from onetrip.catalogue import services
from onetrip.catalogue.models import Department, Material, Matter, ServicePoint
from onetrip.catalogue.validators import materials_set_violations

_LEVEL_INDENT = {"city": 0, "district": 1, "street": 2, "community": 3}


@admin.register(ServicePoint)
class ServicePointAdmin(admin.ModelAdmin):
    list_display = (
        "tree_name",
        "code",
        "level",
        "parent",
        "district",
        "opens_at",
        "closes_at",
        "is_active",
    )
    list_filter = ("level", "district", "is_active")
    search_fields = ("name", "code", "address")
    list_select_related = ("parent", "district")
    ordering = ("district__code", "code")
    readonly_fields = ("district",)
    fieldsets = (
        (None, {"fields": ("code", "name", "level", "parent", "district", "is_active")}),
        (_("地址与联系方式"), {"fields": ("address", "latitude", "longitude", "phone")}),
        (_("开放时间"), {"fields": ("opens_at", "closes_at", "open_weekdays", "open_on_holidays")}),
    )

    @admin.display(description=_("名称"), ordering="name")
    def tree_name(self, obj):
        return "　" * _LEVEL_INDENT.get(obj.level, 0) + ("└ " if obj.parent_id else "") + obj.name


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "district", "phone")
    list_filter = ("district",)
    search_fields = ("name", "code")


class MaterialFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [
            f.cleaned_data
            for f in self.forms
            if getattr(f, "cleaned_data", None) and not f.cleaned_data.get("DELETE")
        ]
        violations = materials_set_violations(kept, matter=self.instance)
        if violations:
            raise ValidationError([v.message for v in violations])


class MaterialInline(admin.TabularInline):
    model = Material
    formset = MaterialFormSet
    extra = 1
    fields = (
        "position", "name", "form", "count", "required", "later_allowed", "government_held",
        "issuing_department", "shared_kind", "agent_only", "note", "sample", "blank_form",
    )  # fmt: skip
    autocomplete_fields = ("issuing_department",)


@admin.register(Matter)
class MatterAdmin(admin.ModelAdmin):
    inlines = [MaterialInline]
    list_display = (
        "name", "code", "department", "audience", "kind", "visits_needed", "online_depth",
        "level_street", "level_community", "is_active",
    )  # fmt: skip
    list_filter = (
        "district", "department", "audience", "kind", "visits_needed", "online_depth",
        "level_street", "level_community", "channel_online", "is_active",
    )  # fmt: skip
    search_fields = ("name", "code", "description", "materials__name", "implementation_code")
    list_select_related = ("department",)
    autocomplete_fields = ("department",)
    fieldsets = (
        (None, {"fields": ("district", "code", "name", "department", "description", "is_active")}),
        (
            _("办理要求"),
            {
                "fields": (
                    "audience",
                    "kind",
                    "legal_limit_days",
                    "promised_limit_days",
                    "visits_needed",
                    "visits_reason",
                    "founding",
                    "realname_onsite",
                )
            },
        ),  # fmt: skip
        (
            _("可办层级与渠道"),
            {
                "fields": (
                    ("level_district", "level_street", "level_community"),
                    ("channel_window", "channel_online", "channel_door", "channel_post"),
                    "online_depth",
                )
            },
        ),  # fmt: skip
        (
            _("收费与结果"),
            {
                "fields": (
                    "fee",
                    "online_payment",
                    "legal_basis",
                    "result_type",
                    "result_name",
                    "result_sample",
                    "basic_code",
                    "implementation_code",
                )
            },
        ),  # fmt: skip
    )

    def save_model(self, request, obj, form, change):
        # Form validation already ran the quality rules (Matter.clean); the service records
        # the audit event in the same transaction as the save.
        services.matter_save(matter=obj, actor=request.user)
