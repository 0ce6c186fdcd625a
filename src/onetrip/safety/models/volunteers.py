"""平安志愿者: the register with the six roles, the citizens' police school, patrol shifts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class VolunteerRole(models.TextChoices):
    INFORMANT = "informant", _("信息员")
    INSPECTOR = "inspector", _("巡查员")
    MEDIATOR = "mediator", _("调解员")
    PROMOTER = "promoter", _("宣传员")
    GUIDE = "guide", _("引导员")
    PATROL = "patrol", _("巡逻员")


class Volunteer(models.Model):
    audit_subject = ("volunteer", "code")
    district = models.ForeignKey(
        "catalogue.ServicePoint", verbose_name=_("区县"), on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        "catalogue.ServicePoint",
        verbose_name=_("所在社区"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "community"},
    )
    code = models.CharField(_("志愿者编号"), max_length=30, unique=True)
    name = models.CharField(_("姓名"), max_length=60)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer",
    )
    joined_on = models.DateField(_("注册日期"))
    is_active = models.BooleanField(_("在册"), default=True)

    class Meta:
        verbose_name = _("平安志愿者")
        verbose_name_plural = _("平安志愿者")
        ordering = ["code"]
        indexes = [models.Index(fields=["district", "community"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class VolunteerRoleGrant(models.Model):
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.CASCADE, related_name="roles"
    )
    role = models.CharField(_("角色"), max_length=20, choices=VolunteerRole.choices)

    class Meta:
        verbose_name = _("志愿者角色")
        verbose_name_plural = _("志愿者角色")
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "role"], name="safety_volunteer_role")
        ]
        indexes = [models.Index(fields=["role", "volunteer"])]

    def __str__(self) -> str:
        return self.get_role_display()


class TrainingSession(models.Model):
    """A session of the citizens' police school (市民警校)."""

    district = models.ForeignKey(
        "catalogue.ServicePoint", verbose_name=_("区县"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("编号"), max_length=30, unique=True)
    title = models.CharField(_("课程"), max_length=120)
    held_on = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=120, blank=True)
    hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1, default=2)

    class Meta:
        verbose_name = _("市民警校培训")
        verbose_name_plural = _("市民警校培训")
        ordering = ["-held_on", "code"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"


class TrainingAttendance(models.Model):
    session = models.ForeignKey(
        TrainingSession, verbose_name=_("培训"), on_delete=models.CASCADE, related_name="attendance"
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.CASCADE, related_name="attendance"
    )
    attended = models.BooleanField(_("出勤"), default=True)

    class Meta:
        verbose_name = _("培训出勤")
        verbose_name_plural = _("培训出勤")
        constraints = [
            models.UniqueConstraint(fields=["session", "volunteer"], name="safety_attendance_once")
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.volunteer_id}"


class PatrolShift(models.Model):
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.CASCADE, related_name="shifts"
    )
    cell = models.ForeignKey(
        "safety.GridCell", verbose_name=_("网格"), on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    done = models.BooleanField(_("已完成"), default=False)

    class Meta:
        verbose_name = _("巡逻班次")
        verbose_name_plural = _("巡逻班次")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="safety_shift_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600
