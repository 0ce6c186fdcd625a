"""The answer to a locked-out login (django-axes' ``AXES_LOCKOUT_CALLABLE``): a localised page, or
the API's ``{"code", "message"}``, with status 429 and ``Retry-After`` (the cool-off)."""

from __future__ import annotations

import math

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    cooloff = settings.AXES_COOLOFF_TIME
    minutes = math.ceil(cooloff.total_seconds() / 60) if cooloff else None
    if minutes:
        message = _(
            "密码连续错误 %(limit)d 次，该账号已被暂时锁定。请 %(minutes)d 分钟后再试，"
            "或联系系统管理员解锁。"
        ) % {"limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    else:
        message = _("密码连续错误 %(limit)d 次，该账号已被锁定。请联系系统管理员解锁。") % {
            "limit": settings.AXES_FAILURE_LIMIT
        }
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"code": "locked_out", "message": message}, status=429
        )
    else:
        response = render(request, "signin/locked_out.html", {"message": message}, status=429)
    if cooloff:
        response["Retry-After"] = str(int(cooloff.total_seconds()))
    return response


def client_address(request: HttpRequest) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: the address the throttles count by (X-Forwarded-For behind
    the trusted proxies), or None when there is no valid one (a test's ``force_login``)."""
    import ipaddress

    from onetrip.throttles import client_ident

    ident = client_ident(request)
    try:
        ipaddress.ip_address(ident)
    except ValueError:
        return None
    return ident
