"""Abuse limits, on django-ninja's own throttling (429 with ``Retry-After``): the one policy.

Each limited operation names a scope; ``settings.ONETRIP_THROTTLE_RATES`` gives its rate per
anonymous client (by address; ``NINJA_NUM_PROXIES`` says how many proxies to trust in
``X-Forwarded-For``) and, under ``<scope>_token``, per API-token user (kiosks, agency systems).
Rates are read per request, so a deployment (or a test) can change them in settings.

- API operations: ``throttle=[ClientThrottle("scope")]`` (ninja answers 429 ``throttled``).
- Pages: ``throttle_request(request, "scope")`` raises :class:`RateLimited` (a DomainError
  with ``retry_after``); ``limited_response`` renders it with the ``Retry-After`` header.
- Services with a caller-given key (no request): ``throttle_key(scope=..., ident=...)``.
- Per phone number: ``throttle_phone(scope=..., phone=...)`` counts against ``<scope>_phone``.
- Pages, declaratively: ``@throttled_view("scope", phone_field="phone")`` (per client, or per
  signed-in staff member; a localised 429 page via ``limited_page``).

Counts live in the database, shared by every web process: one statement per hit on PostgreSQL
(``onetrip.throttles.store``), in the ``throttles`` app's table.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja.throttling import SimpleRateThrottle

from onetrip.access import STAFF_ROLES
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

    def _allow(self, ident: str, rate: str | None) -> bool:
        self._ident, self.rate = ident, rate
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if self.rate is None:  # no rate configured: not limited
            return True
        from onetrip.throttles.store import hit

        # ninja's sliding window (SimpleRateThrottle.allow_request), counted in one statement
        key, now = self.get_cache_key(), time.time()
        allowed, history = hit(
            key=key, now=now, limit=self.num_requests or 0, duration=self.duration or 0
        )
        self.key, self.now, self.history = key, now, history
        return allowed

    def allow_request(self, request: HttpRequest) -> bool:
        ident, rate = self._key_and_rate(request)
        return self._allow(ident, rate)

    def get_cache_key(self, request: HttpRequest | None = None) -> str:
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
    rate = settings.ONETRIP_THROTTLE_RATES.get(scope)
    if rate is None:  # not limited: nothing to count
        return
    throttle = ClientThrottle(scope)
    if not throttle._allow(ident, rate):
        raise throttle.refuse(message)


def limited_response(response: HttpResponse, exc: DomainError) -> HttpResponse:
    """``response`` (a 429 page) with the ``Retry-After`` header the refusal carries."""
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def phone_ident(phone: str) -> str:
    """The number a per-phone limit counts by: its digits (so ``138 0000 0000`` and
    ``13800000000`` are one number); empty when there are none."""
    digits = "".join(filter(str.isdigit, str(phone or "")[:64]))
    return digits[-11:]


def throttle_phone(*, scope: str, phone: str, message=None) -> None:
    """Count one event for this phone number against ``<scope>_phone`` (no number: nothing)."""
    ident = phone_ident(phone)
    if ident:
        throttle_key(scope=f"{scope}_phone", ident=f"phone{ident}", message=message)


def throttle_client_and_phone(request: HttpRequest, scope: str, phone: str = "") -> None:
    """The usual pair: this client against ``scope``, the phone number against ``scope_phone``."""
    throttle_request(request, scope)
    throttle_phone(scope=scope, phone=phone)


def limited_page(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    """A refusal for pages: a localised page (an htmx fragment for htmx requests), status 429,
    with ``Retry-After``."""
    from django.shortcuts import render
    from django.utils.html import format_html

    if request.headers.get("HX-Request"):
        response = HttpResponse(
            format_html('<span class="error" data-testid="throttled">{}</span>', exc.message),
            status=429,
        )
    else:
        response = render(request, "throttled.html", {"message": exc.message}, status=429)
    return limited_response(response, exc)


def throttled_view(scope: str, *, phone_field: str | None = None, methods=("POST",)):
    """The pages' equivalent of ninja's ``throttle=``: a view decorator counting each request of
    ``methods`` per client (and per phone number in ``phone_field``, when given)."""
    from functools import wraps

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                try:
                    phone = request.POST.get(phone_field, "") if phone_field else ""
                    user = getattr(request, "user", None)
                    if user is not None and user.is_authenticated and user.has_role(*STAFF_ROLES):
                        # staff at a hall share its address: counted per person (``_token`` rate)
                        throttle_key(scope=f"{scope}_token", ident=f"user{user.pk}")
                        throttle_phone(scope=scope, phone=phone)
                    else:
                        throttle_client_and_phone(request, scope, phone)
                except RateLimited as exc:
                    return limited_page(request, exc)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
