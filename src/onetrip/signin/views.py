"""Sign-in pages: the TOTP code after the password, enrolment with a QR code, and the
provincial identity service (OpenID Connect) beside the local login."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from mozilla_django_oidc import views as oidc_views

from onetrip.errors import DomainError
from onetrip.qr import qr_svg
from onetrip.signin import oidc
from onetrip.signin.selectors import otp_current_code, otp_device_for
from onetrip.signin.services import totp_device_confirm, totp_device_start, totp_verify

if TYPE_CHECKING:
    from onetrip.people.models import User

    class SignedInRequest(HttpRequest):
        """A request behind ``login_required``: someone is signed in."""

        user: User


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and ok else "/"


def _demo_hint(device) -> dict:
    """Only in the demo, for its pre-enrolled accounts: the secret and the current code."""
    if not (settings.ONETRIP_DEMO and device is not None and device.name == "demo"):
        return {}
    from base64 import b32encode

    return {
        "demo_secret": b32encode(device.bin_key).decode(),
        "demo_code": otp_current_code(device=device),
    }


def _code_page(
    request: HttpRequest, check: Callable[..., Any], template: str, context: dict[str, Any]
) -> HttpResponse:
    """A page asking for a 6-digit code. A posted code is checked by ``check`` (verify or
    confirm): on success the session is verified and the answer is the redirect onward; else
    ``template`` with ``context``, the error and its status."""
    error, status = "", 200
    if request.method == "POST":
        try:
            device = check(user=request.user, token=request.POST.get("token", ""))
        except DomainError as exc:
            error, status = exc.message, exc.status
        else:
            django_otp.login(request, device)
            return redirect(_next(request))
    return render(
        request, template, {**context, "error": error, "next": _next(request)}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Second step after the password: the 6-digit code from the authenticator app."""
    device = otp_device_for(user=request.user)
    if device is None:
        return redirect("/accounts/otp/setup/?" + urlencode({"next": _next(request)}))
    if request.user.is_verified():  # type: ignore[union-attr]  # set by OTPMiddleware
        return redirect(_next(request))
    return _code_page(request, totp_verify, "signin/otp_verify.html", _demo_hint(device))


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: SignedInRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code (or type the key), confirm with a code."""
    if otp_device_for(user=request.user) is not None:
        # already enrolled: a new device only after an administrator's reset (recovery)
        return redirect("/accounts/otp/?" + urlencode({"next": _next(request)}))
    device = totp_device_start(user=request.user)
    from base64 import b32encode

    return _code_page(
        request,
        totp_device_confirm,
        "signin/otp_setup.html",
        {
            "qr": qr_svg(device.config_url, box_size=6),
            "secret": b32encode(device.bin_key).decode(),
        },
    )


def _oidc_on(view):
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not oidc.enabled():
            raise Http404("provincial sign-on is not configured")
        return view(request, *args, **kwargs)

    return wrapped


class _AuthenticationRequestView(oidc_views.OIDCAuthenticationRequestView):
    get_settings = staticmethod(oidc.oidc_setting)


class _CallbackView(oidc_views.OIDCAuthenticationCallbackView):
    get_settings = staticmethod(oidc.oidc_setting)


oidc_authenticate = _oidc_on(_AuthenticationRequestView.as_view())
oidc_callback = _oidc_on(_CallbackView.as_view())
