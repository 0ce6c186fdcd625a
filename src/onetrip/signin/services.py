"""Writes about signing in: unlocking a locked-out login, enrolling and resetting TOTP devices.

Each is one transaction and writes an audit event (who unlocked or reset whom, and why).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from onetrip.audit.services import audit_record
from onetrip.errors import DomainError, ValidationFailed
from onetrip.signin.selectors import otp_device_for

if TYPE_CHECKING:
    from onetrip.people.models import User


@transaction.atomic
def login_unlock(*, username: str, actor: User | None = None, reason: str = "") -> int:
    """Lift a login lockout (django-axes) for ``username``; returns the attempts removed."""
    from axes.utils import reset

    removed = reset(username=username)
    audit_record(
        ("login", username),
        "unlock",
        actor=actor,
        from_state="locked" if removed else "",
        to_state="open",
        note=(reason or _("管理员解除登录锁定")) + f" ({username})",
    )
    return removed


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """The unconfirmed TOTP device a user is enrolling (a new random key when there is none)."""
    device = otp_device_for(user=user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def _token_tried(device: TOTPDevice, token: str) -> tuple[bool, bool]:
    """(allowed, ok): whether django-otp's throttle lets the device try now, and whether the
    code matched (a wrong one counts against the throttle)."""
    allowed, _info = device.verify_is_allowed()
    return bool(allowed), bool(allowed) and device.verify_token((token or "").strip())


def _token_accepted(*, allowed: bool, ok: bool) -> None:
    """Raise the refusal of a tried code (after the throttle count is committed)."""
    if not allowed:
        raise ValidationFailed(
            _("验证码错误次数过多，请稍候再试。"), code="otp_throttled", status=429
        )
    if not ok:
        raise ValidationFailed(
            _("验证码不正确，请核对手机上验证器显示的 6 位数字。"),
            code="bad_otp",
            fields={"token": [_("验证码不正确")]},
        )


def totp_device_confirm(*, user: User, token: str) -> TOTPDevice:
    """Confirm the enrolment with a code from the authenticator app (the key is then in use).

    A wrong code counts against the device's throttle and that count is committed before the
    error is raised (so guessing slows down)."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("id")
            .first()
        )
        if device is None:
            raise ValidationFailed(_("没有待绑定的验证器，请刷新页面重新扫码。"), code="no_device")
        allowed, ok = _token_tried(device, token)
        if ok:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            audit_record(user, "otp_enrol", actor=user, from_state="", to_state="enrolled")
    _token_accepted(allowed=allowed, ok=ok)
    return device


def totp_verify(*, user: User, token: str) -> TOTPDevice:
    """Check a code against the user's confirmed device (throttled by django-otp: each wrong
    code doubles the wait before the next try); raises ValidationFailed when it does not match."""
    with transaction.atomic():
        device = otp_device_for(user=user)
        if device is None:
            raise ValidationFailed(_("尚未绑定验证器。"), code="no_device")
        allowed, ok = _token_tried(device, token)
    _token_accepted(allowed=allowed, ok=ok)
    return device


@transaction.atomic
def otp_devices_reset(*, user: User, actor: User | None = None, reason: str = "") -> int:
    """Recovery: remove a user's TOTP devices; the next sign-in enrols a new one."""
    removed, _detail = TOTPDevice.objects.filter(user=user).delete()
    audit_record(
        user,
        "otp_reset",
        actor=actor,
        from_state="enrolled" if removed else "",
        to_state="not_enrolled",
        note=reason or _("管理员重置双因素认证"),
    )
    return removed


@transaction.atomic
def totp_device_preenrol(*, user: User, key: str, name: str = "demo") -> TOTPDevice:
    """A confirmed device with a given key (the demo's shown secret); idempotent."""
    device, _created = TOTPDevice.objects.update_or_create(
        user=user, name=name, defaults={"key": key, "confirmed": True}
    )
    return device


@transaction.atomic
def resident_account_sign_on(*, id_number: str, name: str, phone: str = "") -> Any:
    """A resident signed on through the provincial identity service for the first time: a new
    applicant account (no local password) bound to the resident record with this verified ID
    number, which is created when the district has none yet (a name is then required)."""
    import secrets

    from django.core.exceptions import SuspiciousOperation

    from onetrip.people.models import Applicant, User
    from onetrip.people.services import applicant_account_bind
    from onetrip.people.validators import clean_id_number, clean_phone

    id_number = clean_id_number(id_number)
    name = (name or "").strip()[:60]
    try:
        phone = clean_phone(phone) if phone else ""
    except DomainError:
        phone = ""
    applicant = Applicant.objects.select_for_update().filter(id_number=id_number).first()
    if applicant is not None and applicant.user_id is not None:
        raise SuspiciousOperation("resident record already bound to an account")
    if applicant is None and not name:
        raise SuspiciousOperation("a new resident needs a name claim")
    user = User.objects.create_user(
        username=f"oidc-{secrets.token_hex(8)}",
        display_name=name or (applicant.name if applicant else ""),
        phone=phone,
        password=None,
    )
    applicant_account_bind(
        user=user,
        applicant=applicant,
        name=name,
        id_number=id_number,
        phone=phone,
        note="provincial sign-on (OpenID Connect)",
    )
    return user
