"""Issue 15 item 8 / Build 6: API tokens are created from the admin and a management command,
named, expiring and scoped to roles; the key is shown once and only its hash is kept."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from onetrip.errors import ValidationFailed
from onetrip.people.models import ApiToken
from onetrip.people.services import api_token_create
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _me(key: str):
    return Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")


def test_a_token_is_named_and_only_its_hash_is_kept(world):
    token, key = api_token_create(user=world.clerk, name="湖滨大厅取号机")
    assert key.startswith("ot_") and len(key) > 40
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in {str(v) for v in stored.values()} and token.prefix == key[3:11]
    assert _me(key).json()["username"] == "clerk1"
    with pytest.raises(ValidationFailed) as caught:
        api_token_create(user=world.clerk, name="  ")
    assert "name" in caught.value.fields


def test_an_expired_or_revoked_token_no_longer_works(world):
    from onetrip.people.services import api_token_revoke

    soon = timezone.now() + dt.timedelta(minutes=5)
    token, key = api_token_create(user=world.clerk, name="kiosk", expires_at=soon)
    assert _me(key).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    resp = _me(key)
    assert resp.status_code == 401 and resp.json()["code"] == "not_authenticated"
    with pytest.raises(ValidationFailed):  # an expiry in the past is refused up front
        api_token_create(user=world.clerk, name="kiosk", expires_at=timezone.now())
    other, key2 = api_token_create(user=world.clerk, name="kiosk 2")
    api_token_revoke(token=other)
    assert _me(key2).status_code == 401


def test_a_token_scoped_to_roles_acts_with_those_only(world):
    both = make_user("both", "clerk", "manager", point=world.district)
    _, full = api_token_create(user=both, name="all roles")
    _, clerk_only = api_token_create(user=both, name="window", roles=["clerk"])
    assert _me(full).json()["roles"] == ["clerk", "manager"]
    assert _me(clerk_only).json()["roles"] == ["clerk"]
    assert Client().get("/api/v1/metrics", HTTP_AUTHORIZATION=f"Bearer {full}").status_code == 200
    scoped = Client().get("/api/v1/metrics", HTTP_AUTHORIZATION=f"Bearer {clerk_only}")
    assert scoped.status_code == 403
    with pytest.raises(ValidationFailed) as caught:  # a role the user does not hold
        api_token_create(user=world.clerk, name="x", roles=["manager"])
    assert "roles" in caught.value.fields


def test_the_admin_creates_tokens_and_shows_each_key_once(world):
    """What was seen: the admin saved an empty key and never showed one; a second token then
    answered 500 (the unique hash of the empty key)."""
    admin = make_user("root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin)
    keys = []
    for name in ("取号机 1", "取号机 2"):
        resp = client.post(
            "/admin/people/apitoken/add/",
            {"user": world.clerk.pk, "name": name, "roles": ["clerk"]},
            follow=True,
        )
        assert resp.status_code == 200
        found = re.findall(r"ot_[A-Za-z0-9_-]{40,}", resp.content.decode())
        assert len(found) == 1, name
        keys.append(found[0])
    assert keys[0] != keys[1]
    assert ApiToken.objects.filter(user=world.clerk).count() == 2
    assert all(_me(k).json()["roles"] == ["clerk"] for k in keys)
    # the key is never shown again
    token = ApiToken.objects.get(name="取号机 1")
    page = client.get(f"/admin/people/apitoken/{token.pk}/change/").content.decode()
    assert keys[0] not in page and token.prefix in page
    # the admin's form refuses what the service refuses, nothing written
    resp = client.post(
        "/admin/people/apitoken/add/", {"user": world.clerk.pk, "name": "x", "roles": ["manager"]}
    )
    assert resp.status_code == 200 and ApiToken.objects.count() == 2


def test_the_management_command_creates_lists_and_revokes(world):
    out = io.StringIO()
    call_command(
        "api_token", "create", "--user", "clerk1", "--name", "agency system", "--days", "30",
        "--role", "clerk", stdout=out,
    )  # fmt: skip
    key = out.getvalue().strip().splitlines()[-1]
    assert key.startswith("ot_") and _me(key).status_code == 200
    token = ApiToken.objects.get(name="agency system")
    assert token.roles == ["clerk"] and token.expires_at > timezone.now() + dt.timedelta(days=29)
    listing = io.StringIO()
    call_command("api_token", "list", stdout=listing)
    assert "agency system" in listing.getvalue() and key not in listing.getvalue()
    call_command("api_token", "revoke", str(token.pk), stdout=io.StringIO())
    assert _me(key).status_code == 401
