"""Moved to :mod:`onetrip.throttles` (one abuse-limit policy). This name stays only for the
online-application page until it moves to ``intake``; new code imports ``onetrip.throttles``."""

from onetrip.throttles import RateLimited
from onetrip.throttles import throttle_request as check

__all__ = ["RateLimited", "check"]
