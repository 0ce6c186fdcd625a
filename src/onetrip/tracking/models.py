"""Follow-up without a visit: messages between applicant and staff on a case, the applicant's
choices for an online application, and the once-only "3 ahead" ticket alert."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuthorKind(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    STAFF = "staff", _("工作人员")


class Message(models.Model):
    """One message in the thread of a case (replaces the group chat)."""

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("办件"), on_delete=models.CASCADE, related_name="messages"
    )
    author_kind = models.CharField(_("发送方"), max_length=10, choices=AuthorKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发送人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(_("内容"))
    at = models.DateTimeField(_("时间"))
    read_by_staff_at = models.DateTimeField(_("工作人员已读"), null=True, blank=True)
    read_by_applicant_at = models.DateTimeField(_("申请人已读"), null=True, blank=True)

    class Meta:
        verbose_name = _("留言")
        verbose_name_plural = _("留言")
        ordering = ["case", "at", "id"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.author_kind} {self.at:%Y-%m-%d %H:%M}"
