"""Abuse limits, on django-ninja's own throttling (429 with ``Retry-After``): the one policy.

Each limited operation names a scope; ``settings.ONETRIP_THROTTLE_RATES`` gives its rate per
anonymous client (by address; ``NINJA_NUM_PROXIES`` says how many proxies to trust in
``X-Forwarded-For``) and, under ``<scope>_token``, per API-token user (kiosks, agency systems).
Rates are read per request, so a deployment (or a test) can change them in settings.

- API operations: ``throttle=[ClientThrottle("scope")]`` (ninja answers 429 ``throttled``).
- Pages: ``throttle_request(request, "scope")`` raises :class:`RateLimited` (a DomainError
  with ``retry_after``); ``limited_response`` renders it with the ``Retry-After`` header.
- Services with a caller-given key (no request): ``throttle_key(scope=..., ident=...)``.

Counts live in Django's cache (``CACHES``: the database cache, shared by every web process).
"""

from __future__ import annotations

import math

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja.throttling import SimpleRateThrottle

from onetrip.errors import DomainError


class RateLimited(DomainError):
    status = 429
    code = "throttled"

    def __init__(self, message=None, *, retry_after: int | None = None, **kwargs) -> None:
        super().__init__(message or _("请求过于频繁，请稍后再试。"), **kwargs)
        self.retry_after = retry_after


class ClientThrottle(SimpleRateThrottle):
    """Per token user when a valid API token was sent, else per client address."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        self.rate = None
        self.num_requests, self.duration = None, None

    def _key_and_rate(self, request: HttpRequest) -> tuple[str, str | None]:
        user = getattr(request, "user", None)
        rates = settings.ONETRIP_THROTTLE_RATES
        if (
            request.headers.get("Authorization", "").lower().startswith("bearer ")
            and user is not None
            and user.is_authenticated
        ):
            return f"user{user.pk}", rates.get(f"{self.scope}_token")
        return f"ip{self.get_ident(request)}", rates.get(str(self.scope))

    def _allow(self, ident: str, rate: str | None, request: HttpRequest) -> bool:
        self._ident, self.rate = ident, rate
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if self.rate is None:  # no rate configured: not limited
            return True
        return super().allow_request(request)

    def allow_request(self, request: HttpRequest) -> bool:
        ident, rate = self._key_and_rate(request)
        return self._allow(ident, rate, request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self._ident}

    def refuse(self, message=None, **kwargs) -> RateLimited:
        wait = self.wait()
        return RateLimited(message, retry_after=math.ceil(wait) if wait else None, **kwargs)


def client_ident(request: HttpRequest) -> str:
    """The client address the limits count by (ninja's rule, honouring NINJA_NUM_PROXIES)."""
    return ClientThrottle("").get_ident(request) or "unknown"


def throttle_request(request: HttpRequest, scope: str, message=None) -> None:
    """Count one request of this client against ``scope``; raise RateLimited when over it.

    Shares its counts with API operations that use ``ClientThrottle(scope)``."""
    throttle = ClientThrottle(scope)
    if not throttle.allow_request(request):
        raise throttle.refuse(message)


def throttle_key(*, scope: str, ident: str, message=None) -> None:
    """Count one event for ``ident`` (a caller-given client key) against ``scope``."""
    throttle = ClientThrottle(scope)
    if not throttle._allow(ident, settings.ONETRIP_THROTTLE_RATES.get(scope), HttpRequest()):
        raise throttle.refuse(message)


def limited_response(response: HttpResponse, exc: DomainError) -> HttpResponse:
    """``response`` (a 429 page) with the ``Retry-After`` header the refusal carries."""
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response
