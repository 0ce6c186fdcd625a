"""Cases (办件): one matter for one applicant, from acceptance to delivery.

State changes go through ``cases.services.case_transition`` only; the transition table lives in
``cases.states``. ``CaseEvent`` rows are append-only (no update, no delete anywhere).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from onetrip.cases.states import OPEN, STATES, State
from onetrip.people.models import Applicant, Company

#: the states of ``cases.lists.BACKOFFICE_STATES`` (a test checks they stay equal)
BACKOFFICE_INDEX_STATES = [s for s in OPEN if s != State.DRAFT] + [State.APPROVED, State.REJECTED]
RUNNING_STATES = [s for s, info in STATES.items() if info.clock_runs]


def new_tracking_token() -> str:
    return secrets.token_urlsafe(32)


class Channel(models.TextChoices):
    WINDOW = "window", _("窗口")
    ONLINE = "online", _("网上")
    STREET = "street", _("街道便民服务中心")
    COMMUNITY = "community", _("社区")
    DOOR = "door", _("上门服务")
    AGENT = "agent", _("中介代办")


class DeliveryMethod(models.TextChoices):
    WINDOW = "window", _("窗口领取")
    POST = "post", _("邮寄送达")
    HOME = "home", _("社工送达上门")
    E_CERTIFICATE = "e_certificate", _("电子证照")


class Decision(models.TextChoices):
    """What a decided case's result is, per the matter's kind of result (``catalogue.rules``)."""

    REGISTERED = "registered", _("准予登记")
    LICENSED = "licensed", _("准予许可")
    FILED = "filed", _("准予备案")
    DONE = "done", _("予以办理")
    NOT_REGISTERED = "not_registered", _("不予登记")
    NOT_LICENSED = "not_licensed", _("不予许可")
    NOT_FILED = "not_filed", _("不予备案")
    NOT_DONE = "not_done", _("不予办理")


class CaseCounter(models.Model):
    """Per-(district, day) sequence for case numbers; incremented under a row lock."""

    district = models.ForeignKey(
        "catalogue.ServicePoint", on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["district", "day"], name="case_counter_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.day} {self.last}"


class Case(models.Model):
    audit_subject = ("case", "number")
    #: Not a column: the case's materials as ``prepared.case_material_rows`` reads them, when
    #: they were read along with the case (a one-statement write's reply, a page of the list
    #: endpoint); None: read them when needed.
    material_rows: list[dict] | None = None

    number = models.CharField(_("办件编号"), max_length=32, unique=True)
    district = models.ForeignKey(
        "catalogue.ServicePoint",
        verbose_name=_("区县"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    matter = models.ForeignKey(
        "catalogue.Matter", verbose_name=_("事项"), on_delete=models.PROTECT, related_name="cases"
    )
    department = models.ForeignKey(
        "catalogue.Department",
        verbose_name=_("承办部门"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    applicant = models.ForeignKey(
        "people.Applicant",
        verbose_name=_("个人申请人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    company = models.ForeignKey(
        "people.Company",
        verbose_name=_("企业申请人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    agency = models.ForeignKey(
        "people.Agency",
        verbose_name=_("代办机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代办员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField(_("受理渠道"), max_length=12, choices=Channel.choices)
    point = models.ForeignKey(
        "catalogue.ServicePoint",
        verbose_name=_("受理网点"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    ticket = models.ForeignKey(
        "queueing.Ticket",
        verbose_name=_("来源号票"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    state = models.CharField(
        _("状态"), max_length=24, choices=State.choices, default=State.DRAFT, db_index=True
    )
    previous_state = models.CharField(_("挂起前状态"), max_length=24, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    state_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)

    # Deadlines, in local (Asia/Shanghai) dates computed over the working-day calendar.
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    promised_due = models.DateField(_("承诺办结日期"), null=True, blank=True, db_index=True)
    legal_due = models.DateField(_("法定办结日期"), null=True, blank=True)
    state_due = models.DateField(_("本环节期限"), null=True, blank=True)
    paused_since = models.DateField(_("计时暂停自"), null=True, blank=True)
    paused_days = models.PositiveIntegerField(_("已暂停工作日"), default=0)
    extended_days = models.PositiveIntegerField(_("延长工作日"), default=0)
    extension_reason = models.TextField(_("延长理由"), blank=True)
    suspension_reason = models.TextField(_("中止理由"), blank=True)

    overdue_at = models.DateTimeField(_("标记超期时间"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("督办给"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    escalated_at = models.DateTimeField(_("督办时间"), null=True, blank=True)

    supplement_rounds = models.PositiveSmallIntegerField(_("补正次数"), default=0)
    visit_count = models.PositiveSmallIntegerField(_("跑动次数"), default=0)
    decision_reason = models.TextField(_("决定理由"), blank=True)
    decision = models.CharField(_("办理决定"), max_length=16, choices=Decision.choices, blank=True)
    documents = models.JSONField(
        _("办理结果文书"),
        default=list,
        blank=True,
        help_text=_("核发的证照、卡证、文书：[{kind, title, number}]；设立登记含统一社会信用代码"),
    )
    refusal_reason = models.TextField(_("不予受理理由"), blank=True)
    delivery_method = models.CharField(
        _("送达方式"), max_length=16, choices=DeliveryMethod.choices, blank=True
    )
    delivery_note = models.CharField(_("送达说明"), max_length=200, blank=True)

    tracking_token = models.CharField(
        max_length=64, unique=True, default=new_tracking_token, editable=False
    )
    token_revoked_at = models.DateTimeField(_("追踪码作废时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(applicant__isnull=False, company__isnull=True)
                    | models.Q(applicant__isnull=True, company__isnull=False)
                ),
                name="case_exactly_one_applicant",
            )
        ]
        indexes = [
            models.Index(fields=["district", "state"]),
            models.Index(fields=["department", "state", "promised_due"]),
            models.Index(fields=["point", "state"]),
            # the figures and their roll-ups read cases by submission time
            models.Index(fields=["district", "submitted_at"], name="case_district_submitted"),
            # the back office's default view: open work of a department by due date
            models.Index(
                fields=["department", "promised_due", "id"],
                condition=models.Q(state__in=BACKOFFICE_INDEX_STATES),
                name="case_backoffice_open",
            ),
            # running cases past their date the overdue sweep has not flagged yet
            models.Index(
                fields=["district", "promised_due"],
                condition=models.Q(state__in=RUNNING_STATES, overdue_at__isnull=True),
                name="case_running_unflagged",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def holder(self) -> Applicant | Company:
        """The applicant or the company. The ``case_exactly_one_applicant`` constraint keeps
        exactly one of them set on every stored case (reading ``applicant`` costs no query
        when its id is empty)."""
        applicant = self.applicant
        if applicant is not None:
            return applicant
        if self.company is None:
            raise ValueError(f"case {self.number!r} has neither an applicant nor a company")
        return self.company

    @property
    def holder_number(self) -> str:
        """The holder's ID number or credit code; "" for a company being founded (it has no
        code until the registration issues one: see ``holder_number_label``)."""
        holder = self.holder
        if isinstance(holder, Company):
            return holder.credit_code or ""
        return holder.id_number

    @property
    def holder_being_founded(self) -> bool:
        holder = self.holder
        return isinstance(holder, Company) and holder.being_founded

    @property
    def holder_name(self) -> str:
        return self.holder.name

    @property
    def bad_credit(self) -> bool:
        return bool(self.holder.bad_credit)


class MaterialStatus(models.TextChoices):
    RECEIVED = "received", _("已收取")
    MISSING = "missing", _("缺少")
    LATER = "later", _("容缺后补")
    GOVERNMENT_HELD = "government_held", _("政府已有（免提交）")
    DEFECTIVE = "defective", _("不符合要求")


class CaseMaterial(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    material = models.ForeignKey(
        "catalogue.Material", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    position = models.PositiveSmallIntegerField(_("序号"), default=0)
    name = models.CharField(_("材料名称"), max_length=200)
    required = models.BooleanField(_("必需"), default=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=MaterialStatus.choices, default=MaterialStatus.MISSING
    )
    form = models.CharField(_("形式"), max_length=12, blank=True)
    count = models.PositiveSmallIntegerField(_("份数"), default=0)
    reason = models.CharField(_("原因/要求"), max_length=300, blank=True)
    later_due = models.DateField(_("后补期限"), null=True, blank=True)
    commitment_signed = models.BooleanField(_("已签署承诺书"), default=False)
    source = models.CharField(_("数据来源"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("办件材料")
        verbose_name_plural = _("办件材料")
        ordering = ["case", "position", "id"]

    def __str__(self) -> str:
        return self.name


class CaseFile(models.Model):
    """An uploaded scan. The stored name is a random UUID with the sniffed extension."""

    case_material = models.ForeignKey(CaseMaterial, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to="cases/%Y/%m/", max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("上传文件")
        verbose_name_plural = _("上传文件")

    def __str__(self) -> str:
        return self.file.name or ""


class SupplementNotice(models.Model):
    """A one-time notice (一次性告知): every missing or defective material, at once."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supplement_notices")
    round = models.PositiveSmallIntegerField(_("第几次补正"))
    items = models.JSONField(_("需补正材料"), default=list)
    note = models.TextField(_("说明"), blank=True)
    manager_reason = models.TextField(_("再次补正理由（管理者）"), blank=True)
    due = models.DateField(_("补正期限"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("一次性告知书")
        verbose_name_plural = _("一次性告知书")
        ordering = ["case", "round"]
        constraints = [
            models.UniqueConstraint(fields=["case", "round"], name="supplement_round_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} #{self.round}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("case events are append-only")

    def delete(self):
        raise TypeError("case events are append-only")


class CaseEvent(models.Model):
    """Append-only event log of a case (who, role, when, from, to, note)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.CharField(_("角色"), max_length=20, blank=True)
    action = models.CharField(_("动作"), max_length=30)
    from_state = models.CharField(_("原状态"), max_length=24, blank=True)
    to_state = models.CharField(_("新状态"), max_length=24, blank=True)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("附加数据"), default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("办件事件")
        verbose_name_plural = _("办件事件")
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("case events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("case events are append-only")


class VisitKind(models.TextChoices):
    TICKET = "ticket", _("取号办理")
    WINDOW = "window", _("窗口受理")
    PICKUP = "pickup", _("窗口领取")
    OTHER = "other", _("其他到场")


class Visit(models.Model):
    """One in-person visit of the applicant for a case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="visits")
    kind = models.CharField(_("类型"), max_length=10, choices=VisitKind.choices)
    at = models.DateTimeField(_("时间"))
    point = models.ForeignKey(
        "catalogue.ServicePoint",
        verbose_name=_("网点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ticket = models.ForeignKey(
        "queueing.Ticket",
        verbose_name=_("号票"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("到场记录")
        verbose_name_plural = _("到场记录")
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d}"


class DepartmentHead(models.Model):
    """Marks the reviewer who heads a department: overdue cases escalate to them."""

    department = models.OneToOneField(
        "catalogue.Department", on_delete=models.CASCADE, related_name="head"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("部门负责人")
        verbose_name_plural = _("部门负责人")

    def __str__(self) -> str:
        return f"{self.department}: {self.user}"


class Delegation(models.Model):
    """Delegated authority (授权审批): a front-line clerk or social worker may decide an instant
    matter (即办件) on the spot. Granted and revoked by a district manager; every decision taken
    under it is recorded with the role ``delegate`` and sampled afterwards (SampleCheck)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("被授权人"),
        on_delete=models.CASCADE,
        related_name="delegations",
    )
    matter = models.ForeignKey(
        "catalogue.Matter", verbose_name=_("事项"), on_delete=models.CASCADE, related_name="+"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("授权人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("授权时间"), auto_now_add=True)
    note = models.CharField(_("授权依据"), max_length=200, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("即办件授权")
        verbose_name_plural = _("即办件授权")
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "matter"],
                condition=models.Q(revoked_at__isnull=True),
                name="delegation_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.matter}"


class SampleCheck(models.Model):
    """The district reviewer's after-the-fact check of an instant decision taken on the spot."""

    VERDICTS = (("ok", _("无误")), ("problem", _("有问题")))

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="sample_check")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    verdict = models.CharField(_("结论"), max_length=10, choices=VERDICTS)
    note = models.TextField(_("说明"), blank=True)
    at = models.DateTimeField(_("抽查时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("即办件抽查")
        verbose_name_plural = _("即办件抽查")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.verdict}"
