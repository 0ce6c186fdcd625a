"""Playwright on a phone (390×844): a founder sets up a company — pre-check at window zero,
a ticket and one visit with real-name verification, the 容缺 material supplied online from the
tracking page, the licence issued with the new credit code, delivered by post. One visit.

The founder's steps run in the browser; the hall's and the staff's (kiosk ticket, window
intake, review) go through the same service functions their pages call."""

from __future__ import annotations

import pytest
from stdnum.cn import uscc

from onetrip.cases.models import Case
from onetrip.cases.services import case_open, case_transition
from onetrip.queueing.services import ticket_call_next, ticket_issue, ticket_start
from tests.journeys.conftest import NOW, PDF, import_matter

PHONE = {"width": 390, "height": 844}


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page is {width}px wide on a {PHONE['width']}px phone"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_founder_sets_up_a_company_in_one_visit(
    live_server, page, people, frozen, tmp_path, settings
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    matter = import_matter("sc-scjg-0001", tmp_path)
    p = people(matter)
    page.set_viewport_size(PHONE)
    materials = {m.name: m for m in matter.materials.all()}
    premises = materials["住所使用证明"]

    # 1. Window zero, self-service on the phone, signed in (so held records are looked up):
    # as a founder, with what is at hand.
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", p.founder_user.username)
    page.fill("input[name=password]", "pass-1234-word")
    page.click("button.primary")
    page.wait_for_url("**/my/cases/")
    page.goto(f"{live_server.url}/guide/precheck/?matter={matter.code}&district=sc")
    kinds = page.get_by_test_id("applicant-kind")
    assert kinds.locator("option[value=company]").count() == 0  # no credit code exists yet
    kinds.select_option("founder")
    page.get_by_test_id("applicant-number").fill(p.founder.id_number)
    for m in materials.values():
        if not (m.government_held or m.later_allowed or m.agent_only or not m.required):
            page.get_by_test_id(f"material-{m.pk}").check()
    page.get_by_test_id("run-precheck").click()
    page.get_by_test_id("precheck-answer").wait_for()
    assert "材料齐全" in page.get_by_test_id("verdict").inner_text()
    step = page.get_by_test_id("next-step")
    assert step.get_attribute("data-kind") == "ticket"  # not "online": verification on site
    assert "实名核验" in page.get_by_test_id("onsite-realname").inner_text()
    assert "1" in page.get_by_test_id("visits-promised").inner_text()
    assert "住所使用证明" in page.content()  # may follow later (容缺)
    _fits(page)

    # 2. The visit: ticket, window intake with real-name verification, 容缺 on commitment.
    ticket = ticket_issue(queue=p.queues[0], phone=p.founder.phone, now=NOW)
    called = ticket_call_next(window=p.window, user=p.clerk, now=NOW)
    assert called.pk == ticket.pk
    ticket = ticket_start(window=p.window, user=p.clerk, ticket=called, now=NOW)
    given = [
        {"material": m.pk, "status": "received"}
        for m in materials.values()
        if m.required and not (m.government_held or m.later_allowed or m.agent_only)
    ] + [{"material": premises.pk, "status": "later", "commitment_signed": True}]
    case = case_open(
        actor=p.clerk,
        matter_code=matter.code,
        applicant_kind="founder",
        applicant_number=p.founder.id_number,
        applicant_name=p.founder.name,
        company_name=p.new_company_name,
        ticket=ticket,
        materials=given,
        accept=True,
        now=NOW,
    )
    assert case.events.filter(action="create", data__realname_verified=True).exists()
    case = case_transition(case=case, action="start_review", actor=p.reviewer, now=NOW)
    later_row = case.materials.get(material=premises)
    case = case_transition(
        case=case,
        action="request_supplement",
        actor=p.reviewer,
        now=NOW,
        items=[{"material": later_row.pk}],
    )

    # 3. On the phone again: the tracking page asks for 住所使用证明; upload and resubmit.
    page.goto(f"{live_server.url}/t/{case.tracking_token}")
    assert "住所使用证明" in page.get_by_test_id("missing").inner_text()
    page.get_by_test_id("phone-last4").fill(p.founder.phone[-4:])  # the second factor
    page.get_by_test_id("verify-submit").click()
    page.get_by_test_id(f"file-{later_row.pk}").set_input_files(
        files=[{"name": "lease.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_test_id(f"upload-{later_row.pk}").click()
    page.get_by_test_id("resubmit").click()
    page.get_by_test_id("state").filter(has_text="已补正").wait_for()
    _fits(page)

    # 4. The back office registers the company; the licence goes by post.
    case = Case.objects.get(pk=case.pk)
    case = case_transition(case=case, action="start_review", actor=p.reviewer, now=NOW)
    case = case_transition(case=case, action="approve", actor=p.reviewer, now=NOW)
    case = case_transition(
        case=case,
        action="deliver",
        actor=p.clerk,
        now=NOW,
        method="post",
        note="EMS 1187654321",
    )
    case.refresh_from_db()
    code = case.company.credit_code
    assert uscc.is_valid(code)

    # 5. The result on the phone: 准予登记, the new credit code, by post with its number.
    page.goto(f"{live_server.url}/t/{case.tracking_token}")
    assert page.get_by_test_id("decision").inner_text() == "准予登记"
    assert page.get_by_test_id("document-credit_code").inner_text() == code
    assert page.get_by_test_id("delivery").inner_text() == "邮寄送达"
    assert "EMS 1187654321" in page.get_by_test_id("delivery-note").inner_text()
    assert page.get_by_test_id("visits").inner_text() == "1"
    assert "住所使用证明" in page.get_by_test_id("uploads").inner_text()
    _fits(page)
    assert case.visit_count == 1 and case.state == "delivered"
