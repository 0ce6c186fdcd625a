"""Request id and one access-log line per request (``onetrip.request``)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from onetrip.ops.logs import request_id_from, request_id_var

access_log = logging.getLogger("onetrip.request")


class RequestIdMiddleware:
    """Sets the request id for every log line of the request, answers it in ``X-Request-ID``
    and logs the request: method, the URL *pattern* (never the path, whose tracking tokens
    and query strings can carry personal data), the view, status and duration."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        token = request_id_var.set(rid)
        request.request_id = rid  # type: ignore[attr-defined]
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = rid
            match = request.resolver_match
            access_log.info(
                "%s %s %s",
                request.method,
                match.route if match else "-",
                response.status_code,
                extra={
                    "method": request.method,
                    "route": match.route if match else None,
                    "view": match.view_name if match else None,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id_var.reset(token)
