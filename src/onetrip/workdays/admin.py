"""Admin (in Chinese) for the working-day calendar: a year's schedule with its days inline.

Every change is audited; the changelist warns when the calendar is about to run out.
"""

from __future__ import annotations

import yaml
from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from onetrip.audit.services import audit_record
from onetrip.clock import local_today
from onetrip.errors import DomainError
from onetrip.workdays.models import DayException, ScheduleYear
from onetrip.workdays.selectors import schedule_warning
from onetrip.workdays.services import schedule_import


class ScheduleImportForm(forms.Form):
    file = forms.FileField(
        label=_("YAML 文件"),
        required=False,
        help_text=_("包含 year、holidays、workdays；也可直接粘贴到下面的文本框。"),
    )
    text = forms.CharField(
        label=_("YAML 内容"), required=False, widget=forms.Textarea(attrs={"rows": 16})
    )
    replace = forms.BooleanField(label=_("覆盖已有年份"), required=False)

    def clean(self):
        data = super().clean()
        raw = data.get("text") or ""
        upload = data.get("file")
        if upload:
            if upload.size > 200_000:
                raise forms.ValidationError(_("文件过大。"))
            try:
                raw = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError(_("文件必须是 UTF-8 编码的 YAML。")) from None
        if not raw.strip():
            raise forms.ValidationError(_("请上传文件或粘贴 YAML 内容。"))
        try:
            data["document"] = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise forms.ValidationError(_("YAML 格式错误：%(e)s") % {"e": exc}) from None
        except ValueError as exc:  # a date-like value that is no date, e.g. 2027-13-01
            raise forms.ValidationError(_("日期无效：%(e)s") % {"e": exc}) from None
        return data


class DayExceptionInline(admin.TabularInline):
    model = DayException
    extra = 3
    fields = ("date", "is_workday", "name")
    ordering = ("date",)


@admin.register(ScheduleYear)
class ScheduleYearAdmin(admin.ModelAdmin):
    list_display = ("year", "source", "published_at", "holiday_count", "workday_count", "note")
    search_fields = ("year", "source", "note")
    inlines = [DayExceptionInline]
    change_list_template = "admin/workdays/scheduleyear/change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="workdays_scheduleyear_import"), *super().get_urls()]

    def import_view(self, request):
        """Bulk entry of a published schedule: all-or-nothing through ``schedule_import``."""
        if not self.has_add_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        form = ScheduleImportForm(request.POST or None, request.FILES or None)
        problems: list[str] = []
        if request.method == "POST" and form.is_valid():
            try:
                schedule = schedule_import(
                    data=form.cleaned_data["document"],
                    actor=request.user,
                    replace=form.cleaned_data["replace"],
                )
            except DomainError as exc:
                form.add_error(None, str(exc.message))
                for key, msgs in exc.field_messages().items():
                    problems += [f"{key}: {msg}" for msg in msgs]
            else:
                self.message_user(
                    request,
                    gettext("已导入 %(year)s 年节假日安排。") % {"year": schedule.year},
                    messages.SUCCESS,
                )
                return redirect("admin:workdays_scheduleyear_change", schedule.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("导入节假日安排"),
            "form": form,
            "problems": problems,
        }
        return TemplateResponse(request, "admin/workdays/scheduleyear/import.html", context)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_holidays=Count("days", filter=Q(days__is_workday=False)),
                n_workdays=Count("days", filter=Q(days__is_workday=True)),
            )
        )

    @admin.display(description=_("节假日天数"), ordering="n_holidays")
    def holiday_count(self, obj):
        return obj.n_holidays

    @admin.display(description=_("调休上班天数"), ordering="n_workdays")
    def workday_count(self, obj):
        return obj.n_workdays

    def changelist_view(self, request, extra_context=None):
        warning = schedule_warning(today=local_today())
        if warning:
            messages.warning(request, warning)
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change or form.changed_data:
            audit_record(
                obj,
                "schedule_changed" if change else "schedule_created",
                actor=request.user,
                note=gettext("后台修改字段：%(fields)s") % {"fields": ", ".join(form.changed_data)},
                data={"fields": form.changed_data, "source": obj.source},
            )

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is not DayException:
            return
        changed = {
            "added": [d.date.isoformat() for d in formset.new_objects],
            "changed": [d.date.isoformat() for d, _fields in formset.changed_objects],
            "deleted": [d.date.isoformat() for d in formset.deleted_objects],
        }
        if any(changed.values()):
            audit_record(
                form.instance,
                "schedule_days_changed",
                actor=request.user,
                note=gettext("后台修改节假日/调休：新增 %(a)s，修改 %(c)s，删除 %(d)s")
                % {
                    "a": len(changed["added"]),
                    "c": len(changed["changed"]),
                    "d": len(changed["deleted"]),
                },
                data=changed,
            )

    def delete_model(self, request, obj):
        audit_record(
            obj,
            "schedule_deleted",
            actor=request.user,
            note=gettext("后台删除 %(year)s 年安排") % {"year": obj.year},
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(DayException)
class DayExceptionAdmin(admin.ModelAdmin):
    list_display = ("date", "is_workday", "name", "schedule")
    list_filter = ("is_workday", "schedule")
    date_hierarchy = "date"
    search_fields = ("name",)

    def has_add_permission(self, request):
        return False  # add days through their year, so the year check applies

    def has_change_permission(self, request, obj=None):
        return False
