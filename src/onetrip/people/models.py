"""Users, roles, applicants (people and companies), agencies and API clients."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from onetrip.masking import mask_id_number, mask_name, mask_phone
from onetrip.roles import Role


class User(AbstractUser):
    """A person who signs in: staff, agent or applicant.

    Staff are tied to the service point they work at and, for back-office reviewers, their
    department; agents to their agency.
    """

    display_name = models.CharField(_("姓名"), max_length=60, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True, db_index=True)
    point = models.ForeignKey(
        "catalogue.ServicePoint",
        verbose_name=_("所在网点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    department = models.ForeignKey(
        "catalogue.Department",
        verbose_name=_("所属部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    agency = models.ForeignKey(
        "people.Agency",
        verbose_name=_("所属代办机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agents",
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    def role_names(self) -> set[str]:
        """The roles the user acts with on this request (a scoped API token: only its own)."""
        names = getattr(self, "_role_names", None)
        if names is None:
            names = set(self.groups.values_list("name", flat=True))
            self._role_names = names
        return names

    def has_role(self, *roles: Role) -> bool:
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        # role_names() inlined: this runs several times on every staff request
        names = self.__dict__.get("_role_names")
        if names is None:
            names = self.role_names()
        return not names.isdisjoint(roles)


class Applicant(models.Model):
    """An individual applicant (办事群众), identified by resident ID number (GB 11643)."""

    name = models.CharField(_("姓名"), max_length=60)
    id_number = models.CharField(_("公民身份号码"), max_length=18, unique=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applicant",
    )
    bad_credit = models.BooleanField(_("失信名单"), default=False)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("个人申请人")
        verbose_name_plural = _("个人申请人")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{mask_name(self.name)} {mask_id_number(self.id_number)}"

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class Company(models.Model):
    """A company applicant (企业), identified by unified social credit code (GB 32100).

    A company being founded (设立中) has a name and a founder but no credit code yet: the
    registration's result issues it (``cases`` sets ``credit_code`` and ``registered_at``).
    """

    name = models.CharField(_("企业名称"), max_length=200)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, null=True, blank=True
    )
    legal_representative = models.CharField(_("法定代表人"), max_length=60, blank=True)
    legal_rep_id_number = models.CharField(
        _("法定代表人公民身份号码"),
        max_length=18,
        blank=True,
        help_text=_("用于从共享数据核验法定代表人居民身份证等政府已有材料"),
    )
    founder = models.ForeignKey(
        "people.Applicant",
        verbose_name=_("设立人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="founded_companies",
    )
    registered_at = models.DateTimeField(_("设立登记时间"), null=True, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    address = models.CharField(_("住所"), max_length=200, blank=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("经办账号"), blank=True, related_name="companies"
    )
    bad_credit = models.BooleanField(_("失信名单"), default=False)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def being_founded(self) -> bool:
        """设立中: not registered yet, so no credit code."""
        return not self.credit_code


class AgencyStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    WARNED = "warned", _("警示")
    SUSPENDED = "suspended", _("暂停")


class Agency(models.Model):
    """An intermediary agency (中介代办机构) that applies on behalf of companies."""

    district = models.ForeignKey(
        "catalogue.ServicePoint",
        verbose_name=_("登记区县"),
        on_delete=models.PROTECT,
        related_name="agencies",
    )
    name = models.CharField(_("机构名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    contact_name = models.CharField(_("联系人"), max_length=60, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    licence_number = models.CharField(_("代理资质/许可证号"), max_length=60, blank=True)
    licence_valid_until = models.DateField(_("资质有效期至"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=AgencyStatus.choices, default=AgencyStatus.ACTIVE
    )
    status_reason = models.TextField(_("状态理由"), blank=True)
    clients = models.ManyToManyField(
        Company, verbose_name=_("委托企业"), blank=True, related_name="agencies"
    )
    registered_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("代办机构")
        verbose_name_plural = _("代办机构")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A per-client API token (kiosks, agency systems). Only the SHA-256 of the key is kept."""

    audit_subject = ("api_token", "pk")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代表用户"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("客户端名称"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    #: After this moment the token no longer authenticates (None: until revoked).
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    #: The roles the token may act with (a subset of the user's; empty: all of the user's).
    roles = models.JSONField(_("授权角色"), default=list, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class PhoneCode(models.Model):
    """A one-time SMS code for registering or resetting an applicant account (hash only)."""

    phone = models.CharField(_("手机号"), max_length=20, db_index=True)
    purpose = models.CharField(_("用途"), max_length=20, default="register")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("发送时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("失效时间"))
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [models.Index(fields=["phone", "purpose", "created_at"])]

    def __str__(self) -> str:
        return f"{mask_phone(self.phone)} {self.purpose}"

    @staticmethod
    def hash_code(phone: str, code: str) -> str:
        return hashlib.sha256(f"{phone}:{code}".encode()).hexdigest()
