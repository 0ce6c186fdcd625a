"""Shared data between departments (打通数据): certificates and records one department issued,
keyed by the holder's number, and the log of every read."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from onetrip.masking import mask_id_number

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class HolderKind(models.TextChoices):
    PERSON = "person", _("个人")
    COMPANY = "company", _("企业")


#: Known kinds of shared documents and the identity each is keyed by. Sources may provide
#: other kinds too; these are the ones the sample district and the catalogue use.
KIND_LABELS: dict[str, StrOrPromise] = {
    "business_licence": _("营业执照"),
    "resident_id": _("居民身份证"),
    "household_register": _("户口簿"),
    "senior_card": _("老年人优待证"),
    "marriage_certificate": _("结婚证"),
    "case_result": _("办件结果"),
}
KIND_HOLDER: dict[str, str] = {
    "business_licence": HolderKind.COMPANY,
    "resident_id": HolderKind.PERSON,
    "household_register": HolderKind.PERSON,
    "senior_card": HolderKind.PERSON,
    "marriage_certificate": HolderKind.PERSON,
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


class SharedRecordRules:
    """What any shared record answers the same way, a local ``SharedDocument`` or a record of
    a non-local source (``sources.SharedRecord``): its kind's label and its validity."""

    if TYPE_CHECKING:
        kind: str
        issued_on: dt.date
        valid_until: dt.date | None
        revoked: bool

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    def is_valid_on(self, day: dt.date) -> bool:
        """Not revoked, issued by ``day`` and not expired on it."""
        if self.revoked or self.issued_on > day:
            return False
        return self.valid_until is None or self.valid_until >= day


class SharedDocument(SharedRecordRules, models.Model):
    """One certificate or record a department issued to a person or company."""

    audit_subject = ("shared_document", "pk")

    kind = models.SlugField(_("证照类型"), max_length=40)
    holder_kind = models.CharField(_("持有人类型"), max_length=10, choices=HolderKind.choices)
    holder_number = models.CharField(
        _("持有人证件号码"), max_length=18, help_text=_("公民身份号码或统一社会信用代码")
    )
    holder_name = models.CharField(_("持有人名称"), max_length=200, blank=True)
    title = models.CharField(_("证照名称"), max_length=200)
    number = models.CharField(_("证照编号"), max_length=80)
    source_department = models.ForeignKey(
        "catalogue.Department",
        verbose_name=_("出具部门"),
        on_delete=models.PROTECT,
        related_name="shared_documents",
    )
    issued_on = models.DateField(_("签发日期"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    data = models.JSONField(_("证照数据"), default=dict, blank=True)
    revoked = models.BooleanField(_("已注销"), default=False)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    #: Name of the source that produced the record (the local table).
    source = "local"

    class Meta:
        verbose_name = _("共享证照")
        verbose_name_plural = _("共享证照")
        ordering = ["holder_number", "kind", "-issued_on"]
        indexes = [models.Index(fields=["holder_number", "kind"])]
        constraints = [
            models.UniqueConstraint(
                fields=["source_department", "kind", "number"],
                name="shared_document_number_unique_per_department",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.number} ({mask_id_number(self.holder_number)})"


class ShareReadLog(models.Model):
    """Append-only: who read which shared record, when, and why."""

    document = models.ForeignKey(
        SharedDocument,
        verbose_name=_("共享证照"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reads",
    )
    source = models.CharField(_("数据源"), max_length=60, default="local")
    kind = models.SlugField(_("证照类型"), max_length=40)
    number = models.CharField(_("证照编号"), max_length=80, blank=True)
    holder_number_masked = models.CharField(_("持有人（脱敏）"), max_length=18, blank=True)
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("读取人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    purpose = models.CharField(_("用途"), max_length=200)
    case_ref = models.CharField(_("关联办件"), max_length=40, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("共享数据读取记录")
        verbose_name_plural = _("共享数据读取记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.number} · {self.purpose}"
