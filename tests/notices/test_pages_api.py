"""Staff list, resend button, demo phone inbox and the API: masking, scope and roles."""

from __future__ import annotations

import pytest
from django.test import Client

from onetrip.notices.models import Notice, NoticeStatus
from onetrip.people.models import ApiToken
from tests.factories import make_user
from tests.notices.conftest import PHONE

pytestmark = pytest.mark.django_db
MASKED = "138****5678"


@pytest.fixture
def failed(sms, settings):
    settings.ONETRIP_NOTICE_SENDERS = {"sms": "failing"}
    settings.ONETRIP_NOTICE_MAX_ATTEMPTS = 1
    notice = sms(
        template="case_decided",
        context={
            "case_number": "SC-20260301-00001",
            "matter": "公司设立登记",
            "result": "准予",
            "url": "https://x/t/abc",
        },
    )
    settings.ONETRIP_NOTICE_SENDERS = {"sms": "outbox"}
    assert notice.status == NoticeStatus.GIVEN_UP
    return notice


@pytest.fixture
def other_failed(world, settings, django_capture_on_commit_callbacks):
    from onetrip.notices.services import notice_send

    settings.ONETRIP_NOTICE_SENDERS = {"sms": "failing"}
    settings.ONETRIP_NOTICE_MAX_ATTEMPTS = 1
    with django_capture_on_commit_callbacks(execute=True):
        notice = notice_send(
            channel="sms",
            to="13900001111",
            template="ticket_almost_due",
            context={"ticket": "B001", "ahead": 1, "place": "西湖"},
            district=world.other_district,
        )
    settings.ONETRIP_NOTICE_SENDERS = {"sms": "outbox"}
    return notice


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_staff_page_masks_and_resends(
    world, failed, other_failed, sms, django_capture_on_commit_callbacks
):
    login = sms(template="sms_login_code", context={"code": "864209", "minutes": 5})
    client = _client(world.manager)
    html = client.get("/staff/notices/?status=all").content.decode()
    assert MASKED in html and PHONE not in html
    assert "SC-20260301-00001" in html
    assert "864209" not in html and "验证码内容已隐藏" in html  # codes never shown to staff
    assert f'id="notice-{login.pk}"' in html
    assert "13900001111" not in html and "139****1111" not in html  # other district
    problems = client.get("/staff/notices/").content.decode()
    assert f'id="notice-{failed.pk}"' in problems and f'id="notice-{login.pk}"' not in problems

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/staff/notices/{failed.pk}/resend/", {"next": "/staff/notices/"})
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == NoticeStatus.SENT
    # Another district's notice cannot be resent from here.
    assert client.post(f"/staff/notices/{other_failed.pk}/resend/").status_code == 404
    other_failed.refresh_from_db()
    assert other_failed.status == NoticeStatus.GIVEN_UP


def test_staff_page_roles(world, failed):
    assert Client().get("/staff/notices/").status_code == 302  # to login
    assert _client(world.clerk).get("/staff/notices/").status_code == 200
    assert _client(world.reviewer).get("/staff/notices/").status_code == 403
    assert _client(world.reviewer).post(f"/staff/notices/{failed.pk}/resend/").status_code == 403
    failed.refresh_from_db()
    assert failed.status == NoticeStatus.GIVEN_UP


def test_demo_inbox_shows_codes_with_masked_numbers(world, sms, settings):
    settings.ONETRIP_DEMO = True
    sms(template="sms_login_code", context={"code": "864209", "minutes": 5})
    html = Client().get("/demo/sms/").content.decode()
    assert "864209" in html and MASKED in html and PHONE not in html
    mine = Client().get(f"/demo/sms/?phone={PHONE}", HTTP_HX_REQUEST="true").content.decode()
    assert "864209" in mine and "<html" not in mine
    assert "864209" not in Client().get("/demo/sms/?phone=13900000000").content.decode()
    settings.ONETRIP_DEMO = False
    assert Client().get("/demo/sms/").status_code == 404


def test_api_list_and_resend(
    world, failed, other_failed, other_manager, django_capture_on_commit_callbacks
):
    client = _client(world.manager)
    body = client.get("/api/v1/notices").json()
    assert [n["id"] for n in body] == [failed.pk]
    assert body[0]["recipient"] == MASKED and body[0]["status"] == "given_up"
    assert "simulated" in body[0]["last_error"]
    assert PHONE not in client.get("/api/v1/notices?status=all").content.decode()

    theirs = _client(other_manager).get("/api/v1/notices").json()
    assert [n["id"] for n in theirs] == [other_failed.pk]

    response = client.post(f"/api/v1/notices/{other_failed.pk}/resend")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/notices/{failed.pk}/resend")
    assert response.status_code == 200, response.content
    assert response.json()["status"] in ("pending", "sent")  # delivered after commit
    failed.refresh_from_db()
    assert failed.status == NoticeStatus.SENT
    response = client.post(f"/api/v1/notices/{failed.pk}/resend")
    assert response.status_code == 409 and response.json()["code"] == "not_resendable"


def test_api_auth_and_roles(world, failed):
    assert Client().get("/api/v1/notices").status_code == 401
    response = _client(world.reviewer).get("/api/v1/notices")
    assert response.status_code == 403 and response.json()["code"] == "wrong_role"
    admin = make_user("sysadmin", "admin")  # no point: sees every district
    key = "ot_test_notices_key_0123456789"
    ApiToken.objects.create(user=admin, name="t", prefix=key[:8], key_hash=ApiToken.hash_key(key))
    body = Client().get("/api/v1/notices?status=all", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert failed.pk in [n["id"] for n in body]


def test_session_api_resend_needs_csrf(world, failed):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.manager)
    response = client.post(f"/api/v1/notices/{failed.pk}/resend")
    assert response.status_code in (401, 403)
    failed.refresh_from_db()
    assert failed.status == NoticeStatus.GIVEN_UP


def test_admin_masks_recipients(admin_client, failed, django_capture_on_commit_callbacks):
    html = admin_client.get("/admin/notices/notice/").content.decode()
    assert MASKED in html and PHONE not in html
    html = admin_client.get(f"/admin/notices/notice/{failed.pk}/change/").content.decode()
    assert MASKED in html and PHONE not in html
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/notices/notice/", {"action": "resend", "_selected_action": [failed.pk]}
        )
    assert response.status_code == 302
    assert Notice.objects.get(pk=failed.pk).status == NoticeStatus.SENT


def test_staff_page_filters_follow_the_request_language(world):
    """The filter labels were translated once at import, so English pages showed Chinese."""
    client = _client(world.manager)
    html = client.get("/staff/notices/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "To handle (not sent / failed)" in html and "待处理（未发出/失败）" not in html
    html = client.get("/staff/notices/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "待处理（未发出/失败）" in html


def test_refusal_is_a_page_with_a_way_home(world, failed):
    """A reviewer opening /staff/notices/ got bare text with no layout and no way on."""
    response = _client(world.reviewer).get("/staff/notices/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "<html" in html and 'data-testid="forbidden-message"' in html and 'href="/"' in html
