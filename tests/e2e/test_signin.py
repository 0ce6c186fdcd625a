"""Playwright: a manager signs in with a password, is sent to enrol an authenticator (QR code
and key on the page), types the code the authenticator shows (django-otp's TOTP from the key on
the page) and reaches the dashboard; the next sign-in asks for the code. A clerk who mistypes the
password too often sees the localised lockout page."""

from __future__ import annotations

import time
from base64 import b32decode

import pytest
from django_otp.oath import totp

from tests.factories import make_user

PASSWORD = "pass-1234-word"


def _step() -> int:
    return int(time.time()) // 30


def _code(secret_b32: str, step: int) -> str:
    """The code of the given 30-second step (django-otp's TOTP: what the app would show)."""
    return f"{totp(b32decode(secret_b32), drift=step - _step()):06d}"


def _sign_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button.primary")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_manager_enrols_then_signs_in_with_a_code(live_server, page, settings, world):
    settings.ONETRIP_OTP_REQUIRED_ROLES = ("manager", "admin")
    make_user("mgr-e2e", "manager", password=PASSWORD, point=world.district)
    base = live_server.url

    _sign_in(page, base, "mgr-e2e")
    page.wait_for_url("**/accounts/otp/setup/**")
    assert page.locator("[data-testid=otp-qr] svg").count() == 1
    secret = page.locator("[data-testid=otp-secret]").inner_text().strip()
    # the dashboard stays closed until the code is given
    page.goto(f"{base}/metrics/")
    page.wait_for_url("**/accounts/otp/**")
    page.goto(f"{base}/accounts/otp/setup/?next=/metrics/")
    enrolled_at = _step()
    page.fill("input[name=token]", _code(secret, enrolled_at))
    page.click("button.primary")
    page.wait_for_url("**/metrics/")

    # signing in again asks for the code, not a new enrolment
    page.context.clear_cookies()
    _sign_in(page, base, "mgr-e2e")
    page.wait_for_url("**/accounts/otp/?next=*")
    # a code is good once: a later step's (one step of clock skew is accepted)
    page.fill("input[name=token]", _code(secret, max(_step(), enrolled_at + 1)))
    page.click("button.primary")
    page.wait_for_url("**/metrics/")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_lockout_page_after_too_many_wrong_passwords(live_server, page, settings, world):
    settings.AXES_FAILURE_LIMIT = 3
    make_user("clerk-e2e", "clerk", password=PASSWORD, point=world.district)
    for _ in range(3):
        _sign_in(page, live_server.url, "clerk-e2e", "wrong-password-1")
    _sign_in(page, live_server.url, "clerk-e2e")
    assert "该账号已被暂时锁定" in page.locator("[data-testid=locked-out]").inner_text()
    assert "/accounts/login/" in page.url
