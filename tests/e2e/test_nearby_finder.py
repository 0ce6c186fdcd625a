"""The "where can I do this" finder on a phone, over the demo district's catalogue."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_finder_on_a_phone_from_a_community_and_from_my_position(live_server, page, tmp_path):
    from onetrip.catalogue.interchange import catalogue_import
    from onetrip.demo.files import catalogue_files_build

    catalogue_files_build(dest=tmp_path / "cat")
    catalogue_import(path=tmp_path / "cat" / "catalogue.yaml")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/matters/sc-mz-0001/")
    page.get_by_test_id("nearby-link").click()
    expect(page.get_by_test_id("nearby-matter")).to_have_value("sc-mz-0001")
    page.get_by_test_id("nearby-community").select_option("sc-wangjiang-jinjiangdongyuan")
    page.get_by_test_id("nearby-search").click()
    first = page.get_by_test_id("nearby-point").first
    expect(first.get_by_test_id("nearby-point-name")).to_have_text("近江东园社区")
    expect(first.get_by_test_id("nearby-circle")).to_be_visible()
    expect(first.get_by_test_id("nearby-walk")).to_contain_text("步行约 0 米")
    expect(first.get_by_test_id("nearby-hours")).to_contain_text("08:30–20:00")
    expect(page.get_by_test_id("nearby-point").nth(1)).to_contain_text("望江街道")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    # From the phone's position, next to 小营巷社区.
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 30.2652, "longitude": 120.1801})
    page.get_by_test_id("nearby-locate").click()
    expect(page.get_by_test_id("nearby-point").first).to_contain_text("小营巷社区")
    expect(page.get_by_test_id("nearby-lat")).to_have_value("30.265200")
