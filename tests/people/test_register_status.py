"""The applicant register page answers 422 when it sends the form back with errors (and still
shows them, localised); 200 only for the blank form, a redirect on success."""

from __future__ import annotations

import pytest

from onetrip.people import services
from onetrip.people.models import PhoneCode, User
from tests.factories import ric_number

pytestmark = pytest.mark.django_db

URL = "/accounts/register/"


@pytest.fixture
def sms(monkeypatch):
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        services, "_send_sms_code", lambda *, phone, code: sent.append((phone, code))
    )
    return sent


def _form(**over):
    data = {
        "phone": "13900001111",
        "code": "123456",
        "name": "李四",
        "id_number": ric_number(),
        "password": "long-enough-pw-9",
    }
    data.update(over)
    return data


def test_blank_form_is_200(client):
    r = client.get(URL)
    assert r.status_code == 200 and 'name="phone"' in r.content.decode()


def test_field_error_answers_422_and_shows_it(client, sms):
    r = client.post(URL, _form(id_number="bad"))
    assert r.status_code == 422
    html = r.content.decode()
    assert "公民身份号码无效" in html and 'name="id_number"' in html
    assert User.objects.count() == 0


def test_empty_post_answers_422_with_required_errors(client):
    r = client.post(URL, {})
    assert r.status_code == 422
    assert "这个字段是必填项" in r.content.decode()


def test_service_error_answers_422(client, sms):
    services.phone_code_send(phone="13900001111")
    ((_phone, code),) = sms
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    r = client.post(URL, _form(code=wrong))
    assert r.status_code == 422
    assert "验证码不正确或已失效" in r.content.decode()
    assert User.objects.count() == 0


def test_errors_are_localised(client, sms):
    r = client.post(URL, _form(id_number="bad"), HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 422
    html = r.content.decode()
    assert "Invalid citizen ID number" in html and "公民身份号码无效" not in html


def test_success_still_redirects(client, sms):
    services.phone_code_send(phone="13900001111")
    ((phone, code),) = sms
    r = client.post(URL, _form(phone=phone, code=code))
    assert r.status_code == 302 and User.objects.count() == 1


def test_code_request_errors_are_4xx_with_the_message(client, sms):
    r = client.post(URL + "code/", {"phone": "123"})
    assert r.status_code == 422
    assert 'data-testid="code-status"' in r.content.decode() and "手机号" in r.content.decode()
    assert PhoneCode.objects.count() == 0
    r = client.post(URL + "code/", {"phone": "13900001111"})
    assert r.status_code == 200 and "验证码已发送" in r.content.decode()
    r = client.post(URL + "code/", {"phone": "13900001111"})  # again within the minute
    assert r.status_code == 409 and "过于频繁" in r.content.decode()
    # The page lets htmx show these answers in place (htmx swaps no 4xx by default): pages.js
    # (a static file: the CSP allows no inline handler) swaps them into #code-status.
    page = client.get(URL).content.decode()
    assert 'id="code-status"' in page and "onetrip/pages.js" in page
    from django.contrib.staticfiles import finders

    script = open(finders.find("onetrip/pages.js")).read()
    assert '"code-status"' in script and "[409, 422].includes" in script
