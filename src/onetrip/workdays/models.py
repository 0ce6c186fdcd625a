"""The working-day calendar (工作日历): which years have a published schedule, and the days
that differ from the plain Monday–Friday rule (statutory holidays, shifted working weekends)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduleYear(models.Model):
    """A year whose official holiday schedule is known. Deadlines in other years are refused."""

    audit_subject = ("workdays.schedule", "year")

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源"), max_length=100, default="chinese-calendar")
    published_at = models.DateField(_("国务院通知发布日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, null=True)

    PROVISIONAL_SOURCES = ("demo-provisional",)

    class Meta:
        verbose_name = _("已发布的节假日安排年份")
        verbose_name_plural = _("已发布的节假日安排年份")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)

    @property
    def is_provisional(self) -> bool:
        """A stand-in schedule (e.g. weekends only for a demo), not the official one."""
        return self.source in self.PROVISIONAL_SOURCES


class DayException(models.Model):
    """A day that is not what its weekday says: a holiday on a weekday, or a working weekend."""

    schedule = models.ForeignKey(
        ScheduleYear,
        verbose_name=_("所属年份"),
        on_delete=models.CASCADE,
        related_name="days",
    )
    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    name = models.CharField(
        _("名称"), max_length=60, blank=True, help_text=_("例如 春节、国庆节调休上班")
    )

    class Meta:
        verbose_name = _("节假日/调休")
        verbose_name_plural = _("节假日/调休")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        try:
            schedule = self.schedule
        except ScheduleYear.DoesNotExist:
            schedule = None
        if self.date and schedule is not None and schedule.year and self.date.year != schedule.year:
            raise ValidationError(
                {"date": _("日期必须在 %(year)s 年内。") % {"year": schedule.year}}
            )
        if self.date and self.is_workday is not None:
            weekend = self.date.isoweekday() >= 6
            if self.is_workday and not weekend:
                raise ValidationError(
                    {"is_workday": _("调休上班日必须是周六或周日；周一至周五本来就是工作日。")}
                )
