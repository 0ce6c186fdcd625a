"""Reads about signing in: who must pass a second factor, their TOTP device, lockouts."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.conf import settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from onetrip.access import STAFF_ROLES, authenticated

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from onetrip.people.models import User
    from onetrip.roles import Role


def otp_device_for(
    *, user: User | AnonymousUser | None, confirmed: bool | None = True
) -> TOTPDevice | None:
    """The user's TOTP device (confirmed ones only by default; None: either)."""
    if not authenticated(user):
        return None
    devices = TOTPDevice.objects.filter(user=user)
    if confirmed is not None:
        devices = devices.filter(confirmed=confirmed)
    return devices.order_by("-confirmed", "id").first()


def otp_required_for(*, user: User | AnonymousUser | None, enrolled: bool | None = None) -> bool:
    """Must this signed-in user pass a TOTP code after the password?

    Superusers and the roles in ``ONETRIP_OTP_REQUIRED_ROLES`` (managers and administrators)
    always; other staff once they have enrolled a device (``enrolled``, when the caller knows
    it already); applicants and agents never.
    """
    if not authenticated(user):
        return False
    #: role names from the environment; ``has_role`` compares names, and a Role is its name
    required = cast("tuple[Role, ...]", settings.ONETRIP_OTP_REQUIRED_ROLES)
    if required and (user.is_superuser or user.has_role(*required)):
        return True
    if not user.has_role(*STAFF_ROLES):
        return False
    if enrolled is None:
        enrolled = otp_device_for(user=user) is not None
    return enrolled


def otp_current_code(*, device: TOTPDevice) -> str:
    """The code the device shows now (for the demo's pre-enrolled accounts only)."""
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{code:0{device.digits}d}"


def login_locked_out(*, username: str) -> bool:
    """Is this username locked out after too many wrong passwords (django-axes)?"""
    from axes.models import AccessAttempt

    threshold = settings.AXES_FAILURE_LIMIT
    recent = AccessAttempt.objects.filter(username=username)
    cooloff = settings.AXES_COOLOFF_TIME
    if cooloff:
        from django.utils import timezone

        recent = recent.filter(attempt_time__gte=timezone.now() - cooloff)
    return any(a.failures_since_start >= threshold for a in recent)
