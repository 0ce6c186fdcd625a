"""The service catalogue (事项清单): departments, service points, matters and their materials."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PointLevel(models.TextChoices):
    CITY = "city", _("市")
    DISTRICT = "district", _("区县")
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")


class ServicePoint(models.Model):
    """A place that serves the public, in one tree: city → district → street → community.

    ``district`` points at the district node above (itself for a district) so every record that
    belongs to a place can be scoped to a district with one indexed column.
    """

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=12, choices=PointLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    district = models.ForeignKey(
        "self",
        verbose_name=_("所属区县"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    opens_at = models.TimeField(_("开门时间"), default="09:00")
    closes_at = models.TimeField(_("关门时间"), default="17:00")
    open_weekdays = models.CharField(
        _("开放日"),
        max_length=7,
        default="12345",
        help_text=_("ISO 星期几，1=周一 … 7=周日，例如 12345 或 1234567"),
    )
    open_on_holidays = models.BooleanField(_("节假日开放"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("服务网点")
        verbose_name_plural = _("服务网点")
        ordering = ["code"]
        indexes = [models.Index(fields=["district", "level"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if self.level == PointLevel.DISTRICT:
            self.district = self if self.pk else None
        elif self.parent_id is not None:
            parent = self.parent
            self.district = parent if parent.level == PointLevel.DISTRICT else parent.district
        super().save(*args, **kwargs)
        if self.level == PointLevel.DISTRICT and self.district_id != self.pk:
            ServicePoint.objects.filter(pk=self.pk).update(district=self.pk)
            self.district_id = self.pk


class Department(models.Model):
    district = models.ForeignKey(
        ServicePoint,
        verbose_name=_("区县"),
        on_delete=models.PROTECT,
        related_name="departments",
        limit_choices_to={"level": PointLevel.DISTRICT},
    )
    code = models.SlugField(_("编码"), max_length=40)
    name = models.CharField(_("名称"), max_length=100)
    phone = models.CharField(_("电话"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["district", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "code"], name="department_code_unique_in_district"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Audience(models.TextChoices):
    INDIVIDUAL = "individual", _("个人")
    COMPANY = "company", _("企业")
    BOTH = "both", _("个人和企业")


class MatterKind(models.TextChoices):
    INSTANT = "instant", _("即办件")
    COMMITTED = "committed", _("承诺件")


class ResultType(models.TextChoices):
    LICENCE = "licence", _("证照")
    APPROVAL = "approval", _("批准文书")
    FILING = "filing", _("备案回执")
    CERTIFICATE = "certificate", _("证明")
    CARD = "card", _("卡证")
    OTHER = "other", _("其他结果")


class OnlineDepth(models.IntegerChoices):
    I = 1, _("Ⅰ 网上咨询")  # noqa: E741
    II = 2, _("Ⅱ 网上预审")
    III = 3, _("Ⅲ 网上受理")
    IV = 4, _("Ⅳ 全程网办")


class Matter(models.Model):
    """One administrative matter (事项) a department handles for the public."""

    district = models.ForeignKey(
        ServicePoint,
        verbose_name=_("区县"),
        on_delete=models.PROTECT,
        related_name="matters",
        limit_choices_to={"level": PointLevel.DISTRICT},
    )
    code = models.SlugField(_("事项编码"), max_length=60)
    name = models.CharField(_("事项名称"), max_length=200)
    department = models.ForeignKey(
        Department, verbose_name=_("实施部门"), on_delete=models.PROTECT, related_name="matters"
    )
    description = models.TextField(_("说明"), blank=True)
    audience = models.CharField(_("服务对象"), max_length=12, choices=Audience.choices)
    kind = models.CharField(_("办件类型"), max_length=12, choices=MatterKind.choices)
    legal_limit_days = models.PositiveSmallIntegerField(_("法定时限（工作日）"))
    promised_limit_days = models.PositiveSmallIntegerField(_("承诺时限（工作日）"))
    visits_needed = models.PositiveSmallIntegerField(_("跑动次数"), choices=[(0, "0"), (1, "1")])
    visits_reason = models.CharField(_("需到现场的原因"), max_length=200, blank=True)
    founding = models.BooleanField(
        _("设立登记"),
        default=False,
        help_text=_("申请人为拟设立的企业（尚无统一社会信用代码），办结时核发统一社会信用代码"),
    )
    realname_onsite = models.BooleanField(
        _("需现场实名核验"),
        default=False,
        help_text=_("法定代表人或申请人须到窗口现场实名核验：不能全程网办，跑动一次"),
    )
    level_district = models.BooleanField(_("区行政服务中心可办"), default=True)
    level_street = models.BooleanField(_("街道可办"), default=False)
    level_community = models.BooleanField(_("社区可办"), default=False)
    channel_window = models.BooleanField(_("窗口办理"), default=True)
    channel_online = models.BooleanField(_("网上办理"), default=False)
    channel_door = models.BooleanField(_("上门办理"), default=False)
    channel_post = models.BooleanField(_("邮寄办理"), default=False)
    online_depth = models.PositiveSmallIntegerField(
        _("网办深度"), choices=OnlineDepth.choices, default=OnlineDepth.I
    )
    fee = models.DecimalField(_("收费（元）"), max_digits=10, decimal_places=2, default=0)
    online_payment = models.BooleanField(_("网上缴费"), default=False)
    legal_basis = models.TextField(_("设定依据"), blank=True)
    result_type = models.CharField(_("办理结果类型"), max_length=16, choices=ResultType.choices)
    result_name = models.CharField(_("办理结果名称"), max_length=100, blank=True)
    result_sample = models.FileField(_("结果样本"), upload_to="samples/results/", blank=True)
    basic_code = models.CharField(_("基本编码"), max_length=40, blank=True)
    implementation_code = models.CharField(_("实施编码"), max_length=60, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("事项")
        verbose_name_plural = _("事项")
        ordering = ["district", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "code"], name="matter_code_unique_in_district"
            )
        ]
        indexes = [models.Index(fields=["district", "department"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        from onetrip.catalogue.validators import validate_matter

        validate_matter(self)

    @property
    def is_five_star(self) -> bool:
        """五星级: fully online and no visit at all."""
        return self.online_depth == OnlineDepth.IV and self.visits_needed == 0

    @property
    def levels(self) -> list[str]:
        return [lv for lv in ("district", "street", "community") if getattr(self, f"level_{lv}")]

    @property
    def channels(self) -> list[str]:
        return [ch for ch in ("window", "online", "door", "post") if getattr(self, f"channel_{ch}")]


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", _("原件")
    COPY = "copy", _("复印件")
    BOTH = "both", _("原件和复印件")
    ELECTRONIC = "electronic", _("电子件")


class Material(models.Model):
    """A material (申请材料) a matter requires."""

    matter = models.ForeignKey(
        Matter, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="materials"
    )
    position = models.PositiveSmallIntegerField(_("序号"), default=0)
    name = models.CharField(_("材料名称"), max_length=200)
    form = models.CharField(
        _("材料形式"), max_length=12, choices=MaterialForm.choices, default=MaterialForm.ORIGINAL
    )
    count = models.PositiveSmallIntegerField(_("份数"), default=1)
    required = models.BooleanField(_("必需"), default=True)
    later_allowed = models.BooleanField(_("可容缺后补"), default=False)
    note = models.CharField(_("要求说明"), max_length=300, blank=True)
    sample = models.FileField(_("示范样本"), upload_to="samples/materials/", blank=True)
    blank_form = models.FileField(_("空白表格"), upload_to="forms/", blank=True)
    government_held = models.BooleanField(_("政府已有（免提交）"), default=False)
    issuing_department = models.ForeignKey(
        Department,
        verbose_name=_("出具部门"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="issued_materials",
    )
    agent_only = models.BooleanField(
        _("委托代办时提交"),
        default=False,
        help_text=_("仅在中介或他人代办时提交（如授权委托书）；申请人本人办理时免交"),
    )
    shared_kind = models.SlugField(
        _("共享证照类型"),
        max_length=40,
        blank=True,
        help_text=_("共享数据中对应的证照类型编码，例如 business_licence"),
    )

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["matter", "position", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        from onetrip.catalogue.validators import validate_material

        district_id = self.matter.district_id if self.matter_id else None
        validate_material(self, district_id=district_id)
