from __future__ import annotations

import datetime as dt
import json
from typing import cast

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from onetrip.people.models import ApiToken, Applicant, Company, User
from onetrip.people.validators import clean_holder_number

#: How stale ``ApiToken.last_used_at`` may get before a request writes it again.
LAST_USED_RESOLUTION_SECONDS = 60

_TOKEN_SQL: str | None = None


def _token_sql() -> str:
    """The token lookup's SQL, built once per process: every API request runs it, and compiling
    the equivalent ORM query cost more than running it. The same text every call also lets
    PostgreSQL keep it prepared."""
    global _TOKEN_SQL
    if _TOKEN_SQL is None:
        quote = connection.ops.quote_name
        through = User.groups.through
        group = User.groups.field.related_model
        users = ", ".join(f"u.{quote(cast(str, f.column))}" for f in User._meta.concrete_fields)
        _TOKEN_SQL = (
            f"SELECT t.id, t.last_used_at, g.{quote('name')}, t.expires_at, t.roles, {users}"
            f" FROM {quote(ApiToken._meta.db_table)} t"
            f" INNER JOIN {quote(User._meta.db_table)} u ON u.id = t.user_id"
            f" LEFT JOIN {quote(through._meta.db_table)} ug ON ug.user_id = u.id"
            f" LEFT JOIN {quote(group._meta.db_table)} g ON g.id = ug.group_id"
            " WHERE t.key_hash = %s AND t.revoked_at IS NULL"
        )
    return _TOKEN_SQL


def _aware(value):
    if isinstance(value, dt.datetime) and timezone.is_naive(value):
        return timezone.make_aware(value, dt.UTC)
    return value


def user_for_api_key(*, key: str) -> User | None:
    """The active user behind an API key, or None. Marks the token as used (at most once a
    minute, so a busy kiosk does not write its token row on every request).

    One indexed query: the token (unique hash), its user and the user's role names (one row per
    group, LEFT JOIN), so ``User.has_role`` needs no further query for this request.
    """
    if not key:
        return None
    with connection.cursor() as cur:
        cur.execute(_token_sql(), [ApiToken.hash_key(key)])
        rows = cur.fetchall()
    if not rows:
        return None
    token_id, last_used_at, expires_at, scope = rows[0][0], rows[0][1], rows[0][3], rows[0][4]
    values = list(rows[0][5:])
    if connection.vendor == "sqlite":  # raw rows there carry naive UTC datetimes
        values = [_aware(v) for v in values]
    # field_names None: the values are every concrete field in order (Django accepts it)
    user = User.from_db(connection.alias, None, values)  # type: ignore[arg-type]
    if not user.is_active:
        return None
    now = timezone.now()
    if expires_at is not None and _aware(expires_at) <= now:
        return None
    names = {row[2] for row in rows if row[2]}
    if isinstance(scope, str):  # SQLite hands the JSON column back as text
        scope = json.loads(scope or "[]")
    if scope:
        # a token scoped to roles acts with those only, and never as a superuser
        names = set(scope) if user.is_superuser else names & set(scope)
        user.is_superuser = False
        if not names:
            return None
    user._role_names = names
    last_used_at = _aware(last_used_at)
    if last_used_at is None or (now - last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    return user


def registered_holder(*, kind: str, number: str) -> tuple[str, Applicant | None, Company | None]:
    """(cleaned number, applicant, company): who is already registered under this ID number /
    credit code ((number, None, None) when nobody is)."""
    number = clean_holder_number(kind=kind, number=number)
    if kind == "person":
        return number, Applicant.objects.filter(id_number=number).first(), None
    return number, None, Company.objects.filter(credit_code=number).first()


def authorisation_in_force(day: dt.date) -> Q:
    """An agency's authorisation letter for a company (the agencies app's ``Authorisation``,
    or ``Company.authorisations``) that is in force on ``day``: not revoked, and ``day``
    within its validity."""
    return Q(revoked_at__isnull=True, valid_from__lte=day, valid_until__gte=day)
