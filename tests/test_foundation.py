import pytest

from onetrip.masking import mask_id_number, mask_phone
from tests.factories import ric_number, uscc_number


def test_masking():
    assert mask_id_number("330102199001011234") == "330102********1234"
    assert mask_phone("13812345678") == "138****5678"


def test_factory_numbers_are_valid():
    from stdnum.cn import ric, uscc

    assert ric.is_valid(ric_number())
    assert uscc.is_valid(uscc_number())


@pytest.mark.django_db
def test_district_is_derived(world):
    assert world.street.district_id == world.district.pk
    assert world.community.district_id == world.district.pk
    assert world.district.district_id == world.district.pk


def test_openapi_served(client, db):
    resp = client.get("/api/openapi.json")
    assert resp.status_code == 200
    assert resp.json()["info"]["title"] == "OneTrip API"


def test_unknown_api_path_answers_json_404(client, db):
    resp = client.get("/api/v1/no-such-thing")
    assert resp.status_code == 404
    assert resp.json()["code"] == "not_found"
