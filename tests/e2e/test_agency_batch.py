"""An agent submits a batch of three companies (one from a spreadsheet); one gets a supplement
request; the agent answers online; all three approved; the batch is delivered together; the
agency's pass rate and the batch's single visit show in the figures."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

PDF = b"%PDF-1.4\n% supplement scan\n"


def login(page, base, username):
    page.context.clear_cookies()
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass-1234-word")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_agent_batch_supplement_joint_delivery(live_server, page, tmp_path, settings, monkeypatch):
    from django.utils import timezone

    from tests.cases.conftest import FROZEN_NOW

    # no deadline may reach a year the working-day calendar has no schedule for
    monkeypatch.setattr(timezone, "now", lambda: FROZEN_NOW)
    from openpyxl import Workbook

    from onetrip.agencies.models import Authorisation, Batch
    from onetrip.agencies.spreadsheet import HEADER
    from onetrip.cases.services import case_transition
    from onetrip.people.models import Agency, Company
    from tests.factories import make_user, make_world, uscc_number

    w = make_world()
    today = timezone.localdate()
    agency = Agency.objects.create(
        district=w.district, name="甲代办公司", credit_code=uscc_number()
    )
    make_user("agentA", "agent", agency=agency, point=w.district, display_name="代办员甲")
    companies = [
        Company.objects.create(name=n, credit_code=uscc_number())
        for n in ("一号公司", "二号公司", "三号公司")
    ]
    for c in companies:
        Authorisation.objects.create(
            agency=agency,
            company=c,
            valid_from=today - dt.timedelta(days=10),
            valid_until=today + dt.timedelta(days=300),
        )
    wb = Workbook()
    wb.active.append(list(HEADER))
    wb.active.append([companies[2].credit_code, companies[2].name, "sc-001", "全部"])
    sheet = tmp_path / "batch.xlsx"
    wb.save(sheet)

    page.set_viewport_size({"width": 390, "height": 844})
    base = live_server.url
    login(page, base, "agentA")
    page.goto(base + "/agency/")
    expect(page.get_by_test_id("company-row")).to_have_count(3)
    page.get_by_test_id("row-company-1").select_option(companies[0].credit_code)
    page.get_by_test_id("row-matter-1").select_option("sc-001")
    page.get_by_test_id("row-company-2").select_option(companies[1].credit_code)
    page.get_by_test_id("row-matter-2").select_option("sc-001")
    page.get_by_test_id("batch-sheet").set_input_files(str(sheet))
    page.get_by_test_id("batch-submit").click()
    expect(page.get_by_test_id("batch-case")).to_have_count(3)
    expect(page.get_by_test_id("batch-state")).to_have_text("留置审批中")
    page.get_by_test_id("batch-message-input").fill("三家企业材料齐全，请审核。")
    page.get_by_test_id("batch-message-send").click()
    expect(page.get_by_test_id("batch-message")).to_have_count(1)

    # The back office: accepted, one case asked for a supplement.
    batch = Batch.objects.get()
    cases = [i.case for i in batch.items.select_related("case").order_by("row")]
    for c in cases:
        case_transition(case=c, action="accept", actor=w.clerk)
    second = cases[1]
    cm = second.materials.order_by("position").first()
    case_transition(
        case=second,
        action="request_supplement",
        actor=w.reviewer,
        items=[{"material": cm.pk, "status": "defective", "reason": "章程未签字"}],
    )

    page.reload()
    expect(page.get_by_test_id("batch-notice")).to_contain_text("章程未签字")
    expect(page.get_by_test_id("batch-notice")).to_contain_text("二号公司")
    # The agent answers on the case page, signed in as the agency's agent (no tracking link).
    page.get_by_test_id("answer-supplement").click()
    row = page.locator(f"#material-{cm.pk}")
    row.locator("input[type=file]").set_input_files(
        {"name": "charter.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    row.get_by_role("button", name="上传", exact=True).click()
    page.locator("button[data-action=resubmit]").click()
    expect(page.locator("#case-state")).to_have_text("已补正")
    second.refresh_from_db()
    assert second.state == "resubmitted"

    for c in cases:
        case_transition(case=c, action="approve", actor=w.reviewer)
    batch.refresh_from_db()
    assert batch.state == "ready"

    # The clerk delivers the whole batch at once: one pickup at the agent window.
    login(page, base, "clerk1")
    page.goto(base + f"/agency/batches/{batch.pk}/")
    page.get_by_test_id("deliver-method").select_option("pickup")
    page.get_by_test_id("deliver-submit").click()
    expect(page.get_by_test_id("batch-state")).to_have_text("已统一送达")
    expect(page.get_by_test_id("batch-visits")).to_have_text("1")
    expect(page.get_by_test_id("batch-case-state")).to_have_text(["已送达"] * 3)

    login(page, base, "agentA")
    page.goto(base + "/agency/")
    expect(page.get_by_test_id("fig-pass-rate")).to_have_text("2/3")
    expect(page.get_by_test_id("fig-batches")).to_have_text("1")
    expect(page.get_by_test_id("fig-batch-visits")).to_have_text("1")
    expect(page.get_by_test_id("defects")).to_contain_text(cm.name)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
