"""Door-to-door service: request, schedule, accept at the door with photos and an on-screen
signature, home delivery with zero visits; who sees what; bad input writes nothing."""

from __future__ import annotations

import base64
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from onetrip.cases.models import Case
from onetrip.cases.services import case_transition, delegation_grant
from onetrip.errors import DomainError
from onetrip.homevisits.models import HomeVisit, HomeVisitPhoto
from onetrip.homevisits.services import (
    home_visit_accept,
    home_visit_deliver,
    home_visit_request,
    home_visit_schedule,
)
from onetrip.people.models import Applicant, Company, User
from tests.factories import make_user, ric_number, uscc_number

JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 64


def _png(blank: bool = False) -> str:
    img = Image.new("RGBA", (120, 60), (0, 0, 0, 0))
    if not blank:
        for x in range(10, 100):
            img.putpixel((x, 30), (0, 0, 0, 255))
    out = io.BytesIO()
    img.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _photo():
    return SimpleUploadedFile("id.jpg", JPEG, content_type="image/jpeg")


@pytest.fixture
def hv(world):
    w = world
    w.senior_card.channel_door = True
    w.senior_card.save()
    w.matter.channel_door = True  # company registration: specialists go to companies
    w.matter.save()
    w.worker = make_user("sw1", "social_worker", point=w.community, display_name="社工甲")
    w.worker2 = make_user("sw2", "social_worker", point=w.community, display_name="社工乙")
    w.specialist = make_user("sp1", "specialist", point=w.district, display_name="专员甲")
    w.specialist2 = make_user("sp2", "specialist", point=w.district, display_name="专员乙")
    w.senior_user = make_user("grandpa", "applicant")
    w.senior = Applicant.objects.create(
        name="张大爷", id_number=ric_number(birth="19450101"), user=w.senior_user
    )
    w.company = Company.objects.create(name="上门公司", credit_code=uscc_number())
    w.when = timezone.now() + dt.timedelta(hours=3)
    return w


def _request(w, actor=None, **kw):
    args = dict(
        actor=actor or w.worker,
        matter=w.senior_card,
        applicant=w.senior,
        reason="senior",
        address="东坡路1号3单元201",
        phone="13800000001",
    )
    args.update(kw)
    return home_visit_request(**args)


def test_senior_card_at_home_delivered_home_zero_visits(hv):
    w = hv
    visit = _request(w)  # the social worker asks on the resident's behalf
    visit = home_visit_schedule(visit=visit, actor=w.worker, assignee=w.worker, when=w.when)
    visit = home_visit_accept(visit=visit, actor=w.worker, photos=[_photo()], signature=_png())
    case = visit.case
    assert case.channel == "door" and case.state == "accepted" and case.visit_count == 0
    assert HomeVisitPhoto.objects.filter(visit=visit).count() == 1
    assert visit.signature.name.endswith(".png")
    case_transition(case=case, action="approve", actor=w.manager)
    visit = home_visit_deliver(visit=visit, actor=w.worker)
    case.refresh_from_db()
    assert visit.state == "delivered"
    assert case.state == "delivered" and case.delivery_method == "home"
    assert case.visit_count == 0


def test_decided_at_the_door_under_delegation(hv):
    w = hv
    delegation_grant(user=w.worker, matter=w.senior_card, actor=w.manager)
    visit = _request(w)
    visit = home_visit_schedule(visit=visit, actor=w.manager, assignee=w.worker, when=w.when)
    worker = User.objects.get(pk=w.worker.pk)
    visit = home_visit_accept(
        visit=visit, actor=worker, photos=[_photo()], signature=_png(), decide_now=True
    )
    assert visit.case.state == "approved"
    home_visit_deliver(visit=visit, actor=worker)
    visit.case.refresh_from_db()
    assert visit.case.state == "delivered" and visit.case.visit_count == 0


@pytest.mark.parametrize(
    ("photos", "signature", "code"),
    [
        ([], "sig", "photos_required"),
        (["exe"], "sig", "file_type_not_allowed"),
        (["jpg"], "", "signature_required"),
        (["jpg"], "blank", "signature_blank"),
        (["jpg"], "data:image/png;base64,!!!", "signature_invalid"),
        (
            ["jpg"],
            "data:image/png;base64," + base64.b64encode(b"GIF89a").decode(),
            "signature_invalid",
        ),
    ],
)
def test_accept_bad_input_writes_nothing(hv, photos, signature, code):
    w = hv
    visit = home_visit_schedule(visit=_request(w), actor=w.worker, assignee=w.worker, when=w.when)
    files = [
        _photo() if p == "jpg" else SimpleUploadedFile("x.exe", b"MZ\x90\x00", "image/jpeg")
        for p in photos
    ]
    sig = {"sig": _png(), "blank": _png(blank=True)}.get(signature, signature)
    cases = Case.objects.count()
    with pytest.raises(DomainError) as exc:
        home_visit_accept(visit=visit, actor=w.worker, photos=files, signature=sig)
    assert exc.value.code == code
    visit.refresh_from_db()
    assert visit.state == "scheduled" and visit.case_id is None
    assert Case.objects.count() == cases and HomeVisitPhoto.objects.count() == 0


def test_only_the_assigned_worker_accepts_and_roles_fit_the_requester(hv):
    w = hv
    visit = home_visit_schedule(visit=_request(w), actor=w.manager, assignee=w.worker, when=w.when)
    with pytest.raises(DomainError) as exc:
        home_visit_accept(visit=visit, actor=w.worker2, photos=[_photo()], signature=_png())
    assert exc.value.status == 404
    # A company visit goes to a service specialist, never to a social worker.
    cv = _request(w, actor=w.specialist, matter=w.matter, applicant=None, company=w.company,
                  reason="company")  # fmt: skip
    with pytest.raises(DomainError) as exc:
        home_visit_schedule(visit=cv, actor=w.manager, assignee=w.worker, when=w.when)
    assert exc.value.code == "wrong_assignee"


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"matter": "committed_no_door"}, "door_not_offered"),
        ({"reason": "bored"}, "invalid_reason"),
        ({"address": "  "}, "address_required"),
        ({"phone": "12345"}, "invalid_phone"),
        ({"actor": "stranger"}, "forbidden"),
    ],
)
def test_request_bad_input(hv, kw, code):
    w = hv
    if kw.get("matter") == "committed_no_door":
        w.matter.channel_door = False
        w.matter.save()
        kw = {"matter": w.matter, "applicant": None, "company": w.company, "reason": "company"}
    if kw.get("actor") == "stranger":
        kw = {"actor": make_user("stranger", "applicant")}
    with pytest.raises(DomainError) as exc:
        _request(w, **kw)
    assert exc.value.code == code
    assert HomeVisit.objects.count() == 0


def test_api_specialist_sees_only_visits_assigned_to_them(client, hv):
    w = hv
    a = _request(w, actor=w.manager, matter=w.matter, applicant=None, company=w.company,
                 reason="company")  # fmt: skip
    b = _request(w, actor=w.manager, matter=w.matter, applicant=None, company=w.company,
                 reason="company")  # fmt: skip
    home_visit_schedule(visit=a, actor=w.manager, assignee=w.specialist, when=w.when)
    home_visit_schedule(visit=b, actor=w.manager, assignee=w.specialist2, when=w.when)
    client.force_login(w.specialist)
    assert [v["id"] for v in client.get("/api/v1/home-visits").json()] == [a.pk]
    assert client.get(f"/home-visits/{b.pk}/").status_code == 404
    assert client.get(f"/home-visits/{a.pk}/").status_code == 200
    client.force_login(w.manager)
    assert {v["id"] for v in client.get("/api/v1/home-visits").json()} == {a.pk, b.pk}
    client.force_login(w.senior_user)
    assert client.get("/api/v1/home-visits").json() == []


def test_api_request_by_the_resident_and_bad_input(client, hv):
    w = hv
    client.force_login(w.senior_user)
    resp = client.post(
        "/api/v1/home-visits",
        {"matter": "sc-002", "applicant_id_number": w.senior.id_number, "reason": "senior",
         "address": "东坡路1号", "phone": "13800000002"},
        content_type="application/json",
    )  # fmt: skip
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["state"] == "requested" and body["phone"] != "13800000002"  # masked
    assert [v["id"] for v in client.get("/api/v1/home-visits").json()] == [body["id"]]
    n = HomeVisit.objects.count()
    for payload, status in [
        ({"matter": "sc-002", "reason": "senior", "address": "x", "phone": "13800000002"}, 422),
        ({"matter": "sc-002", "applicant_id_number": w.senior.id_number, "reason": "bad",
          "address": "x", "phone": "13800000002"}, 422),
        ({"matter": "nope", "applicant_id_number": w.senior.id_number, "reason": "senior",
          "address": "x", "phone": "13800000002"}, 404),
    ]:  # fmt: skip
        resp = client.post("/api/v1/home-visits", payload, content_type="application/json")
        assert resp.status_code == status, resp.content
        assert "code" in resp.json()
    assert HomeVisit.objects.count() == n


def test_garbage_on_the_pages_is_never_a_5xx(client, hv):
    w = hv
    visit = _request(w)
    client.force_login(w.manager)
    for data, status in (
        ({"assignee": "abc", "when": "x"}, 302),
        ({"assignee": "99999999999999999999", "when": "2026-13-40T99:99"}, 302),
        ({"assignee": str(w.worker.pk), "when": "\x00"}, 400),  # refused by the NUL middleware
    ):
        resp = client.post(f"/home-visits/{visit.pk}/schedule/", data)
        assert resp.status_code == status
    visit.refresh_from_db()
    assert visit.state == "requested"
    client.force_login(w.worker)
    resp = client.post(
        f"/home-visits/{visit.pk}/accept/", {"signature": "data:image/png;base64,%%"}
    )
    assert resp.status_code in (302, 404)
    assert client.post("/home-visits/", {"matter": "x\x00", "reason": "?"}).status_code in (
        400,  # the NUL middleware
        404,
        422,
    )
    assert client.get("/home-visits/999999/").status_code == 404
