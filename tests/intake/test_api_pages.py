from __future__ import annotations

import pytest

from onetrip.intake.models import PreCheck
from onetrip.people.services import api_token_create
from onetrip.sharing.models import ShareReadLog

pytestmark = pytest.mark.django_db


def post_json(client, path, body, **extra):
    return client.post(path, data=body, content_type="application/json", **extra)


def test_precheck_api_shape(client, senior):
    resp = post_json(
        client,
        "/api/v1/precheck",
        {
            "matter": "sc-002",
            "applicant": {"kind": "person", "number": senior.person},
            "materials_at_hand": [senior.form.pk],
        },
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert set(body) >= {
        "complete",
        "missing",
        "held_by_government",
        "later_allowed",
        "next_step",
        "notice_url",
    }
    assert body["complete"] is False
    # Anonymous: the household register is not looked up in shared data (no oracle).
    assert [m["name"] for m in body["missing"]] == ["居民户口簿", "一寸免冠彩色照片"]
    assert body["missing"][1]["reason"] == "近期一寸免冠彩色照片2张，白底"
    assert [m["name"] for m in body["held_by_government"]] == ["居民身份证"]
    assert body["later_allowed"] == []
    assert body["next_step"]["kind"] == "ticket"
    pc = PreCheck.objects.get()
    assert body["notice_url"] == f"http://testserver/precheck/{pc.token}/"
    assert pc.actor is None and pc.self_service  # anonymous kiosk / applicant
    assert ShareReadLog.objects.count() == 0
    # The answer page and the notice open by token.
    page = client.get(f"/precheck/{pc.token}/")
    assert page.status_code == 200
    assert "一寸免冠彩色照片" in page.content.decode()
    assert senior.person not in page.content.decode()  # masked only


def test_precheck_api_token_caller_is_the_guide(client, senior):
    _t, key = api_token_create(user=senior.guide, name="window-zero")
    resp = post_json(
        client,
        "/api/v1/precheck",
        {"matter": "sc-002", "applicant": {"kind": "person"}, "materials_at_hand": []},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert resp.status_code == 201
    pc = PreCheck.objects.get()
    assert pc.actor == senior.guide and pc.point == senior.world.district


def test_precheck_api_session_is_not_taken_as_guide(client, senior):
    client.force_login(senior.guide)
    resp = post_json(
        client,
        "/api/v1/precheck",
        {"matter": "sc-002", "applicant": {"kind": "person"}, "materials_at_hand": []},
    )
    assert resp.status_code == 201
    assert PreCheck.objects.get().actor is None


@pytest.mark.parametrize(
    "body,status,code",
    [
        (
            {"matter": "nope", "applicant": {"kind": "person"}, "materials_at_hand": []},
            404,
            "matter_not_found",
        ),
        (
            {"matter": "sc-002", "applicant": {"kind": "company"}, "materials_at_hand": []},
            422,
            "audience_mismatch",
        ),
        (
            {
                "matter": "sc-002",
                "applicant": {"kind": "person", "number": "12345"},
                "materials_at_hand": [],
            },
            422,
            "invalid_id_number",
        ),
        ({"matter": "sc-002", "materials_at_hand": []}, 422, "validation_failed"),
        (
            {"matter": "sc-002", "applicant": {"kind": "person"}, "materials_at_hand": [424242]},
            422,
            "unknown_material",
        ),
        (
            {
                "matter": "sc-002",
                "applicant": {"kind": "person"},
                "materials_at_hand": [],
                "point": "xh",
            },
            403,
            "point_outside_district",
        ),
    ],
)
def test_precheck_api_errors(client, senior, body, status, code):
    resp = post_json(client, "/api/v1/precheck", body)
    assert resp.status_code == status
    assert resp.json()["code"] == code
    assert resp.json()["message"]
    assert PreCheck.objects.count() == 0


def test_precheck_token_pages_404_for_unknown(client, db):
    assert client.get("/precheck/not-a-token/").status_code == 404
    assert client.get("/precheck/not-a-token/notice.pdf").status_code == 404


def test_guide_page_search_and_run(client, senior):
    client.force_login(senior.guide)
    resp = client.get("/guide/precheck/", {"q": "优待"})
    html = resp.content.decode()
    assert resp.status_code == 200 and "老年人优待证办理" in html
    assert "西湖公司设立登记" not in client.get("/guide/precheck/").content.decode()
    resp = client.get("/guide/precheck/", {"matter": "sc-002"})
    assert "一寸免冠彩色照片" in resp.content.decode()
    # A shortened name, as people type it, finds the matter too.
    assert (
        "老年人优待证办理" in client.get("/guide/precheck/", {"q": "老年优待证"}).content.decode()
    )
    # A bad ID number: the message is next to the field, nothing saved.
    resp = client.post(
        "/guide/precheck/?matter=sc-002",
        {"matter": "sc-002", "kind": "person", "number": "330102198503150000"},
    )
    assert resp.status_code == 422
    assert 'data-testid="number-error"' in resp.content.decode()
    assert PreCheck.objects.count() == 0
    resp = client.post(
        "/guide/precheck/?matter=sc-002",
        {
            "matter": "sc-002",
            "kind": "person",
            "number": senior.person,
            "at_hand": [str(senior.form.pk)],
        },
    )
    pc = PreCheck.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/precheck/{pc.token}/"
    assert pc.actor == senior.guide and not pc.self_service


def _layout_text(pdf_document) -> str:
    """All text WeasyPrint laid out on the pages (what ends up in the PDF)."""
    out = []

    def walk(box):
        text = getattr(box, "text", None)
        if text:
            out.append(text)
        for child in getattr(box, "children", []) or []:
            walk(child)

    for page in pdf_document.pages:
        walk(page._page_box)
    return "".join(out)


def test_notice_pdf_lists_every_missing_material(client, senior):
    from django.template.loader import render_to_string
    from weasyprint import HTML

    pc = client.post(
        "/api/v1/precheck",
        data={"matter": "sc-002", "applicant": {"kind": "person"}, "materials_at_hand": []},
        content_type="application/json",
    ).json()
    token = pc["notice_url"].rstrip("/").rsplit("/", 1)[-1]
    resp = client.get(f"/precheck/{token}/notice.pdf")
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/pdf"
    assert resp.content.startswith(b"%PDF-") and len(resp.content) > 5000
    # Render the same template and read the laid-out text: both missing items are on the page.
    from onetrip.intake.views import _precheck_context

    request = client.get(f"/precheck/{token}/").wsgi_request
    context = _precheck_context(request, token)
    context["qr"] = ""
    html = render_to_string("intake/notice_print.html", context)
    text = _layout_text(HTML(string=html).render())
    assert "一次性告知单" in text
    assert "一寸免冠彩色照片" in text and "居民户口簿" in text
    assert "老年人优待证申请表" in text  # listed under 容缺


def test_openapi_lists_intake_and_sharing(client, db):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/v1/precheck" in paths
    assert "/api/v1/shared/{holder_number}" in paths
    assert "/api/v1/forms/{matter_code}/drafts" in paths


def test_online_next_step_and_form_help_link_to_the_online_application(client, online_matter):
    """Pre-check said "apply online" but only led to the form help page, which has no submit:
    both now link to /apply/<code>/, and that page opens for a signed-in company user."""
    from onetrip.intake.services import precheck_run
    from tests.factories import make_user

    pc = precheck_run(matter=online_matter, applicant_kind="company", materials_at_hand=[])
    html = client.get(f"/precheck/{pc.token}/").content.decode()
    assert 'href="/apply/sc-003/?district=sc" data-testid="apply-online"' in html
    html = client.get("/matters/sc-003/form/").content.decode()
    assert 'href="/apply/sc-003/?district=sc" data-testid="apply-online"' in html
    client.force_login(make_user("co1", "applicant"))
    assert client.get("/apply/sc-003/?district=sc").status_code == 200
    # A matter that cannot be done online offers no such link.
    assert 'data-testid="apply-online"' not in client.get("/matters/sc-002/form/").content.decode()


def test_precheck_lookups_are_throttled_per_client_with_retry_after(client, senior, settings):
    """Issue 15: 100 anonymous look-ups in 5 s went through."""
    settings.ONETRIP_THROTTLE_RATES = {"precheck": "3/m", "precheck_token": "5/m"}
    body = {"matter": "sc-002", "applicant": {"kind": "person"}, "materials_at_hand": []}
    codes = [post_json(client, "/api/v1/precheck", body).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    refused = post_json(client, "/api/v1/precheck", body)
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60
    assert PreCheck.objects.count() == 3  # nothing written when refused
    # Another address and a kiosk's token have buckets of their own.
    assert post_json(client, "/api/v1/precheck", body, REMOTE_ADDR="10.0.0.9").status_code == 201
    spoofed = post_json(client, "/api/v1/precheck", body, HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert spoofed.status_code == 429  # X-Forwarded-For is not trusted without a proxy
    _t, key = api_token_create(user=senior.guide, name="kiosk")
    kiosk = post_json(client, "/api/v1/precheck", body, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert kiosk.status_code == 201
