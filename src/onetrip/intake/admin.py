from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from onetrip.admin_readonly import NoAdd, NoChange
from onetrip.errors import DomainError
from onetrip.intake.forms import clean_definition
from onetrip.intake.models import FormDefinition, FormDraft, OnlineApplication, PreCheck


class FormDefinitionForm(forms.ModelForm):
    class Meta:
        model = FormDefinition
        fields = ("matter", "title", "fields")

    def clean_fields(self):
        try:
            return clean_definition(self.cleaned_data.get("fields"))
        except DomainError as exc:
            raise ValidationError(str(exc.message)) from exc


@admin.register(FormDefinition)
class FormDefinitionAdmin(admin.ModelAdmin):
    form = FormDefinitionForm
    list_display = ("matter", "title", "updated_at")
    search_fields = ("matter__name", "matter__code", "title")
    autocomplete_fields = ()


@admin.register(PreCheck)
class PreCheckAdmin(NoAdd, NoChange, admin.ModelAdmin):
    """Read-only: pre-checks are kept as they were answered, for the figures."""

    list_display = ("at", "matter", "point", "actor", "applicant_kind", "complete", "next_step")
    list_filter = ("complete", "next_step", "self_service", "district")
    search_fields = ("matter__name", "matter__code", "case_number")
    exclude = ("holder_hash",)


@admin.register(FormDraft)
class FormDraftAdmin(NoAdd, admin.ModelAdmin):
    list_display = ("matter", "user", "updated_at")
    readonly_fields = ("token", "matter", "user", "data", "created_at", "updated_at")


@admin.register(OnlineApplication)
class OnlineApplicationAdmin(admin.ModelAdmin):
    list_display = ("case", "delivery", "created_at")
    list_filter = ("delivery",)
    search_fields = ("case__number",)
    raw_id_fields = ("case", "applied_by")
