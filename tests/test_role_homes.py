"""Every role signs in onto its own workspace; signing out stays in the site's layout."""

from __future__ import annotations

import pytest
from django.http import HttpRequest
from django.test import Client

from onetrip.people.models import Role
from onetrip.web.views import ROLE_HOMES
from tests.factories import make_user

HOMES = dict(ROLE_HOMES)


def test_every_role_has_a_home():
    assert set(HOMES) == set(Role.values)
    assert all(url != "/" for url in HOMES.values())


@pytest.mark.django_db
@pytest.mark.parametrize("role", Role.values)
def test_login_lands_on_the_role_home(role, world):
    make_user(f"u-{role}", role, password="pass-1234-word", point=world.district)
    client = Client()
    r = client.post("/accounts/login/", {"username": f"u-{role}", "password": "pass-1234-word"})
    assert r.status_code == 302
    assert r.headers["Location"] == HOMES[role]
    if HOMES[role] == "/workspace/":  # a workspace saying what is to come and what works now
        page = client.get("/workspace/")
        assert page.status_code == 200
        text = page.content.decode()
        assert "专门议题" in text and "/guide/precheck/" in text


@pytest.mark.django_db
def test_a_safe_next_still_wins(world):
    make_user("clerk-next", "clerk", password="pass-1234-word", point=world.district)
    r = Client().post(
        "/accounts/login/?next=/matters/",
        {"username": "clerk-next", "password": "pass-1234-word", "next": "/matters/"},
    )
    assert r.headers["Location"] == "/matters/"


@pytest.mark.django_db
def test_logout_lands_on_the_site_home_not_the_admin(world):
    make_user("grid-out", "grid_worker", password="pass-1234-word", point=world.district)
    client = Client()
    client.post("/accounts/login/", {"username": "grid-out", "password": "pass-1234-word"})
    r = client.post("/accounts/logout/", follow=True)
    assert r.redirect_chain[-1][0] == "/"
    text = r.content.decode()
    assert "办事最多跑一次" in text
    assert "Django" not in text and "/admin/" not in r.redirect_chain[-1][0]


@pytest.mark.django_db
def test_home_offers_the_workspace_to_staff(world):
    make_user("op", "operator", password="pass-1234-word", point=world.district)
    client = Client()
    client.login(request=HttpRequest(), username="op", password="pass-1234-word")
    assert 'href="/safety/board/"' in client.get("/").content.decode()
    assert "进入我的工作台" in client.get("/").content.decode()


def test_workspace_needs_a_login(client):
    r = client.get("/workspace/")
    assert r.status_code == 302 and "/accounts/login/" in r.headers["Location"]
