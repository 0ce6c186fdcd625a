import datetime as dt
import re
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from onetrip.errors import Conflict, ValidationFailed
from onetrip.people import services
from onetrip.people.models import Applicant, PhoneCode, User
from tests.factories import ric_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms(monkeypatch):
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        services, "_send_sms_code", lambda *, phone, code: sent.append((phone, code))
    )
    return sent


def test_register_with_sms_code_creates_applicant_account(sms):
    services.phone_code_send(phone="13900001111")
    ((phone, code),) = sms
    number = ric_number()
    user = services.applicant_account_register(
        phone=phone, code=code, password="long-enough-pw-9", name="李四", id_number=number
    )
    assert user.username == "13900001111"
    assert user.has_role("applicant")
    assert user.check_password("long-enough-pw-9")
    assert Applicant.objects.get(id_number=number).user == user
    assert PhoneCode.objects.get().used_at is not None


def test_wrong_code_counts_attempts_and_creates_nothing(sms):
    services.phone_code_send(phone="13900001111")
    for _ in range(services.PHONE_CODE_MAX_ATTEMPTS):
        with pytest.raises(ValidationFailed) as err:
            services.applicant_account_register(
                phone="13900001111",
                code="000000" if sms[0][1] != "000000" else "111111",
                password="long-enough-pw-9",
                name="李四",
                id_number=ric_number(),
            )
        assert err.value.code == "bad_phone_code"
    assert PhoneCode.objects.get().attempts == services.PHONE_CODE_MAX_ATTEMPTS
    # Even the right code is refused once the attempts are used up.
    with pytest.raises(ValidationFailed):
        services.applicant_account_register(
            phone="13900001111",
            code=sms[0][1],
            password="long-enough-pw-9",
            name="李四",
            id_number=ric_number(),
        )
    assert User.objects.count() == 0
    assert Applicant.objects.count() == 0


def test_codes_are_rate_limited_and_expire(sms):
    now = timezone.now()
    services.phone_code_send(phone="13900001111", now=now)
    with pytest.raises(Conflict) as err:
        services.phone_code_send(phone="13900001111", now=now + dt.timedelta(seconds=30))
    assert err.value.code == "code_too_frequent"
    later = now + dt.timedelta(minutes=11)
    with pytest.raises(ValidationFailed):
        services.applicant_account_register(
            phone="13900001111",
            code=sms[0][1],
            password="long-enough-pw-9",
            name="李四",
            id_number=ric_number(),
            now=later,
        )


def test_bad_inputs_are_refused_before_the_code_is_used(sms):
    services.phone_code_send(phone="13900001111")
    code = sms[0][1]
    with pytest.raises(ValidationFailed) as err:
        services.applicant_account_register(
            phone="13900001111", code=code, password="short", name="李四", id_number=ric_number()
        )
    assert err.value.code == "weak_password"
    with pytest.raises(ValidationFailed) as err:
        services.applicant_account_register(
            phone="13900001111",
            code=code,
            password="long-enough-pw-9",
            name="李四",
            id_number="330102198503150000",
        )
    assert err.value.code == "invalid_id_number"
    assert PhoneCode.objects.get().used_at is None
    assert User.objects.count() == 0


def test_register_page_shows_field_errors(client, sms):
    resp = client.post("/accounts/register/code/", {"phone": "123"})
    assert "手机号" in resp.content.decode()
    assert PhoneCode.objects.count() == 0
    resp = client.post(
        "/accounts/register/",
        {
            "phone": "13900001111",
            "code": "123456",
            "name": "李四",
            "id_number": "bad",
            "password": "long-enough-pw-9",
        },
    )
    assert resp.status_code == 422
    assert "公民身份号码无效" in resp.content.decode()
    assert User.objects.count() == 0


def test_sms_code_really_goes_through_the_notice_senders(
    client, django_capture_on_commit_callbacks, settings
):
    """No monkeypatch: the code is sent by the demo SMS backend and shows in the demo inbox."""
    settings.ONETRIP_DEMO = True
    from onetrip.notices.models import Notice

    with django_capture_on_commit_callbacks(execute=True):
        services.phone_code_send(phone="13900002222")
    notice = Notice.objects.get(template="sms_login_code")
    assert notice.channel == "sms" and notice.status == "sent"
    code = re.search(r"(?<!\d)\d{6}(?!\d)", notice.text).group()
    assert PhoneCode.objects.get().code_hash == PhoneCode.hash_code("13900002222", code)
    inbox = client.get("/demo/sms/").content.decode()
    assert "139****2222" in inbox and "13900002222" not in inbox


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/apply/", "/apply/"),
        ("https://evil.example/phish", "/"),
        ("//evil.example/", "/"),
        ("", "/"),
    ],
)
def test_register_next_never_leaves_the_site(client, sms, next_url, expected):
    services.phone_code_send(phone="13900003333")
    ((phone, code),) = sms
    resp = client.post(
        "/accounts/register/?" + urlencode({"next": next_url}),
        {
            "phone": phone,
            "code": code,
            "name": "李四",
            "id_number": ric_number(),
            "password": "long-enough-pw-9",
        },
    )
    assert resp.status_code == 302 and resp["Location"] == expected


def test_an_existing_resident_record_is_bound_only_with_matching_name_and_phone(sms):
    """Anyone with a phone could register with a neighbour's ID number and be bound to their
    resident record (their cases at /my/cases/, their certificates)."""
    number = ric_number()
    record = Applicant.objects.create(name="王德明", id_number=number, phone="13900005555")
    for phone, name in (("13900006666", "王德明"), ("13900007777", "冒名者")):
        services.phone_code_send(phone=phone)
        with pytest.raises(Conflict) as err:
            services.applicant_account_register(
                phone=phone,
                code=sms[-1][1],
                password="long-enough-pw-9",
                name=name,
                id_number=number,
            )
        assert err.value.code == "identity_mismatch"
        assert PhoneCode.objects.get(phone=phone).used_at is None  # refused before the code
    record.refresh_from_db()
    assert record.user is None and User.objects.count() == 0
    # The resident themself, from the phone on record, is bound to it.
    services.phone_code_send(phone="13900005555")
    user = services.applicant_account_register(
        phone="13900005555",
        code=sms[-1][1],
        password="long-enough-pw-9",
        name="王德明",
        id_number=number,
    )
    record.refresh_from_db()
    assert record.user == user
