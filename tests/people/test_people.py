import pytest
from django.test import Client

from onetrip.audit.models import AuditEvent
from onetrip.errors import Conflict, ValidationFailed
from onetrip.people.models import Agency, ApiToken, Applicant, Company
from onetrip.people.services import (
    agency_register,
    api_token_create,
    api_token_revoke,
    applicant_register,
    company_register,
)
from tests.factories import make_user, ric_number, uscc_number

pytestmark = pytest.mark.django_db


def test_applicant_register_checks_id_number_and_masks_it():
    number = ric_number()
    applicant = applicant_register(name="王小明", id_number=number, phone="13812345678")
    assert applicant.birth_date.year == 1985
    assert applicant.masked_id_number == number[:6] + "********" + number[-4:]
    assert number not in str(applicant)
    assert AuditEvent.objects.filter(subject_type="applicant", action="register").count() == 1


@pytest.mark.parametrize(
    "bad", ["", "330102198503150011", "33010219850315001", "330102198513150010", "abc"]
)
def test_bad_id_numbers_are_refused_and_nothing_is_written(bad):
    with pytest.raises(ValidationFailed) as err:
        applicant_register(name="王小明", id_number=bad)
    assert err.value.code == "invalid_id_number"
    assert "公民身份号码" in str(err.value.message)
    assert Applicant.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_duplicate_applicant_refused():
    number = ric_number()
    applicant_register(name="甲", id_number=number)
    with pytest.raises(Conflict):
        applicant_register(name="乙", id_number=number)
    assert Applicant.objects.count() == 1


@pytest.mark.parametrize("bad", ["91330102MA0000002A", "123", "", "91330102MA00000I2F"])
def test_bad_credit_codes_are_refused(bad):
    with pytest.raises(ValidationFailed) as err:
        company_register(name="某公司", credit_code=bad)
    assert err.value.code == "invalid_credit_code"
    assert Company.objects.count() == 0


def test_company_and_agency_register(world):
    company = company_register(name="杭州某某科技有限公司", credit_code=uscc_number())
    agency = agency_register(district=world.district, name="某代办公司", credit_code=uscc_number())
    agency.clients.add(company)
    assert list(company.agencies.all()) == [agency]
    assert Agency.objects.count() == 1


def test_bad_phone_refused():
    with pytest.raises(ValidationFailed) as err:
        applicant_register(name="甲", id_number=ric_number(), phone="12345")
    assert err.value.code == "invalid_phone"
    assert Applicant.objects.count() == 0


def test_api_token_authenticates_and_revocation_stops_it(world):
    token, key = api_token_create(user=world.clerk, name="大厅取号机")
    assert ApiToken.objects.get().key_hash != key  # only the hash is stored
    client = Client()
    ok = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert ok.status_code == 200, ok.content
    assert ok.json()["username"] == "clerk1"
    bad = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer ot_wrong")
    assert bad.status_code == 401
    assert set(bad.json()) >= {"code", "message"}
    api_token_revoke(token=token)
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_roles_are_groups(world):
    applicant = make_user("someone", "applicant")
    assert applicant.has_role("applicant")
    assert not applicant.has_role("clerk")
    assert world.clerk.has_role("clerk", "guide")


def test_seniors_with_a_region_code_newer_than_their_birth_are_accepted():
    """Shangcheng's 330102 dates from 1983, but residents born earlier carry it too: numbers were
    issued with the code in force at issuance. python-stdnum alone refuses them."""
    from stdnum.cn import ric

    number = ric_number(birth="19560315")
    assert not ric.is_valid(number)  # the library's stricter rule
    applicant = applicant_register(name="王德明", id_number=number)
    assert applicant.birth_date.year == 1956


@pytest.mark.parametrize(
    "bad",
    [
        "999999198503150010",  # unknown region
        "330102218503150010",  # born in the future
        "330102198502300010",  # 30 February
    ],
)
def test_impossible_numbers_still_refused(bad):
    from stdnum.cn.ric import calc_check_digit

    number = bad[:17] + calc_check_digit(bad)  # right check digit, wrong content
    with pytest.raises(ValidationFailed):
        applicant_register(name="甲", id_number=number)
    assert Applicant.objects.count() == 0


def test_shared_data_recognises_senior_numbers_too():
    from onetrip.sharing.sources import holder_kind_of

    assert holder_kind_of(ric_number(birth="19560315")) == "person"
    assert holder_kind_of("999999195603150778") is None


def test_an_invalid_number_is_named_in_the_language_of_the_request():
    from django.utils import translation

    from onetrip.errors import ValidationFailed
    from onetrip.people.validators import clean_credit_code, clean_id_number

    for clean, code, en in (
        (clean_id_number, "invalid_id_number", "Invalid citizen ID number"),
        (clean_credit_code, "invalid_credit_code", "Invalid unified social credit code"),
    ):
        with translation.override("en"), pytest.raises(ValidationFailed) as refused:
            clean("12345")
        assert refused.value.code == code and "12345" in str(refused.value)
        assert "is invalid" in str(refused.value)
        assert refused.value.fields == {code.removeprefix("invalid_"): [en]}
        with translation.override("zh-hans"), pytest.raises(ValidationFailed) as refused:
            clean("12345")
        assert "无效" in str(refused.value)
