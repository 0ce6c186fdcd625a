"""A fixed-window rate limit per client IP, kept in Django's cache framework.

With the default per-process LocMemCache each web process counts on its own; a deployment
with several processes points ``CACHES`` at a shared cache (database, Redis, Memcached).
"""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onetrip.errors import DomainError

#: requests per minute per client IP, by scope
LIMITS = {"token": 30, "window": 10, "apply": 30}


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"


def client_ip(request) -> str:
    """The peer address. Forwarded headers are not trusted (a proxy sets REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(*, scope: str, key: str, limit: int | None = None, window: int = 60) -> int:
    """Count one request; returns the count in the current window."""
    # the platform's clock (timezone.now), so a frozen test clock keeps one window
    bucket = int(timezone.now().timestamp() // window)
    name = f"rl:{scope}:{key}:{bucket}"
    if cache.add(name, 1, timeout=window + 5):
        return 1
    try:
        return cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, timeout=window + 5)
        return 1


def check(request, scope: str) -> None:
    """Raise RateLimited (429) when this client is over the limit for ``scope``."""
    limit = LIMITS[scope]
    if hit(scope=scope, key=client_ip(request)) > limit:
        raise RateLimited(_("请求过于频繁，请一分钟后再试。"))
