"""On a phone: a senior card issued at a community point in one visit by a social worker with
delegated authority; another applied for at home through a social worker and delivered home
with zero visits."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 64


def login(page, base, username):
    page.context.clear_cookies()
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass-1234-word")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_senior_card_on_the_spot_and_at_home(live_server, page, monkeypatch):
    from django.utils import timezone

    from tests.cases.conftest import FROZEN_NOW

    # no deadline may reach a year the working-day calendar has no schedule for
    monkeypatch.setattr(timezone, "now", lambda: FROZEN_NOW)
    from onetrip.cases.models import Case, CaseEvent
    from onetrip.cases.services import delegation_grant
    from onetrip.homevisits.models import HomeVisit
    from onetrip.people.models import Applicant
    from tests.factories import make_user, make_world, ric_number

    w = make_world()
    w.senior_card.channel_door = True
    w.senior_card.save()
    worker = make_user("sw1", "social_worker", point=w.community, display_name="社工甲")
    delegation_grant(user=worker, matter=w.senior_card, actor=w.manager, note="民政局授权书")
    first = ric_number(birth="19500101")
    second = Applicant.objects.create(name="李奶奶", id_number=ric_number(birth="19400505"))

    page.set_viewport_size({"width": 390, "height": 844})
    base = live_server.url
    login(page, base, "sw1")

    # 1. At the community post: accepted and issued on the spot, one visit.
    page.goto(base + f"/cases/new/?matter={w.senior_card.pk}")
    page.fill("input[name=applicant_number]", first)
    page.fill("input[name=applicant_name]", "张大爷")
    page.get_by_role("button", name="受理", exact=True).click()
    expect(page.locator("#case-state")).to_have_text("已受理")
    page.locator("button[data-action=approve]").click()
    expect(page.locator("button[data-action=deliver]")).to_be_visible()
    page.locator("#deliver-form select[name=method]").select_option("window")
    page.locator("button[data-action=deliver]").click()
    expect(page.locator("#case-state")).to_have_text("已送达")
    expect(page.locator("#visit-count")).to_have_text("1")
    case = Case.objects.get(applicant__id_number=first)
    assert case.channel == "community" and case.visit_count == 1
    assert CaseEvent.objects.get(case=case, action="approve").role == "delegate"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    # 2. At home: requested through the social worker, accepted at the door with a photo and
    #    the applicant's signature on screen, decided there, delivered home: zero visits.
    page.goto(base + "/home-visits/")
    page.get_by_test_id("visit-matter").select_option("sc-002")
    page.get_by_test_id("visit-id-number").fill(second.id_number)
    page.get_by_test_id("visit-address").fill("东坡路8号2单元101")
    page.get_by_test_id("visit-phone").fill("13800000009")
    page.get_by_test_id("visit-reason").select_option("senior")
    page.get_by_test_id("visit-submit").click()
    expect(page.get_by_test_id("visit-state")).to_have_text("已申请")
    page.get_by_test_id("take-submit").click()
    expect(page.get_by_test_id("visit-state")).to_have_text("已排期")
    page.get_by_test_id("accept-photos").set_input_files(
        {"name": "id-card.jpg", "mimeType": "image/jpeg", "buffer": JPEG}
    )
    pad = page.get_by_test_id("sign-pad").bounding_box()
    page.mouse.move(pad["x"] + 20, pad["y"] + 40)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(pad["x"] + 20 + step * 20, pad["y"] + 40 + (step % 3) * 25)
    page.mouse.up()
    page.get_by_test_id("accept-decide").check()
    page.get_by_test_id("accept-submit").click()
    expect(page.get_by_test_id("visit-state")).to_have_text("已上门受理")
    page.get_by_test_id("deliver-home").click()  # shown once the case is decided
    expect(page.get_by_test_id("visit-state")).to_have_text("已送达上门")
    expect(page.get_by_test_id("visit-case-visits")).to_have_text("0")
    visit = HomeVisit.objects.get(applicant=second)
    assert visit.signature and visit.photos.count() == 1
    assert visit.case.delivery_method == "home" and visit.case.visit_count == 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
