"""Small response-header middleware (what Django's SecurityMiddleware does not send)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest


class PermissionsPolicyMiddleware:
    """Send ``Permissions-Policy``: browser features the pages never use stay off."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = settings.ONETRIP_PERMISSIONS_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.policy
        return response


class RejectNulMiddleware:
    """One place that refuses NUL characters in the path, query string, form fields and JSON
    bodies (400): PostgreSQL cannot store them and answered 500; nothing is written."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return True
        if any("\x00" in k or any("\x00" in v for v in vs) for k, vs in request.GET.lists()):
            return True
        if request.method in ("POST", "PUT", "PATCH"):
            content_type = request.content_type or ""
            if content_type == "application/json":
                body = request.body
                return b"\\u0000" in body or b"\x00" in body
            if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                return any(
                    "\x00" in k or any("\x00" in v for v in vs) for k, vs in request.POST.lists()
                )
        return False

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_nul(request):
            return HttpResponseBadRequest("NUL characters are not allowed.")
        return self.get_response(request)
