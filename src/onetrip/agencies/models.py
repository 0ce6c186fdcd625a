"""The agency workspace (中介代办): authorisations, status history, batches held for back-office
approval (后台留置审批), their consolidated supplement notices and message thread, and joint
delivery (统一送达).

The agency register itself (``people.Agency``: credit code, licence, contact, status) and the
agents who belong to one agency (``people.User.agency``) live in ``people``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyStatusChange(models.Model):
    """One change of an agency's status (正常 / 警示 / 暂停) with its reason: the history."""

    agency = models.ForeignKey(
        "people.Agency", on_delete=models.CASCADE, related_name="status_history"
    )
    from_status = models.CharField(_("原状态"), max_length=12, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12)
    reason = models.TextField(_("理由"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("代办机构状态变更")
        verbose_name_plural = _("代办机构状态变更")
        ordering = ["agency", "-at", "-id"]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.from_status}→{self.to_status}"


class Authorisation(models.Model):
    """A company's authorisation letter (授权委托书) for one agency, valid for a period."""

    agency = models.ForeignKey(
        "people.Agency",
        verbose_name=_("代办机构"),
        on_delete=models.CASCADE,
        related_name="authorisations",
    )
    company = models.ForeignKey(
        "people.Company",
        verbose_name=_("委托企业"),
        on_delete=models.CASCADE,
        related_name="authorisations",
    )
    reference = models.CharField(_("委托书编号"), max_length=60, blank=True)
    letter = models.FileField(_("授权委托书"), upload_to="authorisations/%Y/", blank=True)
    valid_from = models.DateField(_("有效期自"))
    valid_until = models.DateField(_("有效期至"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("授权委托")
        verbose_name_plural = _("授权委托")
        ordering = ["agency", "company", "-valid_until"]
        indexes = [models.Index(fields=["agency", "company", "valid_until"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")),
                name="authorisation_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.company} → {self.agency} ({self.valid_from}–{self.valid_until})"

    def is_valid_on(self, day: dt.date) -> bool:
        return self.revoked_at is None and self.valid_from <= day <= self.valid_until


class BatchRoute(models.TextChoices):
    WINDOW = "window", _("代办窗口提交（一次取号、一次到场）")
    ONLINE = "online", _("网上提交")


class BatchState(models.TextChoices):
    HELD = "held", _("留置审批中")
    READY = "ready", _("全部办结，待统一送达")
    DELIVERED = "delivered", _("已统一送达")


class JointDelivery(models.TextChoices):
    PICKUP = "pickup", _("代办窗口统一领取")
    POST = "post", _("统一邮寄送达")


class Batch(models.Model):
    """One agent's applications for many companies, handed in together and held for approval:
    each company's application is a normal case (its own materials and authorisation)."""

    number = models.CharField(_("批次号"), max_length=32, unique=True)
    agency = models.ForeignKey(
        "people.Agency",
        verbose_name=_("代办机构"),
        on_delete=models.PROTECT,
        related_name="batches",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代办员"),
        on_delete=models.PROTECT,
        related_name="agent_batches",
    )
    district = models.ForeignKey(
        "catalogue.ServicePoint", verbose_name=_("区县"), on_delete=models.PROTECT, related_name="+"
    )
    point = models.ForeignKey(
        "catalogue.ServicePoint",
        verbose_name=_("受理网点"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    route = models.CharField(_("提交方式"), max_length=8, choices=BatchRoute.choices)
    source = models.CharField(_("来源"), max_length=12, default="form")
    ticket = models.ForeignKey(
        "queueing.Ticket",
        verbose_name=_("号票"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=BatchState.choices, default=BatchState.HELD
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    ready_at = models.DateTimeField(_("全部办结时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    delivery_method = models.CharField(
        _("统一送达方式"), max_length=8, choices=JointDelivery.choices, blank=True
    )
    delivery_note = models.CharField(_("送达说明（邮件号等）"), max_length=200, blank=True)
    #: the agent's visits for the whole batch: one at the agent window, one for a joint pickup
    visit_count = models.PositiveSmallIntegerField(_("跑动次数（批次）"), default=0)

    class Meta:
        verbose_name = _("代办批次")
        verbose_name_plural = _("代办批次")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["agency", "state"]),
            models.Index(fields=["district", "state"]),
        ]

    def __str__(self) -> str:
        return self.number


class BatchCase(models.Model):
    """A case of a batch (one company, one matter), with its row in the submission."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="items")
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="batch_item")
    row = models.PositiveSmallIntegerField(_("行号"))
    authorisation = models.ForeignKey(
        Authorisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("批次办件")
        verbose_name_plural = _("批次办件")
        ordering = ["batch", "row"]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.row}"


class BatchNotice(models.Model):
    """The consolidated one-time notice of a batch for one round: every case of the batch that
    was asked for a supplement in that round, with its items."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="notices")
    round = models.PositiveSmallIntegerField(_("第几轮"))
    items = models.JSONField(_("需补正的办件与材料"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("批次补正告知")
        verbose_name_plural = _("批次补正告知")
        ordering = ["batch", "round"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "round"], name="batch_notice_round_unique")
        ]

    def __str__(self) -> str:
        return f"{self.batch_id} #{self.round}"


class BatchMessage(models.Model):
    """The batch thread: the agent and the back office talk about the batch online."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    role = models.CharField(_("角色"), max_length=20)
    body = models.TextField(_("内容"), max_length=2000)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("批次留言")
        verbose_name_plural = _("批次留言")
        ordering = ["batch", "at", "id"]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.role}"
