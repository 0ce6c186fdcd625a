"""Small response-header middleware (what Django's SecurityMiddleware does not send)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _


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
    """One place that refuses NUL characters in the query string, form fields and JSON bodies
    (400; the API's usual ``{"code", "message"}``): PostgreSQL cannot store them and answered
    500; nothing is written. A NUL in the path is left to the URL conf and the views, so an
    odd tracking link still gets the same "not found" page as any unknown one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        if "%00" in request.META.get("QUERY_STRING", ""):
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
            message = _("输入中含有不允许的空字符（NUL），请检查后重新提交。")
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "bad_input", "message": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class ApiSessionCsrfMiddleware:
    """CSRF for every API write made with a browser session (issue 15).

    django-ninja's views are CSRF-exempt and only its session auth checks the token, so the
    endpoints open to anonymous callers (which still recognise a signed-in user: a guide's
    session issues priority tickets) took a cross-origin ``text/plain`` POST with the session
    cookie. Here an unsafe request to ``/api/`` from a signed-in session, without an
    ``Authorization`` header, must pass Django's CSRF check (403 ``csrf_failed`` otherwise).
    Token clients are unaffected: a browser cannot send ``Authorization`` cross-origin without
    a CORS preflight the API never grants. Anonymous callers have no session to abuse."""

    SAFE = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method not in self.SAFE
            and request.path.startswith("/api/")
            and "Authorization" not in request.headers
            and getattr(request, "user", None) is not None
            and request.user.is_authenticated
        ):
            from ninja.utils import check_csrf

            if check_csrf(request) is not None:
                return JsonResponse(
                    {
                        "code": "csrf_failed",
                        "message": _("请求未通过跨站请求伪造（CSRF）校验，请刷新页面后重试。"),
                    },
                    status=403,
                )
        return self.get_response(request)


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body (``Content-Length``) is over
    ``ONETRIP_MAX_REQUEST_BYTES`` with 413, before anything reads the body (it sits ahead of
    the CSRF and NUL checks, which read forms): a 200 MB upload is not received to be refused."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.ONETRIP_MAX_REQUEST_BYTES
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            size = int(declared)
        except ValueError:
            size = -1
        if size < 0 or (limit and size > limit):
            message = _("提交的内容过大（最大 %(mb)d MB），请压缩文件或分次上传。") % {
                "mb": limit // (1024 * 1024)
            }
            if size < 0:
                message = _("请求头 Content-Length 无效。")
            if request.path.startswith("/api/"):
                code = "too_large" if size >= 0 else "bad_request"
                response: HttpResponse = JsonResponse(
                    {"code": code, "message": message}, status=413 if size >= 0 else 400
                )
            else:
                response = HttpResponse(
                    message,
                    status=413 if size >= 0 else 400,
                    content_type="text/plain; charset=utf-8",
                )
            response["Connection"] = "close"  # do not read the rest of the body to reuse it
            return response
        return self.get_response(request)
