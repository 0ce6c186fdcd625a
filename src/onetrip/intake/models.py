"""Window zero (0号窗口 导办): pre-checks of materials, form definitions and saved drafts."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from onetrip.catalogue import rules as _rules


def new_token() -> str:
    return secrets.token_urlsafe(24)


# The kinds of applicant live with the catalogue's rule set (one list for every step).
ApplicantKind = _rules.ApplicantKind


class NextStep(models.TextChoices):
    ONLINE = "online", _("网上办理")
    TICKET = "ticket", _("取号办理")
    NEAREST_POINT = "nearest_point", _("就近网点办理")
    DOOR = "door", _("上门办理")


class PreCheck(models.Model):
    """One pre-check of an applicant's materials against a matter's list, kept for the figures."""

    token = models.CharField(_("告知单令牌"), max_length=48, unique=True, default=new_token)
    district = models.ForeignKey(
        "catalogue.ServicePoint",
        verbose_name=_("区县"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    matter = models.ForeignKey(
        "catalogue.Matter",
        verbose_name=_("事项"),
        on_delete=models.PROTECT,
        related_name="prechecks",
    )
    point = models.ForeignKey(
        "catalogue.ServicePoint",
        verbose_name=_("网点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="prechecks",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导办员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    self_service = models.BooleanField(_("自助预检"), default=False)
    applicant_kind = models.CharField(_("申请人类型"), max_length=10, choices=ApplicantKind.choices)
    holder_masked = models.CharField(_("证件号码（脱敏）"), max_length=18, blank=True)
    holder_hash = models.CharField(
        _("证件号码摘要"), max_length=64, blank=True, db_index=True, editable=False
    )
    at_hand = models.JSONField(_("已带材料"), default=list)
    missing = models.JSONField(_("缺少材料"), default=list)
    held = models.JSONField(_("政府已有材料"), default=list)
    later = models.JSONField(_("容缺后补材料"), default=list)
    complete = models.BooleanField(_("材料齐全"), default=False)
    next_step = models.CharField(_("下一步"), max_length=16, choices=NextStep.choices)
    next_detail = models.JSONField(_("下一步详情"), default=dict)
    case_number = models.CharField(_("关联办件"), max_length=32, blank=True, db_index=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("材料预检")
        verbose_name_plural = _("材料预检")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["district", "at"])]

    def __str__(self) -> str:
        return f"{self.matter} · {self.at:%Y-%m-%d %H:%M}"


class FieldType(models.TextChoices):
    TEXT = "text", _("文字")
    DATE = "date", _("日期")
    ID_NUMBER = "id_number", _("公民身份号码")
    CREDIT_CODE = "credit_code", _("统一社会信用代码")
    PHONE = "phone", _("手机号")
    CHOICE = "choice", _("选项")


class FormDefinition(models.Model):
    """The application form of one matter: a JSON list of field definitions.

    Each field: ``{"name", "label", "type", "required", "sample", "help", "choices"?,
    "max_length"?}``. Matters without a definition get default fields by audience.
    """

    audit_subject = ("form_definition", "pk")

    matter = models.OneToOneField(
        "catalogue.Matter",
        verbose_name=_("事项"),
        on_delete=models.CASCADE,
        related_name="form_definition",
    )
    title = models.CharField(_("表格名称"), max_length=200, blank=True)
    fields = models.JSONField(_("字段"), default=list)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("申请表定义")
        verbose_name_plural = _("申请表定义")

    def __str__(self) -> str:
        return self.title or str(self.matter)


class FormDraft(models.Model):
    """A saved, not yet submitted application form (by signed-in user or anonymous token)."""

    token = models.CharField(_("草稿令牌"), max_length=48, unique=True, default=new_token)
    matter = models.ForeignKey(
        "catalogue.Matter", verbose_name=_("事项"), on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="form_drafts",
    )
    data = models.JSONField(_("填写内容"), default=dict)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("申请表草稿")
        verbose_name_plural = _("申请表草稿")
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"{self.matter} · {self.updated_at:%Y-%m-%d %H:%M}"


class OnlineDelivery(models.TextChoices):
    POST = "post", _("邮寄送达")
    HOME = "home", _("送达上门")
    E_CERTIFICATE = "e_certificate", _("电子证照（在线下载）")


class OnlineApplication(models.Model):
    """What the applicant filled in when applying online (网上办): the form and the delivery."""

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("办件"), on_delete=models.CASCADE, related_name="online"
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请账号"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    form_data = models.JSONField(_("申请表内容"), default=dict)
    delivery = models.CharField(_("送达方式"), max_length=16, choices=OnlineDelivery.choices)
    delivery_address = models.CharField(_("送达地址"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        # moved from the tracking app (issue #11): the table keeps its name
        db_table = "tracking_onlineapplication"
        verbose_name = _("网上申请")
        verbose_name_plural = _("网上申请")

    def __str__(self) -> str:
        return str(self.case_id)
