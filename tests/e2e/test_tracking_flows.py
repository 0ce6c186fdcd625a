"""Playwright: (a) a company that holds a business licence in the shared registry applies online
for a matter that needs it and is not asked to upload it; (c) an applicant answers a supplement
request entirely from the tracking page, with a message to staff and the staff reply."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

from onetrip.cases.models import Case
from onetrip.intake.models import OnlineApplication
from onetrip.notices.models import Notice
from onetrip.people.models import Role
from onetrip.tracking.models import Message
from tests.factories import make_world
from tests.tracking.conftest import PDF, _fast_passwords, extend_world, frozen, supplement_case  # noqa: F401


def _world():
    # Role groups come from a data migration; an earlier transactional test may have flushed them.
    for role in Role.values:
        Group.objects.get_or_create(name=role)
    cache.clear()
    return extend_world(make_world())


def verify(page, last4="0002"):
    page.get_by_test_id("phone-last4").fill(last4)
    page.get_by_test_id("verify-submit").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("verify").count() == 0


def login(page, base, username):
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass-1234-word")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def pdf(name):
    return [{"name": name, "mimeType": "application/pdf", "buffer": PDF}]


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_company_applies_online_without_uploading_its_licence(live_server, page, frozen):  # noqa: F811
    w = _world()
    base = live_server.url
    login(page, base, "13900000002")
    page.goto(base + "/apply/?district=sc")
    page.get_by_test_id("apply-sc-wgly-0001").click()
    page.get_by_test_id("choose-holder").select_option(f"company-{w.company.pk}")
    page.wait_for_load_state()

    # The licence is held by government: shown with its source, no upload asked.
    held = page.get_by_test_id(f"held-{w.perf_licence.pk}")
    assert held.inner_text() == "政府已有，无需上传 — 来源：市场监督管理局"
    assert page.locator(f"input[name=material_{w.perf_licence.pk}]").count() == 0
    assert page.get_by_test_id("input-company_name").input_value() == "杭州湖滨演艺有限公司"

    page.get_by_test_id("input-contact_name").fill("王五")
    page.get_by_test_id("input-contact_id_number").fill(w.boss_person.id_number)
    page.get_by_test_id("input-request_date").fill("2026-03-02")
    page.get_by_test_id(f"upload-{w.perf_form.pk}").set_input_files(files=pdf("form.pdf"))
    # Forgot the safety plan and chose post without an address: told next to each field.
    page.get_by_test_id("delivery-post").check()
    page.get_by_test_id("submit-application").click()
    page.wait_for_load_state()
    assert (
        "请上传“安全保卫工作方案”"
        in page.get_by_test_id(f"err-material-{w.perf_safety.pk}").inner_text()
    )
    assert page.get_by_test_id("err-delivery_address").inner_text() == "邮寄或送达上门须填写地址。"
    assert Case.objects.count() == 0

    page.get_by_test_id("delivery-e_certificate").check()
    page.get_by_test_id(f"upload-{w.perf_form.pk}").set_input_files(files=pdf("form.pdf"))
    page.get_by_test_id(f"upload-{w.perf_safety.pk}").set_input_files(files=pdf("safety.pdf"))
    page.get_by_test_id("submit-application").click()
    page.wait_for_url("**/my/cases/")
    case = Case.objects.get()
    assert page.get_by_test_id(f"state-{case.number}").inner_text() == "已提交"
    assert case.company == w.company and case.channel == "online" and case.visit_count == 0
    licence = case.materials.get(material=w.perf_licence)
    assert licence.status == "government_held" and "市场监督管理局" in licence.source
    assert not licence.files.exists()
    assert OnlineApplication.objects.get(case=case).delivery == "e_certificate"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_supplement_answered_from_the_tracking_page(live_server, page, frozen):  # noqa: F811
    w = _world()
    case = supplement_case(w)
    cm = case.materials.get(material=w.perf_safety)
    base = live_server.url
    url = f"{base}/t/{case.tracking_token}"

    # The applicant scans the QR on the receipt: no sign-in.
    page.goto(url)
    assert page.get_by_test_id("state").inner_text() == "待补正"
    missing = page.get_by_test_id(f"missing-{cm.pk}").inner_text()
    assert "安全保卫工作方案" in missing and "缺少应急疏散路线图" in missing
    # uploads and messages need the second factor: the last four digits of the phone
    assert page.get_by_test_id("message-body").count() == 0
    verify(page)
    assert page.get_by_test_id("resubmit").is_disabled()

    # A question for the staff.
    page.get_by_test_id("message-body").fill("路线图需要盖章吗？")
    page.get_by_test_id("send-message").click()
    page.wait_for_load_state()
    assert "路线图需要盖章吗？" in page.get_by_test_id("thread").inner_text()

    # The reviewer answers from the staff message page.
    login(page, base, "reviewer-wg")
    page.goto(base + "/staff/messages/")
    page.get_by_test_id(f"thread-{case.number}").click()
    assert "路线图需要盖章吗？" in page.get_by_test_id("thread").inner_text()
    page.get_by_test_id("reply-body").fill("不需要盖章，上传 PDF 即可。")
    page.get_by_test_id("send-reply").click()
    page.wait_for_load_state()
    page.context.clear_cookies()
    notice = Notice.objects.get(template="message_reply")
    assert notice.recipient == "13900000002" and case.tracking_token in notice.text

    # Back on the tracking page: the reply, then the upload and 提交补正.
    page.goto(url)
    assert "不需要盖章，上传 PDF 即可。" in page.get_by_test_id("thread").inner_text()
    verify(page)  # a new browser session (the cookies were cleared)
    page.get_by_test_id(f"file-{cm.pk}").set_input_files(files=pdf("route.pdf"))
    page.get_by_test_id(f"upload-{cm.pk}").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("all-supplied").is_visible()
    page.get_by_test_id("resubmit").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("state").inner_text() == "已补正"

    case.refresh_from_db()
    assert case.state == "resubmitted" and case.visit_count == 0
    assert case.supplement_notices.get().answered_at is not None
    assert list(Message.objects.values_list("author_kind", flat=True)) == ["applicant", "staff"]
    assert Message.objects.get(author_kind="staff").read_by_applicant_at is not None
