"""Search the catalogue in Chromium, open a matter, check its material list (on a phone)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect


@pytest.fixture
def phone_page(page):
    page.set_viewport_size({"width": 390, "height": 844})
    return page


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_search_open_matter_and_check_materials(live_server, phone_page, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from tests.factories import make_world

    make_world()
    page = phone_page
    page.goto(live_server.url + "/matters/")
    expect(page.get_by_test_id("count-one-visit")).to_contain_text("2")
    expect(page.get_by_test_id("matter-item")).to_have_count(2)

    page.get_by_test_id("search-input").fill("章程")
    page.get_by_test_id("search-button").click()
    expect(page.get_by_test_id("matter-item")).to_have_count(1)
    expect(page.get_by_test_id("matter-link")).to_have_text("公司设立登记")

    page.get_by_test_id("matter-link").click()
    expect(page.get_by_test_id("matter-name")).to_have_text("公司设立登记")
    expect(page.get_by_test_id("material-name")).to_have_text(
        ["公司登记（备案）申请书", "公司章程"]
    )
    expect(page.get_by_test_id("visits-reason")).to_contain_text("需核验原件")
    expect(page.get_by_test_id("point")).to_have_count(1)
    # Nothing overflows the phone screen horizontally.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    # A filter narrows the list; a government-held material is marked, not asked for.
    page.goto(live_server.url + "/matters/?level=community")
    expect(page.get_by_test_id("matter-item")).to_have_count(1)
    page.get_by_test_id("matter-link").click()
    expect(page.get_by_test_id("material-held")).to_contain_text("无需提交，政府已有")
    expect(page.get_by_test_id("material")).to_have_count(0)
