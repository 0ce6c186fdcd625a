"""Notifications to applicants and staff (SMS, WeChat, e-mail, console), kept with their
delivery history so failures are visible to staff and can be resent by hand."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from onetrip.masking import mask_phone


class Channel(models.TextChoices):
    SMS = "sms", _("短信")
    WECHAT = "wechat", _("微信")
    EMAIL = "email", _("电子邮件")
    CONSOLE = "console", _("控制台（演示）")


class NoticeStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败，等待重试")
    GIVEN_UP = "given_up", _("已放弃")


def mask_recipient(channel: str, value: str) -> str:
    """Phone numbers as ``138****5678``, e-mail as ``z***@example.com``, ids by their ends."""
    if not value:
        return ""
    if channel == Channel.EMAIL or "@" in value:
        local, _sep, domain = value.partition("@")
        return (local[:1] + "***@" + domain) if domain else mask_phone(value)
    if channel == Channel.SMS or value.isdigit():
        return mask_phone(value)
    if len(value) <= 6:
        return value[:1] + "*" * (len(value) - 1)
    return value[:3] + "*" * 4 + value[-3:]


class Notice(models.Model):
    """One message to one recipient, rendered from a template, with its delivery state."""

    district = models.ForeignKey(
        "catalogue.ServicePoint",
        verbose_name=_("所属区县"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField(_("渠道"), max_length=12, choices=Channel.choices)
    sender = models.CharField(_("发送通道"), max_length=30)
    recipient = models.CharField(_("接收人"), max_length=200)
    template = models.CharField(_("模板"), max_length=40)
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    text = models.TextField(_("内容"))
    subject_type = models.CharField(_("关联对象类型"), max_length=40, blank=True)
    subject_id = models.CharField(_("关联对象"), max_length=60, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=NoticeStatus.choices, default=NoticeStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("最多尝试次数"), default=5)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    provider_id = models.CharField(_("通道消息编号"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("消息通知")
        verbose_name_plural = _("消息通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["district", "status", "created_at"]),
            models.Index(fields=["subject_type", "subject_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.masked_recipient} {self.template}"

    @property
    def masked_recipient(self) -> str:
        return mask_recipient(self.channel, self.recipient)
