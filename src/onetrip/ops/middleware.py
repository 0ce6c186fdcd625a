"""Request id and one access-log line per request (``onetrip.request``)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django_prometheus.middleware import PrometheusAfterMiddleware
from django_prometheus.utils import Time, TimeSince

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


class RequestMetricsMiddleware(PrometheusAfterMiddleware):
    """django-prometheus' after-middleware, recording only the request series docs/deploy.md
    lists: requests by method, responses by status, latency by view and method (and the
    exceptions by type and view, from the parent). Its parent also counts every request by
    transport and by view, transport and method, responses by status, view and method, by
    charset and streaming, and observes two body-size histograms: about 150 Python calls and
    seven shared-memory writes a request (bench/steps_cpu_bench.py) for series nobody reads."""

    def process_request(self, request: HttpRequest) -> None:
        self.metrics.requests_by_method.labels(method=self._method(request)).inc()
        request.prometheus_after_middleware_event = Time()  # type: ignore[attr-defined]

    def process_view(self, request: HttpRequest, view_func, *view_args, **view_kwargs) -> None:
        return None

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        self.metrics.responses_by_status.labels(status=str(response.status_code)).inc()
        started = getattr(request, "prometheus_after_middleware_event", None)
        if started is None:
            self.metrics.requests_unknown_latency.inc()
        else:
            self.metrics.requests_latency_by_view_method.labels(
                view=self._get_view_name(request), method=request.method
            ).observe(TimeSince(started))
        return response
