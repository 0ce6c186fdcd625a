"""The second factor, enforced: a manager or administrator signed in with a password only (or
any staff member with an enrolled device) reaches no page until a TOTP code is given.

Pages redirect to the code page (or to enrolment when no device is set up yet); for the JSON API
such a half-signed-in session counts as not signed in (API tokens are unaffected)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from onetrip.access import STAFF_ROLES
from onetrip.signin.selectors import otp_device_for, otp_required_for

#: reachable before the second factor: the code pages themselves, signing out, assets, language
OPEN_PREFIXES = ("/accounts/otp/", "/accounts/logout/", "/static/", "/i18n/", "/favicon.ico")


#: session key: (user id, has a confirmed device) for staff outside the required roles, so a
#: clerk's console polling once a second does not look the device up every time (a clerk enrols
#: in their own session, which is then verified; a reset removes the device, which un-verifies)
ENROLLED_SESSION_KEY = "onetrip_otp_enrolled"


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @classmethod
    def _needs_code(cls, request: HttpRequest, user) -> bool:
        if otp_required_for(user=user, enrolled=False):  # a required role
            return True
        return user.has_role(*STAFF_ROLES) and cls._enrolled(request, user)

    @staticmethod
    def _enrolled(request: HttpRequest, user) -> bool:
        cached = request.session.get(ENROLLED_SESSION_KEY)
        if isinstance(cached, list) and len(cached) == 2 and cached[0] == user.pk:
            return bool(cached[1])
        enrolled = otp_device_for(user=user) is not None
        request.session[ENROLLED_SESSION_KEY] = [user.pk, enrolled]
        return enrolled

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and self._needs_code(request, user)
        ):
            if request.path.startswith("/api/"):
                request.user = AnonymousUser()
            elif not request.path.startswith(OPEN_PREFIXES):
                target = reverse("signin:otp_verify")
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{target}?{query}")
        return self.get_response(request)
