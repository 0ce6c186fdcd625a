"""Incidents, hazards and disputes; the ordered routing rules and the SLA per kind and urgency."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentKind(models.TextChoices):
    HAZARD = "hazard", _("安全隐患")
    DISPUTE = "dispute", _("矛盾纠纷")
    ORDER = "order", _("治安问题")
    ENVIRONMENT = "environment", _("环境问题")
    OTHER = "other", _("其他")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    CRITICAL = "critical", _("特急")


#: board order: most urgent first
URGENCY_RANK: dict[str, int] = {Urgency.CRITICAL: 0, Urgency.URGENT: 1, Urgency.NORMAL: 2}


class Platform(models.TextChoices):
    """The four platforms (四个平台) incidents are dispatched to."""

    ZONGZHI = "zongzhi", _("综治工作")
    MARKET = "market", _("市场监管")
    ENFORCEMENT = "enforcement", _("综合执法")
    SERVICE = "service", _("便民服务")


class ReporterKind(models.TextChoices):
    GRID_WORKER = "grid_worker", _("网格员")
    VOLUNTEER = "volunteer", _("平安志愿者")
    CITIZEN = "citizen", _("群众")


class SlaUnit(models.TextChoices):
    HOURS = "hours", _("小时（全天候）")
    WORKDAYS = "workdays", _("工作日")


class DayType(models.TextChoices):
    ANY = "any", _("任何日子")
    WORKDAY = "workday", _("工作日")
    OFF_DAY = "off_day", _("休息日（周末、法定节假日）")


class RoutingRule(models.Model):
    """One ordered routing rule: the first active rule whose conditions all match decides the
    platform and department (and may raise the urgency). Empty conditions match anything."""

    audit_subject = ("routing_rule", "pk")

    district = models.ForeignKey(
        "catalogue.ServicePoint",
        verbose_name=_("区县"),
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"level": "district"},
    )
    position = models.PositiveIntegerField(_("顺序"), default=100)
    name = models.CharField(_("规则名称"), max_length=100)
    kind = models.CharField(_("事件类型"), max_length=20, choices=IncidentKind.choices, blank=True)
    place = models.ForeignKey(
        "catalogue.ServicePoint",
        verbose_name=_("街道或社区"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    cell = models.ForeignKey(
        "safety.GridCell",
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    day_type = models.CharField(
        _("日子"), max_length=10, choices=DayType.choices, default=DayType.ANY
    )
    hour_from = models.PositiveSmallIntegerField(_("起始小时"), default=0)
    hour_to = models.PositiveSmallIntegerField(
        _("结束小时"), default=24, help_text=_("不含；起始大于结束表示跨夜，例如 20 到 8")
    )
    platform = models.CharField(_("分拨平台"), max_length=20, choices=Platform.choices)
    department = models.ForeignKey(
        "catalogue.Department",
        verbose_name=_("承办部门"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    urgency = models.CharField(
        _("紧急程度"),
        max_length=10,
        choices=Urgency.choices,
        blank=True,
        help_text=_("留空：沿用上报时的紧急程度"),
    )
    auto_dispatch = models.BooleanField(
        _("自动分拨"), default=True, help_text=_("否：只作为建议，由值班员研判后分拨")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("分拨规则")
        verbose_name_plural = _("分拨规则")
        ordering = ["district", "position", "id"]

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    """How long an incident of a kind and urgency may take from report to closing."""

    district = models.ForeignKey(
        "catalogue.ServicePoint",
        verbose_name=_("区县"),
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"level": "district"},
    )
    kind = models.CharField(_("事件类型"), max_length=20, choices=IncidentKind.choices)
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices)
    amount = models.PositiveSmallIntegerField(_("时限"))
    unit = models.CharField(_("单位"), max_length=10, choices=SlaUnit.choices)

    class Meta:
        verbose_name = _("办结时限")
        verbose_name_plural = _("办结时限")
        ordering = ["district", "kind", "urgency"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "kind", "urgency"], name="safety_sla_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}/{self.get_urgency_display()}: {self.amount} {self.get_unit_display()}"


class Incident(models.Model):
    """An incident, hazard or dispute reported on the grid and followed to the end.

    ``state`` changes only through ``safety.services.incident_transition`` (table in
    ``safety.states``); each change writes an audit event (subject ``incident``).
    """

    audit_subject = ("incident", "number")

    number = models.CharField(_("事件编号"), max_length=24, unique=True)
    token = models.CharField(_("查询令牌"), max_length=32, unique=True)
    district = models.ForeignKey(
        "catalogue.ServicePoint", verbose_name=_("区县"), on_delete=models.PROTECT, related_name="+"
    )
    cell = models.ForeignKey(
        "safety.GridCell",
        verbose_name=_("网格"),
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    street = models.ForeignKey(
        "catalogue.ServicePoint", verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("事件类型"), max_length=20, choices=IncidentKind.choices)
    urgency = models.CharField(
        _("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    description = models.TextField(_("情况描述"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    state = models.CharField(_("状态"), max_length=20, db_index=True)
    # who reported it; an anonymous citizen's identity is never shown to handlers
    reporter_kind = models.CharField(_("上报人类型"), max_length=20, choices=ReporterKind.choices)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上报人账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_incidents",
    )
    volunteer = models.ForeignKey(
        "safety.Volunteer",
        verbose_name=_("上报志愿者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
    )
    reporter_name = models.CharField(_("上报人姓名"), max_length=60, blank=True)
    reporter_phone = models.CharField(_("上报人电话"), max_length=20, blank=True)
    anonymous = models.BooleanField(_("匿名"), default=False)
    channel = models.CharField(_("渠道"), max_length=20, default="web")
    # dispatch
    platform = models.CharField(_("分拨平台"), max_length=20, choices=Platform.choices, blank=True)
    department = models.ForeignKey(
        "catalogue.Department",
        verbose_name=_("承办部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rule = models.ForeignKey(
        RoutingRule,
        verbose_name=_("命中规则"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    mediator = models.ForeignKey(
        "safety.Volunteer",
        verbose_name=_("调解员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mediated_incidents",
    )
    # SLA
    sla_amount = models.PositiveSmallIntegerField(_("时限"), default=0)
    sla_unit = models.CharField(_("时限单位"), max_length=10, choices=SlaUnit.choices, blank=True)
    due_at = models.DateTimeField(_("办结期限"), null=True, blank=True, db_index=True)
    escalated_at = models.DateTimeField(_("预警升级时间"), null=True, blank=True)
    # times
    reported_at = models.DateTimeField(_("上报时间"), db_index=True)
    dispatched_at = models.DateTimeField(_("分拨时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    result = models.TextField(_("处置结果"), blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重新办理次数"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("事件")
        verbose_name_plural = _("事件")
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["district", "state"]),
            models.Index(fields=["district", "updated_at"]),
            models.Index(fields=["department", "state"]),
            models.Index(fields=["cell", "kind", "reported_at"]),
        ]

    def __str__(self) -> str:
        return self.number

    def get_state_display(self) -> str:
        from onetrip.safety.states import state_label

        return state_label(self.state)

    @property
    def is_dispute(self) -> bool:
        return self.kind == IncidentKind.DISPUTE


class IncidentPhoto(models.Model):
    incident = models.ForeignKey(
        Incident, verbose_name=_("事件"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("照片"), upload_to="safety/photos/%Y/%m/")
    content_type = models.CharField(_("类型"), max_length=40)
    size = models.PositiveIntegerField(_("大小"))
    width = models.PositiveIntegerField(_("宽"))
    height = models.PositiveIntegerField(_("高"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("现场照片")
        verbose_name_plural = _("现场照片")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.incident_id}#{self.pk}"


class Mediation(models.Model):
    """The mediation record of a dispute (调解记录): parties, mediator, agreement."""

    incident = models.OneToOneField(
        Incident, verbose_name=_("事件"), on_delete=models.CASCADE, related_name="mediation"
    )
    parties = models.TextField(_("当事人"), help_text=_("每行一位当事人"))
    mediator = models.ForeignKey(
        "safety.Volunteer",
        verbose_name=_("调解员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    mediator_name = models.CharField(_("调解员姓名"), max_length=60)
    agreement = models.TextField(_("调解协议"))
    agreed = models.BooleanField(_("达成协议"), default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.mediator_name}"

    def party_list(self) -> list[str]:
        return [p.strip() for p in self.parties.splitlines() if p.strip()]
