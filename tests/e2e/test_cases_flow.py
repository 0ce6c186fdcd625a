"""Playwright: clerk accepts a case from a served ticket, reviewer asks for a supplement, the
applicant reads the one-time notice by the tracking link, uploads and resubmits, reviewer
approves, clerk records delivery; one visit in all."""

from __future__ import annotations

import pytest

from onetrip.cases.models import Case
from tests.cases.conftest import _fast_passwords, cw, frozen  # noqa: F401  (fixtures)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def served_ticket(w, now):
    from onetrip.queueing import services as q

    queue = q.queue_create(point=w.district, code="A", name="综合受理", actor=w.manager)
    window = q.window_create(point=w.district, number="5", kind="general", queues=[queue])
    q.window_open(window=window, user=w.clerk, now=now)
    q.ticket_issue(queue=queue, now=now)
    q.ticket_call_next(window=window, user=w.clerk, now=now)
    q.ticket_start(window=window, user=w.clerk, now=now)
    return q.ticket_finish(window=window, user=w.clerk, now=now)


def login(page, base, username):
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass-1234-word")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def logout(page):
    page.context.clear_cookies()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_case_from_ticket_to_delivery(live_server, page, cw, frozen):  # noqa: F811
    base = live_server.url
    ticket = served_ticket(cw, frozen)

    # 1. the clerk accepts a case from the served ticket
    login(page, base, "clerk1")
    page.goto(f"{base}/cases/new/?ticket={ticket.pk}")
    assert page.locator("#ticket-number").inner_text() == ticket.number
    # the matter is found by typing part of its name, not picked from a long drop-down
    assert page.locator("select[name=matter]").count() == 0
    page.fill("[data-testid=matter-search]", "居住证明")
    page.locator("[data-testid=matter-hit]", has_text="居住证明办理（民政局）").click()
    page.wait_for_selector("#case-form")
    assert ticket.number == page.locator("#ticket-number").inner_text()
    page.fill("input[name=applicant_number]", cw.person.id_number)
    page.get_by_label("申请表").select_option("received")
    page.get_by_label("租赁合同").select_option("received")
    page.get_by_role("button", name="受理", exact=True).click()
    page.wait_for_selector("#case-number")
    number = page.locator("#case-number").inner_text()
    assert page.locator("#case-state").inner_text() == "已受理"
    case = Case.objects.get(number=number)
    assert case.ticket_id == ticket.pk

    # 2. the reviewer asks for a supplement with a one-time notice
    logout(page)
    login(page, base, "reviewer2")
    page.goto(f"{base}/cases/{number}/")
    page.get_by_label("补正 租赁合同").select_option("defective")
    page.get_by_label("原因 租赁合同").fill("缺少出租人签字")
    page.get_by_role("button", name="出具一次性告知书").click()
    page.wait_for_selector("#one-time-notice")
    assert page.locator("#case-state").inner_text() == "待补正"

    # 3. the applicant opens the tracking link (no sign-in) and sees the one-time notice
    logout(page)
    case.refresh_from_db()
    page.goto(f"{base}/cases/{number}/notice/?t={case.tracking_token}")
    notice = page.locator("#one-time-notice").inner_text()
    assert "租赁合同" in notice and "缺少出租人签字" in notice

    # 4. ... signs in, uploads the signed contract and resubmits
    login(page, base, "zhang")
    page.goto(f"{base}/cases/{number}/")
    row = page.locator("tr", has_text="租赁合同").first
    row.locator("input[type=file]").set_input_files(
        files=[{"name": "contract.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    row.get_by_role("button", name="上传", exact=True).click()
    page.wait_for_load_state()
    page.locator('button[data-action="resubmit"]').click()
    page.wait_for_load_state()
    assert page.locator("#case-state").inner_text() == "已补正"

    # 5. the reviewer approves
    logout(page)
    login(page, base, "reviewer2")
    page.goto(f"{base}/cases/{number}/")
    page.locator('button[data-action="approve"]').click()
    page.wait_for_load_state()
    assert page.locator("#case-state").inner_text() == "准予许可"

    # 6. the clerk records delivery by post
    logout(page)
    login(page, base, "clerk1")
    page.goto(f"{base}/cases/{number}/")
    page.locator("#deliver-form select[name=method]").select_option("post")
    page.locator('#deliver-form button[data-action="deliver"]').click()
    page.wait_for_load_state()
    assert page.locator("#case-state").inner_text() == "已送达"
    assert page.locator("#visit-count").inner_text() == "1"
    case.refresh_from_db()
    assert case.state == "delivered" and case.visit_count == 1 == case.visits.count()
    assert list(case.events.values_list("action", flat=True)) == [
        "create",
        "submit",
        "accept",
        "request_supplement",
        "upload",
        "resubmit",
        "approve",
        "deliver",
    ]
