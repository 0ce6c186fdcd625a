"""Abuse limits for the API, on django-ninja's own throttling (429 with ``Retry-After``).

One policy: each limited operation names a scope; ``settings.ONETRIP_THROTTLE_RATES`` gives its
rate per anonymous client (by address; ``NINJA_NUM_PROXIES`` says how many proxies to trust in
``X-Forwarded-For``) and, under ``<scope>_token``, per API-token user (kiosks, agency systems).
Rates are read per request, so a deployment (or a test) can change them in settings.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import SimpleRateThrottle


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
        return f"ip{self.get_ident(request)}", rates.get(self.scope)

    def allow_request(self, request: HttpRequest) -> bool:
        ident, self.rate = self._key_and_rate(request)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self._ident = ident
        return super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self._ident}
