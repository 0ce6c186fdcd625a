"""TOTP second factor (django-otp): managers and administrators reach no staff page, and no API
operation through their session, until a code from their authenticator is given."""

from __future__ import annotations

import re
from base64 import b32decode

import pytest
from django.core.management import call_command
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from onetrip.audit.models import AuditEvent
from onetrip.signin.services import totp_device_preenrol
from tests.factories import make_user

PASSWORD = "pass-1234-word"


@pytest.fixture(autouse=True)
def _second_factor_on(settings):
    settings.ONETRIP_OTP_REQUIRED_ROLES = ("manager", "admin")  # production's default


def code_for(device: TOTPDevice, offset_steps: int = 0) -> str:
    """The code an authenticator app shows now (django-otp's own TOTP)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, offset_steps):06d}"


def signed_in(username: str) -> Client:
    client = Client()
    r = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert r.status_code == 302
    return client


@pytest.fixture
def manager(world):
    return make_user("mgr", "manager", password=PASSWORD, point=world.district, is_staff=True)


@pytest.mark.django_db
def test_manager_reaches_no_staff_page_with_a_password_only(manager):
    client = signed_in("mgr")
    for path in ("/metrics/", "/console/windows/", "/backoffice/", "/admin/", "/simulation/"):
        r = client.get(path)
        assert r.status_code == 302, path
        assert r.headers["Location"].startswith("/accounts/otp/?next="), path
    # not enrolled yet: the code page sends the manager to enrolment first
    r = client.get("/accounts/otp/?next=/metrics/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/accounts/otp/setup/")
    # the session does not count for the API either
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.django_db
def test_enrolment_with_qr_then_code_gets_in(manager):
    client = signed_in("mgr")
    page = client.get("/accounts/otp/setup/?next=/metrics/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "<svg" in text  # the QR code
    secret = re.search(r'data-testid="otp-secret">([A-Z2-7]+)<', text).group(1)
    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    assert b32decode(secret) == device.bin_key
    # a wrong code is refused, nothing confirmed
    r = client.post("/accounts/otp/setup/", {"token": "000000", "next": "/metrics/"})
    if code_for(device) != "000000":
        assert r.status_code == 422
        assert not TOTPDevice.objects.filter(user=manager, confirmed=True).exists()
        # the right code at once is refused too (django-otp's throttle) …
        r = client.post("/accounts/otp/setup/", {"token": code_for(device)})
        assert r.status_code == 429
    device.refresh_from_db()
    device.throttle_reset()  # … until the wait is over
    r = client.post("/accounts/otp/setup/", {"token": code_for(device), "next": "/metrics/"})
    assert r.status_code == 302 and r.headers["Location"] == "/metrics/"
    assert client.get("/metrics/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    assert AuditEvent.objects.filter(action="otp_enrol", subject_id=str(manager.pk)).exists()


@pytest.mark.django_db
def test_enrolled_manager_signs_in_with_a_code(manager):
    device = totp_device_preenrol(user=manager, key="3132333435363738393031323334353637383930")
    client = signed_in("mgr")
    assert client.get("/metrics/").status_code == 302
    r = client.post("/accounts/otp/", {"token": "12345x", "next": "/metrics/"})
    assert r.status_code == 422 and client.get("/metrics/").status_code == 302
    device.refresh_from_db()
    device.throttle_reset()  # the wait after a wrong code is over
    r = client.post("/accounts/otp/", {"token": code_for(device), "next": "/metrics/"})
    assert r.status_code == 302 and r.headers["Location"] == "/metrics/"
    assert client.get("/metrics/").status_code == 200
    # enrolment is closed once a device is confirmed (a new one only after a reset)
    assert client.get("/accounts/otp/setup/").status_code == 302


@pytest.mark.django_db
def test_wrong_codes_are_throttled(manager):
    device = totp_device_preenrol(user=manager, key="3132333435363738393031323334353637383930")
    client = signed_in("mgr")
    wrong = "999999" if code_for(device) != "999999" else "888888"
    assert client.post("/accounts/otp/", {"token": wrong}).status_code == 422
    # django-otp now makes the next try wait: even the right code is refused at once
    r = client.post("/accounts/otp/", {"token": code_for(device)})
    assert r.status_code == 429
    assert client.get("/metrics/").status_code == 302


@pytest.mark.django_db
def test_superuser_admin_needs_a_code_for_the_admin_site(world):
    make_user("root", password=PASSWORD, is_superuser=True, is_staff=True)
    client = Client()
    r = client.post("/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD})
    assert r.status_code == 302
    r = client.get("/admin/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/accounts/otp/")


@pytest.mark.django_db
def test_other_staff_and_applicants_are_not_asked(world):
    make_user("clerk", "clerk", password=PASSWORD, point=world.district)
    assert signed_in("clerk").get("/console/windows/").status_code == 200


@pytest.mark.django_db
def test_recovery_by_an_administrator(manager):
    totp_device_preenrol(user=manager, key="3132333435363738393031323334353637383930")
    root = make_user("root", password=PASSWORD, is_superuser=True, is_staff=True)
    admin = Client()
    admin.force_login(root)
    # the administrator passed their own second factor
    root_device = totp_device_preenrol(user=root, key="00" * 20)
    admin.post("/accounts/otp/", {"token": code_for(root_device)})
    r = admin.post(
        "/admin/people/user/", {"action": "reset_second_factor", "_selected_action": [manager.pk]}
    )
    assert r.status_code == 302
    assert not TOTPDevice.objects.filter(user=manager).exists()
    assert AuditEvent.objects.filter(action="otp_reset", subject_id=str(manager.pk)).exists()
    # the manager enrols anew at the next sign-in
    client = signed_in("mgr")
    assert client.get("/accounts/otp/").headers["Location"].startswith("/accounts/otp/setup/")


@pytest.mark.django_db
def test_recovery_command(manager):
    totp_device_preenrol(user=manager, key="3132333435363738393031323334353637383930")
    call_command("otp_reset", "mgr")
    assert not TOTPDevice.objects.filter(user=manager).exists()


@pytest.mark.django_db
def test_demo_hint_only_in_demo_mode(manager, settings):
    device = totp_device_preenrol(user=manager, key="3132333435363738393031323334353637383930")
    client = signed_in("mgr")
    settings.ONETRIP_DEMO = False
    assert 'data-testid="demo-otp"' not in client.get("/accounts/otp/").content.decode()
    settings.ONETRIP_DEMO = True
    text = client.get("/accounts/otp/").content.decode()
    assert 'data-testid="demo-otp"' in text and code_for(device) in text


@pytest.mark.django_db
def test_demo_manager_signs_in_with_the_code_the_demo_shows(manager, settings):
    """Under ONETRIP_DEMO the pre-enrolled demo accounts stay usable without an app."""
    from onetrip.demo.people_data import DEMO_TOTP_KEY

    settings.ONETRIP_DEMO = True
    totp_device_preenrol(user=manager, key=DEMO_TOTP_KEY)
    client = signed_in("mgr")
    page = client.get("/accounts/otp/?next=/metrics/").content.decode()
    assert "JBSWY3DPEHPK3PXP" in page
    code = re.search(r"(\d{6})。", page).group(1)
    r = client.post("/accounts/otp/", {"token": code, "next": "/metrics/"})
    assert r.status_code == 302 and client.get("/metrics/").status_code == 200


@pytest.mark.django_db
def test_staff_who_enrolled_give_the_code_too(world):
    clerk = make_user("clerk-otp", "clerk", password=PASSWORD, point=world.district)
    device = totp_device_preenrol(user=clerk, key="3132333435363738393031323334353637383930")
    client = signed_in("clerk-otp")
    for _ in range(2):  # the second time from the session's note, same answer
        r = client.get("/console/windows/")
        assert r.status_code == 302 and r.headers["Location"].startswith("/accounts/otp/")
    client.post("/accounts/otp/", {"token": code_for(device)})
    assert client.get("/console/windows/").status_code == 200
