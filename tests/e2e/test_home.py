import pytest


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_home_page_in_chromium_both_languages(live_server, page):
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "办事最多跑一次"
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
