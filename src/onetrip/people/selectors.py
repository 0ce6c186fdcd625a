from __future__ import annotations

from django.utils import timezone

from onetrip.people.models import ApiToken, User


def user_for_api_key(*, key: str) -> User | None:
    """The active user behind an API key, or None. Marks the token as used."""
    if not key:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
