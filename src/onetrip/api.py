"""The JSON API root: /api/v1/…, OpenAPI at /api/openapi.json, docs at /api/docs.

Authentication: a browser session (with CSRF) or a per-client token in
``Authorization: Bearer ot_…``. Each app contributes a router; endpoints stay thin and
call the app's services and selectors.
"""

from __future__ import annotations

import copy
import threading

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from onetrip.apischema import document_input_limits, document_optional_auth
from onetrip.auth import optional_auth, staff_auth, token_auth  # noqa: F401  (re-exported)
from onetrip.errors import DomainError, ErrorOut

#: Error statuses every operation may answer (documented on each one, with ``ErrorOut``):
#: bad input refused before the view (NUL, over-long text, numbers out of range), an invalid
#: token, no permission or a failed CSRF check, an unknown object, invalid fields, too many
#: requests; writes may also meet a conflict.
STANDARD_ERRORS = {
    400: "Bad input (NUL, over-long text, numbers out of range)",
    401: "Not authenticated (or an invalid token)",
    403: "Forbidden (or CSRF check failed for a session)",
    404: "Not found",
    422: "Validation failed",
    429: "Too many requests (see Retry-After)",
}
WRITE_ERRORS = {409: "Conflict with the current state"}


class OneTripAPI(NinjaAPI):
    """Builds the OpenAPI document once per process (per path prefix) and hands out copies:
    generating it walks ~70 operations and their pydantic models, which took seconds on a busy
    machine (schemathesis timed out loading it); the routes never change after start-up."""

    _openapi_cache: dict[str, dict]
    _openapi_lock = threading.Lock()

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        cache = self.__dict__.setdefault("_openapi_cache", {})
        if path_prefix not in cache:
            with self._openapi_lock:
                if path_prefix not in cache:
                    cache[path_prefix] = self._build_openapi_schema(path_prefix)
        return copy.deepcopy(cache[path_prefix])

    def _build_openapi_schema(self, path_prefix: str) -> dict:
        schema = dict(super().get_openapi_schema(path_prefix=path_prefix))
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault(
            "ErrorOut", ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for operations in schema["paths"].values():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                errors = STANDARD_ERRORS | (WRITE_ERRORS if method != "get" else {})
                for status, text in errors.items():
                    if status not in responses and str(status) not in responses:
                        responses[status] = {"description": text, "content": body}
        document_input_limits(schema)
        document_optional_auth(schema, marker="OptionalAuth", scheme="TokenAuth")
        return schema


api = OneTripAPI(
    title="OneTrip API",
    version="1",
    description=(
        "一窗通办平台接口 (run-at-most-once one-window service platform).\n\n"
        "Every request: text without NUL characters (refused with 400 `bad_input`), at most "
        "20,000 characters per value; numbers within ±(2^63-1). Request bodies refuse fields "
        "they do not declare. Every error is `{code, message}` with a status listed on the "
        "operation."
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _error(request, status: int, code: str, message: str, fields=None):
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return api.create_response(request, body, status=status)


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    retry_after = getattr(exc, "retry_after", None)  # a refusal by onetrip.throttles
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@api.exception_handler(NinjaValidationError)
def _validation_error(request, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        # ("body", "payload", "title") -> "title": only the leading location parts go (a
        # field may itself be called "body")
        loc = [str(p) for p in err.get("loc", [])]
        if loc and loc[0] in ("body", "query", "path", "form", "file"):
            loc.pop(0)
        if loc and loc[0] == "payload":
            loc.pop(0)
        fields.setdefault(".".join(loc) or "_", []).append(err.get("msg", ""))
    return _error(request, 422, "validation_failed", _("提交的数据有误，请检查后重试。"), fields)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return _error(request, 401, "not_authenticated", _("请先登录或提供有效的接口令牌。"))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, "not_found", _("未找到。"))


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return _error(request, 403, "forbidden", _("无权访问。"))


@api.exception_handler(DjangoValidationError)
def _django_validation(request, exc: DjangoValidationError):
    fields = exc.message_dict if hasattr(exc, "error_dict") else None
    return _error(request, 422, "validation_failed", "；".join(exc.messages), fields)


@api.exception_handler(Throttled)
def _throttled(request, exc: Throttled):
    # ninja adds Retry-After (seconds) to this response.
    return _error(request, 429, "throttled", _("请求过于频繁，请稍后再试。"))


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return _error(request, exc.status_code, "http_error", str(exc))


def _mount() -> None:
    from onetrip.agencies.api import router as agencies_router
    from onetrip.cases.api import router as cases_router
    from onetrip.catalogue.api import router as catalogue_router
    from onetrip.community.api import router as community_router
    from onetrip.homevisits.api import router as homevisits_router
    from onetrip.intake.api import router as intake_router
    from onetrip.metrics.api import router as metrics_router
    from onetrip.notices.api import router as notices_router
    from onetrip.people.api import router as people_router
    from onetrip.queueing.api import router as queueing_router
    from onetrip.safety.api import router as safety_router
    from onetrip.sharing.api import router as sharing_router
    from onetrip.tracking.api import router as tracking_router

    for router in (
        catalogue_router,
        people_router,
        queueing_router,
        cases_router,
        intake_router,
        sharing_router,
        tracking_router,
        notices_router,
        metrics_router,
        agencies_router,
        safety_router,
        community_router,
        homevisits_router,
    ):
        api.add_router("/v1/", router)


_mount()
