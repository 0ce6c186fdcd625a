"""Small response-header middleware (what Django's SecurityMiddleware does not send)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as _CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.translation import gettext as _

from onetrip.apischema import MAX_INPUT_CHARS
from onetrip.db import MAX_ID


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


# MAX_INPUT_CHARS: the longest single text value any form field, query parameter or JSON
# string may carry (the model's own max_length is checked before each save; this bounds the
# rest, e.g. text columns, and keeps 100,000-character values out of the services). The
# OpenAPI document states it on every input (``onetrip.apischema``).


class _BadInput(Exception):
    def __init__(self, message: str, status: int = 400, code: str = "bad_input") -> None:
        super().__init__(message)
        self.message, self.status, self.code = message, status, code


class _OutOfRange(_BadInput):
    def __init__(self) -> None:
        super().__init__(_("数字超出允许范围。"), 422, "validation_failed")


def _json_int(text: str) -> int:
    value = int(text)
    if abs(value) > MAX_ID:
        raise _OutOfRange
    return value


def _json_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or abs(value) > MAX_ID:
        raise _OutOfRange
    return value


def _json_const(text: str) -> float:
    raise _OutOfRange  # NaN, Infinity


class RejectNulMiddleware:
    """One place for input no field may carry (issue 15), refused with 400 before any view
    (the API's usual ``{"code", "message"}``), so nothing is written:

    - NUL characters in the query string, form fields and JSON bodies (PostgreSQL cannot store
      them and answered 500). A NUL in the path is left to the URL conf and the views, so an
      odd tracking link gets the same "not found" page as any unknown one (where PostgreSQL
      refuses to look such a token up, the usual 404 page);
    - text values over ``MAX_INPUT_CHARS``, in the query string, form fields and JSON;
    - JSON numbers outside the 64-bit range of an id (``1e20``, 20 digits, NaN): 422
      ``validation_failed`` like any other invalid field.

    It also turns what the services refuse (``DomainError``, e.g. a value longer than its
    model field) and what the database refuses as data (PostgreSQL's ``value too long``) into a
    4xx where a view did not catch it, instead of a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @staticmethod
    def _check_text(items) -> None:
        for key, values in items:
            for text in (key, *values):
                if "\x00" in text:
                    raise _BadInput(_("输入中含有不允许的空字符（NUL），请检查后重新提交。"))
                if len(text) > MAX_INPUT_CHARS:
                    raise _BadInput(
                        _("输入过长（单项最多 %(n)d 个字），请缩短后重试。")
                        % {"n": MAX_INPUT_CHARS}
                    )

    @classmethod
    def _check_json(cls, value: Any) -> None:
        if isinstance(value, str):
            cls._check_text([("", [value])])
        elif isinstance(value, dict):
            cls._check_text([(k, []) for k in value])
            for item in value.values():
                cls._check_json(item)
        elif isinstance(value, list):
            for item in value:
                cls._check_json(item)

    @classmethod
    def _check(cls, request: HttpRequest) -> None:
        if "%00" in request.META.get("QUERY_STRING", ""):
            raise _BadInput(_("输入中含有不允许的空字符（NUL），请检查后重新提交。"))
        cls._check_text(request.GET.lists())
        if request.method not in ("POST", "PUT", "PATCH"):
            return
        content_type = request.content_type or ""
        if content_type == "application/json":
            body = request.body
            if b"\x00" in body:
                raise _BadInput(_("输入中含有不允许的空字符（NUL），请检查后重新提交。"))
            try:
                data = json.loads(
                    body or b"null",
                    parse_int=_json_int,
                    parse_float=_json_float,
                    parse_constant=_json_const,
                )
            except ValueError:
                return  # not JSON: the API's own validation answers
            cls._check_json(data)
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            cls._check_text(request.POST.lists())

    @staticmethod
    def _refuse(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse({"code": code, "message": message}, status=status)
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            self._check(request)
        except _BadInput as exc:
            return self._refuse(request, exc.status, exc.code, exc.message)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        from django.db import DataError

        from onetrip.errors import DomainError

        if isinstance(exception, DomainError):
            return self._refuse(request, exception.status, exception.code, str(exception.message))
        if isinstance(exception, DataError) and "\x00" in request.path:
            # a token or code with a NUL in a link: PostgreSQL refuses the lookup; no such
            # thing exists, so it is the usual "not found"
            if request.path.startswith("/api/"):
                return self._refuse(request, 404, "not_found", _("未找到。"))
            from django.views.defaults import page_not_found

            return page_not_found(request, Http404())
        if isinstance(exception, DataError):
            return self._refuse(
                request, 400, "bad_input", _("输入的数据超出允许的长度或范围，请检查后重试。")
            )
        return None


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


#: what a view sets on its response to change its policy (django-csp's decorators)
_CSP_RESPONSE_PARTS = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)


class CSPMiddleware(_CSPMiddleware):
    """django-csp's middleware, with the header text built once per process.

    django-csp rebuilds both policy strings (enforced and report-only) from the settings on
    every response, ~0.1 ms of each request. A response without a per-view policy (django-csp's
    ``@csp_update`` and friends) to a request that used no nonce gets the same text every
    time, so that text is kept; any other response is left to django-csp. Changing the
    settings (tests) forgets what was kept."""

    #: report_only -> (header text, excluded URL prefixes)
    _built: dict[bool, tuple[str, tuple[str, ...]]] = {}

    @classmethod
    def _policy(cls, report_only: bool) -> tuple[str, tuple[str, ...]]:
        built = cls._built.get(report_only)
        if built is None:
            setting = (
                "CONTENT_SECURITY_POLICY_REPORT_ONLY" if report_only else "CONTENT_SECURITY_POLICY"
            )
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            built = cls._built[report_only] = (
                build_policy(report_only=report_only),
                tuple(prefixes),
            )
        return built

    @classmethod
    def forget(cls, **kwargs: Any) -> None:
        cls._built.clear()

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(getattr(response, name, None) is not None for name in _CSP_RESPONSE_PARTS)
            or (settings.DEBUG and response.status_code in (404, 500))
        ):
            return super().process_response(request, response)
        for report_only, header, exempt in (
            (False, HEADER, "_csp_exempt"),
            (True, HEADER_REPORT_ONLY, "_csp_exempt_ro"),
        ):
            policy, prefixes = self._policy(report_only)
            if (
                policy
                and header not in response
                and getattr(response, exempt, False) is False
                and not request.path_info.startswith(prefixes)
            ):
                response[header] = policy
        # as django-csp: a nonce asked for after the header is written is an error
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response


setting_changed.connect(CSPMiddleware.forget, weak=False)
