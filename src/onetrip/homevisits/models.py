"""Door-to-door service (上门服务): residents (seniors, the disabled) and companies ask for a
visit; a social worker (residents) or a service specialist (companies) schedules it, accepts the
case at the door on a phone (photos of the originals, the applicant's signature on screen) and
brings the result home. A case accepted at the door and delivered home counts zero visits."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class HomeVisitState(models.TextChoices):
    REQUESTED = "requested", _("已申请")
    SCHEDULED = "scheduled", _("已排期")
    ACCEPTED = "accepted", _("已上门受理")
    DELIVERED = "delivered", _("已送达上门")
    CANCELLED = "cancelled", _("已取消")


class HomeVisitReason(models.TextChoices):
    SENIOR = "senior", _("高龄老人")
    DISABLED = "disabled", _("残疾人")
    COMPANY = "company", _("企业服务")
    OTHER = "other", _("其他行动不便")


class HomeVisit(models.Model):
    audit_subject = ("home_visit", "pk")
    district = models.ForeignKey(
        "catalogue.ServicePoint", verbose_name=_("区县"), on_delete=models.PROTECT, related_name="+"
    )
    point = models.ForeignKey(
        "catalogue.ServicePoint",
        verbose_name=_("服务网点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    matter = models.ForeignKey(
        "catalogue.Matter", verbose_name=_("事项"), on_delete=models.PROTECT, related_name="+"
    )
    applicant = models.ForeignKey(
        "people.Applicant", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    company = models.ForeignKey(
        "people.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("原因"), max_length=12, choices=HomeVisitReason.choices)
    address = models.CharField(_("上门地址"), max_length=200)
    phone = models.CharField(_("联系电话"), max_length=20)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上门人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="home_visits",
    )
    scheduled_for = models.DateTimeField(_("预约上门时间"), null=True, blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=HomeVisitState.choices, default=HomeVisitState.REQUESTED
    )
    case = models.OneToOneField(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="home_visit"
    )
    signature = models.FileField(_("申请人签名"), upload_to="homevisits/sign/%Y/%m/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("上门服务")
        verbose_name_plural = _("上门服务")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["assigned_to", "state"]),
            models.Index(fields=["district", "state"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(applicant__isnull=False, company__isnull=True)
                    | models.Q(applicant__isnull=True, company__isnull=False)
                ),
                name="home_visit_one_requester",
            )
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.matter_id} {self.state}"


class HomeVisitPhoto(models.Model):
    """A photo of an original document taken at the door (JPEG/PNG by its first bytes)."""

    visit = models.ForeignKey(HomeVisit, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="homevisits/photos/%Y/%m/", max_length=200)
    sha256 = models.CharField(max_length=64)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("上门拍照")
        verbose_name_plural = _("上门拍照")

    def __str__(self) -> str:
        return self.file.name or ""
