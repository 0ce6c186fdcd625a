"""Login lockout (django-axes): N wrong passwords lock the username on every login form; an
administrator unlocks it (admin action, command) or the cool-off lifts it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from onetrip.audit.models import AuditEvent
from tests.factories import make_user

PASSWORD = "pass-1234-word"
FORMS = {
    "site": ("/accounts/login/", "/console/windows/"),
    "admin": ("/admin/login/?next=/admin/", "/admin/"),
}


def _fail(client: Client, url: str, username: str, times: int) -> list[int]:
    return [
        client.post(url, {"username": username, "password": "wrong-password"}).status_code
        for _ in range(times)
    ]


@pytest.fixture
def limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    return 3


@pytest.mark.django_db
@pytest.mark.parametrize("form", sorted(FORMS))
def test_locked_after_n_failures_even_with_the_right_password(form, limit, world):
    url, _home = FORMS[form]
    make_user("clerk-lock", "clerk", password=PASSWORD, point=world.district, is_staff=True)
    client = Client()
    statuses = _fail(client, url, "clerk-lock", limit)
    assert statuses[: limit - 1] == [200] * (limit - 1)  # the form again, with an error
    assert statuses[-1] == 429  # the N-th failure locks
    r = client.post(url, {"username": "clerk-lock", "password": PASSWORD})
    assert r.status_code == 429
    assert r.headers["Retry-After"] == str(15 * 60)
    assert "该账号已被暂时锁定" in r.content.decode()
    assert "_auth_user_id" not in client.session
    # another client (another address) is refused too: the lock is on the username
    other = Client(REMOTE_ADDR="10.9.9.9")
    assert other.post(url, {"username": "clerk-lock", "password": PASSWORD}).status_code == 429


@pytest.mark.django_db
def test_lockout_message_is_localised(limit, world):
    make_user("clerk-en", "clerk", password=PASSWORD, point=world.district)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    _fail(client, "/accounts/login/", "clerk-en", limit)
    r = client.post("/accounts/login/", {"username": "clerk-en", "password": PASSWORD})
    assert r.status_code == 429
    assert "locked" in r.content.decode()


@pytest.mark.django_db
def test_fewer_failures_then_success_resets_the_count(limit, world):
    make_user("clerk-ok", "clerk", password=PASSWORD, point=world.district)
    client = Client()
    _fail(client, "/accounts/login/", "clerk-ok", limit - 1)
    r = client.post("/accounts/login/", {"username": "clerk-ok", "password": PASSWORD})
    assert r.status_code == 302
    assert not AccessAttempt.objects.filter(username="clerk-ok").exists()


@pytest.mark.django_db
def test_admin_unlocks_from_the_user_list(limit, world):
    user = make_user("clerk-adm", "clerk", password=PASSWORD, point=world.district)
    _fail(Client(), "/accounts/login/", "clerk-adm", limit)
    admin = make_user("root", is_superuser=True, is_staff=True)
    staff = Client()
    staff.force_login(admin)
    page = staff.get("/admin/people/user/")
    assert page.status_code == 200
    r = staff.post(
        "/admin/people/user/",
        {"action": "unlock_logins", "_selected_action": [user.pk]},
    )
    assert r.status_code == 302
    assert AuditEvent.objects.filter(subject_type="login", subject_id="clerk-adm").exists()
    r = Client().post("/accounts/login/", {"username": "clerk-adm", "password": PASSWORD})
    assert r.status_code == 302 and r.headers["Location"] == "/console/windows/"


@pytest.mark.django_db
def test_command_unlocks(limit, world):
    make_user("clerk-cmd", "clerk", password=PASSWORD, point=world.district)
    _fail(Client(), "/accounts/login/", "clerk-cmd", limit)
    call_command("axes_reset_username", "clerk-cmd")
    r = Client().post("/accounts/login/", {"username": "clerk-cmd", "password": PASSWORD})
    assert r.status_code == 302


@pytest.mark.django_db
def test_lock_lifts_after_the_cool_off(limit, settings, world):
    make_user("clerk-time", "clerk", password=PASSWORD, point=world.district)
    client = Client()
    _fail(client, "/accounts/login/", "clerk-time", limit)
    assert (
        client.post(
            "/accounts/login/", {"username": "clerk-time", "password": PASSWORD}
        ).status_code
        == 429
    )
    # the failures happened longer ago than the cool-off
    AccessAttempt.objects.filter(username="clerk-time").update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=5)
    )
    r = client.post("/accounts/login/", {"username": "clerk-time", "password": PASSWORD})
    assert r.status_code == 302
