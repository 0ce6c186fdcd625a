from __future__ import annotations

from django.db.models import F
from django.utils import timezone

from onetrip.people.models import ApiToken, User

#: How stale ``ApiToken.last_used_at`` may get before a request writes it again.
LAST_USED_RESOLUTION_SECONDS = 60


def user_for_api_key(*, key: str) -> User | None:
    """The active user behind an API key, or None. Marks the token as used (at most once a
    minute, so a busy kiosk does not write its token row on every request).

    One indexed query: the token (unique hash), its user and the user's role names (one row per
    group, LEFT JOIN), so ``User.has_role`` needs no further query for this request.
    """
    if not key:
        return None
    rows = list(
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True)
        .annotate(role_name=F("user__groups__name"))
    )
    if not rows:
        return None
    token = rows[0]
    user = token.user
    if not user.is_active:
        return None
    user._role_names = {row.role_name for row in rows if row.role_name}
    now = timezone.now()
    if (
        token.last_used_at is None
        or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return user
