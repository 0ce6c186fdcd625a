from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onetrip.errors import NotFound, ValidationFailed
from onetrip.intake.forms import (
    SAMPLE_CREDIT_CODE,
    SAMPLE_ID_NUMBER,
    clean_definition,
    default_fields,
    validate_value,
)
from onetrip.intake.models import FormDefinition, FormDraft
from onetrip.intake.selectors import form_fields_for
from onetrip.intake.services import form_definition_save, form_draft_save
from onetrip.people.services import api_token_create
from tests.factories import make_user, ric_number, uscc_number

FIELD = {"name": "f", "label": "字段", "required": True}


def test_samples_are_valid_numbers():
    from stdnum.cn import ric, uscc

    assert ric.is_valid(SAMPLE_ID_NUMBER) and uscc.is_valid(SAMPLE_CREDIT_CODE)


@pytest.mark.parametrize(
    "ftype,value,ok",
    [
        ("id_number", ric_number(), True),
        ("id_number", "330102198503150000", False),
        ("id_number", "12345", False),
        ("credit_code", uscc_number(), True),
        ("credit_code", uscc_number().lower(), True),
        ("credit_code", "91330102MA00000000", False),
        ("phone", "138 1234 5678", True),
        ("phone", "23812345678", False),
        ("date", "2026-02-30", False),
        ("date", "2026-03-02", True),
        ("date", "2026/03/02", False),
        ("text", "张三", True),
        ("text", "", False),  # required
    ],
)
def test_validate_value_per_type(ftype, value, ok):
    _cleaned, error = validate_value({**FIELD, "type": ftype}, value)
    assert (error is None) is ok, error
    if not ok:
        assert error  # a message for the user


def test_choice_and_length():
    field = {**FIELD, "type": "choice", "choices": ["个人", "企业"]}
    assert validate_value(field, "个人")[1] is None
    assert "个人、企业" in validate_value(field, "外星人")[1]
    assert validate_value({**FIELD, "type": "text", "max_length": 3}, "一二三四")[1]
    assert validate_value({**FIELD, "required": False, "type": "date"}, " ")[1] is None


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=20))
def test_id_number_validation_never_crashes(value):
    cleaned, error = validate_value({**FIELD, "type": "id_number"}, value)
    if error is None:
        from stdnum.cn import ric

        assert ric.is_valid(cleaned)


def test_default_fields_by_audience():
    person = [f["name"] for f in default_fields(audience="individual")]
    company = [f["name"] for f in default_fields(audience="company")]
    assert {"applicant_name", "id_number", "phone", "address"} <= set(person)
    assert {"company_name", "credit_code", "phone"} <= set(company)
    for fields in (default_fields(audience="both"), default_fields(audience="company")):
        for f in fields:
            assert f["sample"] and f["label"]
            assert validate_value(f, f["sample"])[1] is None, f  # every worked sample is valid


def test_clean_definition_reports_every_problem():
    with pytest.raises(ValidationFailed) as err:
        clean_definition(
            [
                {"name": "a", "label": "甲", "type": "text"},
                {"name": "a", "label": "", "type": "weird"},
                {"name": "c", "label": "丙", "type": "choice"},
            ]
        )
    problems = err.value.fields["fields"]
    assert len(problems) == 4  # duplicate, no label, bad type, choice without choices
    with pytest.raises(ValidationFailed):
        clean_definition([])


@pytest.mark.django_db
def test_definition_overrides_defaults(world):
    assert form_fields_for(matter=world.matter)[0]["name"] == "company_name"
    form_definition_save(
        matter=world.matter,
        title="公司登记（备案）申请书",
        fields=[
            {"name": "company_name", "label": "名称", "type": "text", "required": True},
            {"name": "founded", "label": "成立日期", "type": "date", "sample": "2026-01-05"},
        ],
    )
    assert [f["name"] for f in form_fields_for(matter=world.matter)] == ["company_name", "founded"]
    with pytest.raises(ValidationFailed):
        form_definition_save(matter=world.matter, fields=[{"name": "x"}])
    assert FormDefinition.objects.get().fields[1]["name"] == "founded"


@pytest.mark.django_db
def test_draft_service_saves_valid_and_refuses_bad(world):
    with pytest.raises(ValidationFailed) as err:
        form_draft_save(
            matter=world.senior_card, data={"applicant_name": "张三", "id_number": "123"}
        )
    assert set(err.value.fields) == {"id_number"}
    with pytest.raises(ValidationFailed):
        form_draft_save(matter=world.senior_card, data={"no_such_field": "1"})
    assert FormDraft.objects.count() == 0
    draft = form_draft_save(matter=world.senior_card, data={"applicant_name": "张三"})
    assert draft.data == {"applicant_name": "张三"}  # blanks allowed in a draft
    again = form_draft_save(
        matter=world.senior_card,
        data={"applicant_name": "张三", "phone": "13812345678"},
        token=draft.token,
    )
    assert again.pk == draft.pk and again.data["phone"] == "13812345678"
    with pytest.raises(ValidationFailed):
        form_draft_save(matter=world.senior_card, data={"phone": "1"}, token=draft.token)
    draft.refresh_from_db()
    assert "phone" in draft.data and draft.data["phone"] == "13812345678"  # unchanged


@pytest.mark.django_db
def test_user_draft_is_private(world):
    owner = make_user("citizen1", "applicant")
    other = make_user("citizen2", "applicant")
    draft = form_draft_save(matter=world.senior_card, data={"applicant_name": "甲"}, user=owner)
    with pytest.raises(NotFound):
        form_draft_save(matter=world.senior_card, data={}, user=other, token=draft.token)
    with pytest.raises(NotFound):
        form_draft_save(matter=world.senior_card, data={}, token=draft.token)


@pytest.mark.django_db
def test_forms_api(client, world):
    base = "/api/v1/forms/sc-002"
    resp = client.get(base)
    assert resp.status_code == 200
    assert resp.json()["title"] == "老年人优待证办理申请表"
    assert {f["name"] for f in resp.json()["fields"]} >= {"id_number", "phone"}
    resp = client.post(
        base + "/validate",
        data={"data": {"id_number": "330102198503150000", "phone": "13812345678"}},
        content_type="application/json",
    )
    assert resp.status_code == 200
    body = resp.json()
    assert body["valid"] is False and list(body["errors"]) == ["id_number"]
    assert "校验码" in body["errors"]["id_number"]
    full = client.post(
        base + "/validate", data={"data": {}, "partial": False}, content_type="application/json"
    ).json()
    assert "applicant_name" in full["errors"] and "request_date" in full["errors"]
    bad = client.post(
        base + "/drafts", data={"data": {"phone": "12"}}, content_type="application/json"
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "validation_failed" and "phone" in bad.json()["fields"]
    assert FormDraft.objects.count() == 0
    ok = client.post(
        base + "/drafts", data={"data": {"phone": "13812345678"}}, content_type="application/json"
    )
    assert ok.status_code == 201
    token = ok.json()["token"]
    upd = client.post(
        base + "/drafts",
        data={"data": {"phone": "13912345678"}, "token": token},
        content_type="application/json",
    )
    assert upd.status_code == 200 and upd.json()["token"] == token
    read = client.get(f"{base}/drafts/{token}")
    assert read.json()["data"] == {"phone": "13912345678"}
    assert client.get(f"{base}/drafts/nope").status_code == 404
    assert client.get("/api/v1/forms/xh-001").status_code == 200
    assert client.get("/api/v1/forms/none").json()["code"] == "matter_not_found"


@pytest.mark.django_db
def test_forms_api_token_user_owns_draft(client, world):
    user = make_user("citizen1", "applicant")
    _t, key = api_token_create(user=user, name="app")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    resp = client.post(
        "/api/v1/forms/sc-002/drafts",
        data={"data": {"applicant_name": "甲"}},
        content_type="application/json",
        **auth,
    )
    token = resp.json()["token"]
    assert FormDraft.objects.get().user == user
    assert client.get(f"/api/v1/forms/sc-002/drafts/{token}").status_code == 404
    assert client.get(f"/api/v1/forms/sc-002/drafts/{token}", **auth).status_code == 200


@pytest.mark.django_db
def test_form_page_samples_validation_and_draft(client, world):
    page = client.get("/matters/sc-002/form/")
    html = page.content.decode()
    assert page.status_code == 200
    assert SAMPLE_ID_NUMBER in html  # the worked sample beside the field
    assert 'hx-post="/matters/sc-002/form/validate/id_number/"' in html
    err = client.post("/matters/sc-002/form/validate/id_number/", {"id_number": "123"})
    assert err.status_code == 200 and "校验码" in err.content.decode()
    assert 'id="err-id_number"' in err.content.decode()
    ok = client.post("/matters/sc-002/form/validate/id_number/", {"id_number": ric_number()})
    assert "field-error ok" in ok.content.decode()
    assert client.post("/matters/sc-002/form/validate/nope/", {}).status_code == 404
    bad = client.post("/matters/sc-002/form/", {"applicant_name": "张三", "phone": "123"})
    assert bad.status_code == 422
    assert "手机号" in bad.content.decode()
    assert FormDraft.objects.count() == 0
    good = client.post("/matters/sc-002/form/", {"applicant_name": "张三", "phone": "13812345678"})
    assert good.status_code == 200 and 'data-testid="draft-saved"' in good.content.decode()
    draft = FormDraft.objects.get()
    assert draft.data == {"applicant_name": "张三", "phone": "13812345678"}
    # Coming back shows the saved values; saving again updates the same draft.
    assert "13812345678" in client.get("/matters/sc-002/form/").content.decode()
    client.post("/matters/sc-002/form/", {"applicant_name": "李四"})
    assert FormDraft.objects.get().data == {"applicant_name": "李四"}
    check = client.post("/matters/sc-002/form/", {"action": "check", "applicant_name": "李四"})
    assert check.status_code == 422
