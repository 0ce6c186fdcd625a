"""The cases API: happy path and bad input — each a clear 4xx with nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onetrip.audit.models import AuditEvent
from onetrip.cases.models import Case, CaseEvent, CaseFile, CaseMaterial
from onetrip.people.models import Applicant
from onetrip.people.services import api_token_create
from tests.cases.helpers import window_case
from tests.factories import ric_number

pytestmark = pytest.mark.usefixtures("frozen")


def auth(user):
    _, key = api_token_create(user=user, name="test")
    return {"Authorization": f"Bearer {key}"}


def counts():
    return (
        Case.objects.count(),
        CaseEvent.objects.count(),
        CaseMaterial.objects.count(),
        CaseFile.objects.count(),
        Applicant.objects.count(),
        AuditEvent.objects.filter(subject_type="case").count(),
        tuple(Case.objects.order_by("pk").values_list("state", flat=True)),
    )


def body(cw, **over):
    data = {
        "matter": "sc-003",
        "applicant": {"kind": "person", "number": cw.person.id_number},
        "materials": [
            {"material": cw.form.pk, "status": "received"},
            {"material": cw.lease.pk, "status": "received"},
        ],
        "accept": True,
    }
    data.update(over)
    return data


@pytest.fixture
def api(client):
    def call(method, url, user, **kw):
        headers = auth(user) if user is not None else {}
        fn = getattr(client, method)
        if "json" in kw:
            return fn(url, data=kw.pop("json"), content_type="application/json", headers=headers)
        return fn(url, headers=headers, **kw)

    return call


def test_full_lifecycle_through_api(cw, api):
    r = api("post", "/api/v1/cases", cw.clerk, json=body(cw))
    assert r.status_code == 201, r.content
    case = r.json()
    assert case["state"] == "accepted" and case["number"].startswith("SC-")
    assert case["applicant_kind"] == "person"  # the catalogue's and the pre-check's code
    assert case["applicant_number"] != cw.person.id_number  # masked
    assert case["visit_count"] == 1
    n = case["number"]
    r = api(
        "post", f"/api/v1/cases/{n}/transitions", cw.civil_reviewer, json={"action": "start_review"}
    )
    assert r.status_code == 200 and r.json()["state"] == "in_review"
    lease = next(m for m in case["materials"] if m["name"] == "租赁合同")
    r = api(
        "post",
        f"/api/v1/cases/{n}/transitions",
        cw.civil_reviewer,
        json={
            "action": "request_supplement",
            "data": {
                "items": [{"material": lease["id"], "status": "defective", "reason": "无签字"}]
            },
        },
    )
    assert r.status_code == 200 and r.json()["state"] == "supplement_requested"
    r = api(
        "post",
        f"/api/v1/cases/{n}/materials",
        cw.person_user,
        data={"material": lease["id"], "file": SimpleUploadedFile("a.pdf", b"%PDF-1.7 x")},
    )
    assert r.status_code == 200, r.content
    r = api("post", f"/api/v1/cases/{n}/transitions", cw.person_user, json={"action": "resubmit"})
    assert r.json()["state"] == "resubmitted"
    r = api("post", f"/api/v1/cases/{n}/transitions", cw.civil_reviewer, json={"action": "approve"})
    assert r.json()["state"] == "approved"
    r = api(
        "post",
        f"/api/v1/cases/{n}/transitions",
        cw.clerk,
        json={"action": "deliver", "data": {"method": "e_certificate"}},
    )
    assert r.json()["state"] == "delivered"
    r = api("get", f"/api/v1/cases/{n}/events", cw.person_user)
    assert [e["action"] for e in r.json()] == [
        "create",
        "submit",
        "accept",
        "start_review",
        "request_supplement",
        "upload",
        "resubmit",
        "approve",
        "deliver",
    ]
    assert api("get", f"/api/v1/cases/{n}", cw.person_user).json()["visit_count"] == 1


def test_new_applicant_registered_with_valid_number(cw, api):
    number = ric_number(seq=77)
    r = api(
        "post",
        "/api/v1/cases",
        cw.clerk,
        json=body(cw, applicant={"kind": "person", "number": number, "name": "王五"}),
    )
    assert r.status_code == 201
    assert Applicant.objects.filter(id_number=number, name="王五").exists()


BAD_CREATE = [
    (
        "invalid id number",
        {"applicant": {"kind": "person", "number": "330102198503150000", "name": "x"}},
        422,
        "invalid_id_number",
    ),
    ("new applicant without name", {"applicant": {"kind": "person", "number": "X"}}, 422, None),
    ("matter of the other district", {"matter": "xh-001"}, 422, "matter_not_found"),
    ("unknown matter", {"matter": "nope"}, 422, "matter_not_found"),
    (
        "company for an individual matter",
        {"applicant": {"kind": "company", "number": "X", "name": "y"}},
        422,
        None,
    ),
    (
        "material of another matter",
        {"materials": [{"material": 999999, "status": "received"}]},
        422,
        "material_not_in_matter",
    ),
    ("bad material status", {"materials": [{"material": -1}], "matter": "sc-003"}, 422, None),
    ("missing materials on accept", {"materials": []}, 422, "materials_incomplete"),
    ("missing field", {"matter": None}, 422, "validation_failed"),
    ("bad channel", {"channel": "pigeon"}, 422, "invalid_channel"),
    # one code for the kinds of applicant everywhere (catalogue, pre-check, cases): "person"
    (
        "the old code for a person",
        {"applicant": {"kind": "individual", "number": "X"}},
        422,
        "validation_failed",
    ),
]


@pytest.mark.parametrize("label,over,status,code", BAD_CREATE, ids=[b[0] for b in BAD_CREATE])
def test_bad_create_changes_nothing(cw, api, label, over, status, code):
    data = body(cw, **over)
    if label == "new applicant without name":
        data["applicant"]["number"] = ric_number(seq=88)
    if label == "company for an individual matter":
        from tests.factories import uscc_number

        data["applicant"]["number"] = uscc_number(seq=99)
    before = counts()
    r = api("post", "/api/v1/cases", cw.clerk, json=data)
    assert r.status_code == status, r.content
    assert r.json()["code"] and r.json()["message"]
    if code:
        assert r.json()["code"] == code
    assert counts() == before


def test_unauthenticated_and_wrong_scope(cw, api):
    before = counts()
    assert api("post", "/api/v1/cases", None, json=body(cw)).status_code == 401
    r = api("post", "/api/v1/cases", cw.other_clerk, json=body(cw, point="sc"))
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    assert counts() == before


def test_bad_transitions_change_nothing(cw, api):
    case = window_case(cw, day=dt.date(2026, 3, 2))
    url = f"/api/v1/cases/{case.number}/transitions"
    cases = [
        (cw.civil_reviewer, {"action": "close"}, 409, "illegal_transition"),
        (cw.civil_reviewer, {"action": "fly"}, 422, "unknown_action"),
        (cw.clerk, {"action": "approve"}, 403, "wrong_role"),
        (cw.person_user, {"action": "approve"}, 403, "wrong_role"),
        (cw.other_user, {"action": "withdraw"}, 404, "case_not_found"),
        (cw.other_clerk, {"action": "withdraw"}, 404, "case_not_found"),
        (cw.civil_reviewer, {"action": "reject"}, 422, "note_required"),
        (cw.manager, {"action": "extend", "note": "x", "data": {"days": 99}}, 422, "invalid_days"),
        (
            cw.civil_reviewer,
            {"action": "request_supplement", "data": {"items": []}},
            422,
            "items_required",
        ),
        (
            cw.civil_reviewer,
            {"action": "request_supplement", "data": {"items": [{"material": 0}]}},
            422,
            "material_not_in_case",
        ),
        (cw.civil_reviewer, {}, 422, "validation_failed"),
    ]
    for user, payload, status, code in cases:
        before = counts()
        r = api("post", url, user, json=payload)
        assert (r.status_code, r.json()["code"]) == (status, code), (payload, r.content)
        assert counts() == before


def test_bad_uploads_change_nothing(cw, api):
    case = window_case(cw, day=dt.date(2026, 3, 2), accept=False, materials={})
    form = case.materials.get(name="申请表")
    url = f"/api/v1/cases/{case.number}/materials"
    tries = [
        (
            cw.person_user,
            {"material": form.pk, "file": SimpleUploadedFile("a.pdf", b"GIF89a")},
            415,
            "file_type_not_allowed",
        ),
        (
            cw.person_user,
            {
                "material": form.pk,
                "file": SimpleUploadedFile("a.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024)),
            },
            413,
            "file_too_large",
        ),
        (cw.person_user, {"material": form.pk}, 422, "file_or_status_required"),
        (cw.person_user, {"material": form.pk, "status": "government_held"}, 403, "wrong_role"),
        (
            cw.other_user,
            {"material": form.pk, "file": SimpleUploadedFile("a.pdf", b"%PDF-1")},
            404,
            "case_not_found",
        ),
        (cw.clerk, {"material": 123456, "status": "received"}, 422, "material_not_in_case"),
        (cw.clerk, {"status": "received"}, 422, "validation_failed"),
    ]
    for user, data, status, code in tries:
        before = counts()
        r = api("post", url, user, data=data)
        assert (r.status_code, r.json()["code"]) == (status, code), (data, r.content)
        assert counts() == before
        assert not CaseMaterial.objects.filter(status="received", case=case).exists()


def test_get_other_applicants_case_is_404(cw, api):
    case = window_case(cw, day=dt.date(2026, 3, 2))
    assert api("get", f"/api/v1/cases/{case.number}", cw.person_user).status_code == 200
    for user in (cw.other_user, cw.other_clerk, cw.other_manager, cw.reviewer, cw.company_user):
        r = api("get", f"/api/v1/cases/{case.number}", user)
        assert r.status_code == 404, user
        assert api("get", f"/api/v1/cases/{case.number}/events", user).status_code == 404
    assert api("get", "/api/v1/cases", cw.other_manager).json() == []
    assert len(api("get", "/api/v1/cases", cw.manager).json()) == 1
