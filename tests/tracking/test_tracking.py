"""The public tracking page and API: status, supplements answered by token, messages with staff,
uniform 404 for unknown/malformed/revoked tokens, rate limit, window QR entry."""

from __future__ import annotations

import secrets

import pytest

from onetrip.audit.models import AuditEvent
from onetrip.cases.models import CaseFile
from onetrip.cases.services import case_transition
from onetrip.catalogue.models import Material
from onetrip.errors import NotFound, ValidationFailed
from onetrip.notices.models import Notice
from onetrip.tracking.models import Message
from onetrip.tracking.selectors import case_by_token
from onetrip.tracking.services import (
    message_post_by_token,
    message_reply,
    supplement_submit,
    supplement_upload,
    tracking_token_renew,
    tracking_token_revoke,
    window_lookup,
)
from tests.tracking.conftest import PDF, online_case, pdf_file, supplement_case


def test_page_shows_status_missing_and_no_personal_data(client, tw, frozen):
    case = supplement_case(tw)
    response = client.get(f"/t/{case.tracking_token}")
    assert response.status_code == 200
    page = response.content.decode()
    assert case.number in page and "待补正" in page
    assert "安全保卫工作方案" in page and "缺少应急疏散路线图" in page
    assert f"/cases/{case.number}/notice.pdf?t={case.tracking_token}" in page
    assert tw.company.name not in page and tw.company.credit_code not in page
    assert "13900000002" not in page and "审批丙" not in page  # staff names masked
    assert "审批人员（审**）" in page
    assert 'data-testid="state-due"' in page  # the answer window is shown
    # the one-time notice PDF opens with the token
    assert client.get(f"/cases/{case.number}/notice/?t={case.tracking_token}").status_code == 200


def test_supplement_answered_by_token_then_resubmitted(tw, frozen):
    case = supplement_case(tw)
    token = case.tracking_token
    cm = case.materials.get(material=tw.perf_safety)
    with pytest.raises(ValidationFailed):  # not asked for
        supplement_upload(
            token=token,
            case_material_id=case.materials.get(material=tw.perf_form).pk,
            upload=pdf_file(),
        )
    with pytest.raises(ValidationFailed) as err:  # wrong type
        supplement_upload(
            token=token, case_material_id=cm.pk, upload=pdf_file(content=b"GIF89a....")
        )
    assert err.value.code == "file_type_not_allowed"
    with pytest.raises(ValidationFailed) as err:  # cannot resubmit before the upload
        supplement_submit(token=token)
    assert err.value.code == "supplement_incomplete"
    supplement_upload(token=token, case_material_id=cm.pk, upload=pdf_file())
    cm.refresh_from_db()
    assert cm.status == "received"
    case = supplement_submit(token=token)
    assert case.state == "resubmitted"
    event = case.events.get(action="resubmit")
    assert event.role == "applicant" and event.actor is None
    with pytest.raises(NotFound):  # a wrong token is refused by the cases service as well
        case_transition(case=case, action="withdraw", actor=None, tracking_token="x" * 43)


def test_messages_thread_and_staff_reply_notifies(tw, frozen, django_capture_on_commit_callbacks):
    case = supplement_case(tw)
    message_post_by_token(token=case.tracking_token, body="疏散路线图用什么格式？")
    with pytest.raises(ValidationFailed):
        message_post_by_token(token=case.tracking_token, body="   ")
    with pytest.raises(ValidationFailed):
        message_post_by_token(token=case.tracking_token, body="长" * 1001)
    assert Message.objects.count() == 1
    # a clerk of another district cannot answer, an applicant cannot answer as staff
    for outsider in (tw.other_clerk, tw.other_reviewer, tw.boss):
        with pytest.raises(NotFound):
            message_reply(case=case, actor=outsider, body="?")
    with django_capture_on_commit_callbacks(execute=True):
        reply = message_reply(case=case, actor=tw.culture_reviewer, body="PDF 或图片均可。")
    assert reply.author_kind == "staff"
    assert Message.objects.get(author_kind="applicant").read_by_staff_at is not None
    notice = Notice.objects.get(template="message_reply")
    assert notice.recipient == "13900000002" and case.tracking_token in notice.text
    assert notice.status == "sent" and notice.subject_id == case.number
    assert AuditEvent.objects.filter(action="message_reply", subject_id=case.number).exists()


def test_staff_pages_scope_and_reply(client, tw, frozen):
    case = supplement_case(tw)
    message_post_by_token(token=case.tracking_token, body="请问何时可以办结？")
    client.force_login(tw.culture_reviewer)
    listing = client.get("/staff/messages/").content.decode()
    assert case.number in listing and f'data-testid="unread-{case.number}"' in listing
    thread = client.get(f"/staff/messages/{case.number}/").content.decode()
    assert "请问何时可以办结？" in thread and "电子证照" in thread
    assert (
        f'data-testid="unread-{case.number}"' not in client.get("/staff/messages/").content.decode()
    )
    # empty reply: message beside the field, nothing saved
    response = client.post(f"/staff/messages/{case.number}/", {"action": "reply", "body": ""})
    assert response.status_code == 422 and "请填写留言内容" in response.content.decode()
    assert Message.objects.count() == 1
    response = client.post(
        f"/staff/messages/{case.number}/", {"action": "reply", "body": "明天办结。"}
    )
    assert response.status_code == 302 and Message.objects.count() == 2
    # the clerk of the case's point sees it; the other district's clerk does not
    client.force_login(tw.clerk)
    assert case.number in client.get("/staff/messages/").content.decode()
    client.force_login(tw.other_clerk)
    assert case.number not in client.get("/staff/messages/").content.decode()
    assert client.get(f"/staff/messages/{case.number}/").status_code == 404
    # an applicant is not staff
    client.force_login(tw.boss)
    assert client.get("/staff/messages/").status_code == 403


def test_revoked_token_is_404_and_renew_gives_a_new_one(client, tw, frozen):
    case = online_case(tw)
    old = case.tracking_token
    assert client.get(f"/t/{old}").status_code == 200
    with pytest.raises(NotFound):
        tracking_token_revoke(case=case, actor=tw.other_clerk)
    client.force_login(tw.clerk)
    response = client.post(
        f"/staff/messages/{case.number}/", {"action": "revoke", "reason": "回执遗失"}
    )
    assert response.status_code == 302
    client.logout()
    gone = client.get(f"/t/{old}")
    assert gone.status_code == 404
    assert client.get(f"/api/v1/track/{old}").status_code == 404
    assert (
        client.post(
            f"/api/v1/track/{old}/messages", {"body": "hi"}, content_type="application/json"
        ).status_code
        == 404
    )
    with pytest.raises(NotFound):
        message_post_by_token(token=old, body="hi")
    assert AuditEvent.objects.filter(action="token_revoke", subject_id=case.number).exists()
    case = tracking_token_renew(case=case, actor=tw.clerk)
    assert case.tracking_token != old
    assert client.get(f"/t/{case.tracking_token}").status_code == 200
    assert client.get(f"/t/{old}").status_code == 404
    assert tracking_token_revoke(case=case, actor=tw.manager).token_revoked_at is not None


def test_unknown_malformed_and_revoked_tokens_look_the_same(
    client, tw, frozen, django_assert_num_queries
):
    case = online_case(tw)
    revoked = online_case(tw)
    tracking_token_revoke(case=revoked, actor=tw.clerk)
    guesses = [
        secrets.token_urlsafe(32),  # well-formed, unknown
        case.tracking_token[:-1] + ("A" if case.tracking_token[-1] != "A" else "B"),  # one off
        "short",
        "x" * 500,
        "%00' OR 1=1 --",
        revoked.tracking_token,
    ]
    bodies = set()
    for token in guesses:
        with django_assert_num_queries(1):
            with pytest.raises(NotFound):
                case_by_token(token=token)
        response = client.get(f"/t/{token}")
        assert response.status_code == 404
        assert [t.name for t in response.templates][0] == "tracking/not_found.html"
        html = response.content.decode()
        bodies.add(html[html.index("<main") : html.index("</main>")])  # the page, minus the URL
        api = client.get(f"/api/v1/track/{token}")
        assert api.status_code == 404 and api.json() == {"code": "not_found", "message": "未找到。"}
    assert len(bodies) == 1


def _limit(settings, scope: str) -> int:
    return int(settings.ONETRIP_THROTTLE_RATES[scope].split("/")[0])


def test_rate_limit_per_ip(client, tw, frozen, settings):
    case = online_case(tw)
    assert _limit(settings, "token") == 30  # the default
    settings.ONETRIP_THROTTLE_RATES = {**settings.ONETRIP_THROTTLE_RATES, "token": "6/m"}
    limit = _limit(settings, "token")
    for _ in range(limit - 1):
        assert client.get(f"/t/{case.tracking_token}", REMOTE_ADDR="10.0.0.1").status_code == 200
    # pages and the API count in one bucket per client
    api = client.get(f"/api/v1/track/{case.tracking_token}", REMOTE_ADDR="10.0.0.1")
    assert api.status_code == 200
    page = client.get(f"/t/{case.tracking_token}", REMOTE_ADDR="10.0.0.1")
    assert page.status_code == 429 and 'data-testid="rate-limited"' in page.content.decode()
    assert 0 < int(page["Retry-After"]) <= 60
    api = client.get(f"/api/v1/track/{case.tracking_token}", REMOTE_ADDR="10.0.0.1")
    assert api.status_code == 429 and api.json()["code"] == "throttled"
    assert 0 < int(api["Retry-After"]) <= 60
    # guessing counts too, and another client is not affected
    assert client.get("/t/guess", REMOTE_ADDR="10.0.0.1").status_code == 429
    assert client.get(f"/t/{case.tracking_token}", REMOTE_ADDR="10.0.0.2").status_code == 200


def test_api_track_messages_and_supplement(client, tw, frozen):
    case = supplement_case(tw)
    token = case.tracking_token
    data = client.get(f"/api/v1/track/{token}").json()
    assert (
        data["state"] == "supplement_requested" and data["can_upload"] and not data["can_resubmit"]
    )
    assert [m["name"] for m in data["missing"]] == ["安全保卫工作方案"]
    assert data["holder"].startswith("杭") and tw.company.name not in str(data)
    assert (
        data["notice"]["round"] == 1
        and data["notice"]["items"][0]["reason"] == "缺少应急疏散路线图"
    )
    assert all("审批丙" not in e["by"] for e in data["timeline"])
    # the link alone does not let anyone write: the last four digits of the phone are needed
    for last4, status, code in (("", 422, "invalid_last4"), ("9999", 403, "second_factor_failed")):
        refused = client.post(
            f"/api/v1/track/{token}/messages",
            {"body": "hi", "phone_last4": last4},
            content_type="application/json",
        )
        assert refused.status_code == status and refused.json()["code"] == code
    cm = case.materials.get(material=tw.perf_safety)
    refused = client.post(f"/api/v1/track/{token}/files", {"material": cm.pk, "file": pdf_file()})
    assert refused.status_code == 422
    refused = client.post(
        f"/api/v1/track/{token}/resubmit", {"phone_last4": "0001"}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert Message.objects.count() == 0 and CaseFile.objects.filter(case_material=cm).count() == 1
    bad = client.post(
        f"/api/v1/track/{token}/messages",
        {"body": "", "phone_last4": "0002"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["code"] == "body_required"
    ok = client.post(
        f"/api/v1/track/{token}/messages",
        {"body": "已补上传", "phone_last4": "0002"},
        content_type="application/json",
    )
    assert ok.status_code == 201 and ok.json()["sender"] == "applicant"
    wrong = client.post(
        f"/api/v1/track/{token}/files",
        {"material": cm.pk, "file": pdf_file(content=b"hello"), "phone_last4": "0002"},
    )
    assert wrong.status_code == 415 and CaseFile.objects.filter(case_material=cm).count() == 1
    up = client.post(
        f"/api/v1/track/{token}/files",
        {"material": cm.pk, "file": pdf_file(), "phone_last4": "0002"},
    )
    assert up.status_code == 201 and up.json()["can_resubmit"] is True
    second = {"phone_last4": "0002"}
    done = client.post(f"/api/v1/track/{token}/resubmit", second, content_type="application/json")
    assert done.status_code == 200 and done.json()["state"] == "resubmitted"
    again = client.post(f"/api/v1/track/{token}/resubmit", second, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"


def test_tracking_page_forms(client, tw, frozen):
    case = supplement_case(tw)
    token = case.tracking_token
    cm = case.materials.get(material=tw.perf_safety)
    # without the second factor the page offers no upload or message form, and posts are refused
    page = client.get(f"/t/{token}").content.decode()
    assert 'data-testid="verify"' in page and 'name="file"' not in page and "msg-body" not in page
    refused = client.post(f"/t/{token}/messages/", {"body": "hi"})
    assert refused.status_code == 403 and "后4位" in refused.content.decode()
    refused = client.post(f"/t/{token}/upload/", {"material": cm.pk, "file": pdf_file()})
    assert refused.status_code == 403
    assert client.post(f"/t/{token}/resubmit/").status_code == 403
    wrong = client.post(f"/t/{token}/verify/", {"phone_last4": "0001"})
    assert wrong.status_code == 403 and 'data-testid="err-last4"' in wrong.content.decode()
    assert Message.objects.count() == 0 and CaseFile.objects.filter(case_material=cm).count() == 1
    assert client.post(f"/t/{token}/verify/", {"phone_last4": "0002"}).status_code == 302
    page = client.get(f"/t/{token}").content.decode()
    assert 'data-testid="verify"' not in page and 'name="file"' in page
    empty = client.post(f"/t/{token}/messages/", {"body": ""})
    assert empty.status_code == 422 and 'data-testid="err-body"' in empty.content.decode()
    assert Message.objects.count() == 0
    wrong = client.post(
        f"/t/{token}/upload/", {"material": cm.pk, "file": pdf_file(content=b"nope")}
    )
    assert wrong.status_code == 415 and "只接受 PDF、JPEG、PNG" in wrong.content.decode()
    assert (
        client.post(f"/t/{token}/upload/", {"material": cm.pk, "file": pdf_file()}).status_code
        == 302
    )
    assert client.post(f"/t/{token}/resubmit/").status_code == 302
    case.refresh_from_db()
    assert case.state == "resubmitted"
    assert client.post(f"/t/{token}x/messages/", {"body": "hi"}).status_code == 404


def test_window_qr_entry(client, tw, frozen, settings):
    from onetrip.queueing.services import queue_create, window_create

    queue = queue_create(point=tw.district, code="A", name="综合")
    window_create(point=tw.district, number="3", kind="self", queues=[queue])
    case = online_case(tw)
    assert client.get("/w/sc/3/").status_code == 200
    assert client.get("/w/sc/99/").status_code == 404
    svg = client.get("/w/sc/3/qr.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    wrong = client.post("/w/sc/3/", {"number": case.number, "phone_last4": "0000"})
    assert wrong.status_code == 404 and "没有找到" in wrong.content.decode()
    bad = client.post("/w/sc/3/", {"number": case.number, "phone_last4": "12"})
    assert bad.status_code == 422 and 'data-testid="err-phone_last4"' in bad.content.decode()
    ok = client.post("/w/sc/3/", {"number": case.number.lower(), "phone_last4": "0002"})
    assert ok.status_code == 302 and ok["Location"] == f"/t/{case.tracking_token}"
    # a case of this district only
    with pytest.raises(NotFound):
        window_lookup(point=tw.other_district, number=case.number, phone_last4="0002")
    # rate limited
    assert _limit(settings, "window") == 10
    for _ in range(_limit(settings, "window") - 3):
        client.post("/w/sc/3/", {"number": "X", "phone_last4": "0000"})
    refused = client.post("/w/sc/3/", {"number": case.number, "phone_last4": "0002"})
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 60


def test_upload_content_is_stored(tw, frozen):
    case = supplement_case(tw)
    cm = case.materials.get(material=tw.perf_safety)
    record = supplement_upload(token=case.tracking_token, case_material_id=cm.pk, upload=pdf_file())
    assert record.file.read() == PDF and record.uploaded_by is None


@pytest.mark.django_db
def test_openapi_lists_the_tracking_endpoints(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("", "/messages", "/files", "/resubmit"):
        assert f"/api/v1/track/{{token}}{path}" in paths
    assert "security" not in paths["/api/v1/track/{token}"]["get"]  # public: no login


def test_optional_material_left_out_is_not_shown_as_missing(client, tw, frozen):
    """An optional material not handed in used to appear under "需补正的材料（一次性告知）"
    on a freshly submitted online case, as if the applicant had to supply it."""
    optional = Material.objects.create(
        matter=tw.perf, position=4, name="演出宣传材料", required=False
    )
    case = online_case(tw)
    assert case.materials.get(material=optional).status == "missing"
    page = client.get(f"/t/{case.tracking_token}").content.decode()
    assert 'data-testid="missing"' not in page
    # Flagged by the reviewer with a reason, it is asked for.
    case = case_transition(case=case, action="accept", actor=tw.manager)
    case = case_transition(case=case, action="start_review", actor=tw.culture_reviewer)
    cm = case.materials.get(material=optional)
    case_transition(
        case=case,
        action="request_supplement",
        actor=tw.culture_reviewer,
        items=[{"material": cm.pk, "status": "missing", "reason": "请补充宣传海报"}],
    )
    page = client.get(f"/t/{case.tracking_token}").content.decode()
    assert f'data-testid="missing-{cm.pk}"' in page and "请补充宣传海报" in page


def test_timeline_labels_follow_the_request_language(client, tw, frozen):
    """Event and actor labels were translated once at import: English pages showed 创建办件/申请人."""
    case = supplement_case(tw)
    page = client.get(f"/t/{case.tracking_token}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Case created" in page and "创建办件" not in page
    assert "Applicant" in page and "Reviewer" in page
    page = client.get(f"/t/{case.tracking_token}", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "创建办件" in page and "审批人员" in page


def test_staff_messages_refusal_is_a_page_with_a_way_home(client, tw, frozen):
    """An applicant opening /staff/messages/ got bare text with no layout and no way on."""
    case = supplement_case(tw)
    client.force_login(tw.person_user)
    for url in ("/staff/messages/", f"/staff/messages/{case.number}/"):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 403, url
        assert "<html" in html and "只有工作人员可以查看留言。" in html and 'href="/"' in html
