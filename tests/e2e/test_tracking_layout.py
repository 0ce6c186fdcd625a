"""Playwright: the online application form is usable on a phone (390 px)."""

from __future__ import annotations

import pytest

from tests.e2e.test_tracking_flows import _world, login
from tests.tracking.conftest import _fast_passwords, frozen  # noqa: F401


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_delivery_choices_sit_beside_their_labels_on_a_phone(live_server, page, frozen):  # noqa: F811
    """The delivery radios were stretched to the full width, each on a line above its label."""
    w = _world()
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server.url, "13900000002")
    page.goto(live_server.url + f"/apply/sc-wgly-0001/?district=sc&as=company-{w.company.pk}")
    for value in ("post", "home", "e_certificate"):
        radio = page.get_by_test_id(f"delivery-{value}").bounding_box()
        label = page.locator("label.choice", has=page.get_by_test_id(f"delivery-{value}"))
        box = label.bounding_box()
        assert radio["width"] < 40, value
        assert box["height"] < 2.2 * radio["height"] + 16, value  # one line, not two
    page.get_by_test_id("delivery-post").click()
    assert page.get_by_test_id("delivery-post").is_checked()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_rating_scores_fit_on_one_line_on_a_phone(live_server, page, frozen):  # noqa: F811
    """The five score radios were stretched full width: ten lines of form for a 1-5 choice.
    Now the five named levels (非常满意 … 非常不满意) wrap at most once, each radio beside its
    label."""
    from tests.tracking.test_rating import _approved

    case = _approved(_world())
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + f"/t/{case.tracking_token}")
    radios = page.locator("fieldset.stars input[type=radio]")
    assert radios.count() == 5
    tops = {round(radios.nth(i).bounding_box()["y"]) for i in range(5)}
    assert len(tops) <= 2  # one line, or two for the five named levels
    labels = page.locator("fieldset.stars label")
    for i in range(5):  # the radio and its words on one line, not stacked
        box = labels.nth(i).bounding_box()
        assert box["height"] < 40 and box["width"] < 200
    radios.nth(4).check()
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_load_state()
    assert "感谢您的评价！" in page.content()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_long_link_in_a_message_does_not_widen_the_page(live_server, page, frozen):  # noqa: F811
    """One unbroken link in a message made the tracking page and the staff thread 2000 px wide."""
    from tests.tracking.conftest import supplement_case

    w = _world()
    case = supplement_case(w)
    link = "https://example.com/" + "a" * 200
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + f"/t/{case.tracking_token}")
    page.get_by_test_id("phone-last4").fill("0002")  # the second factor
    page.get_by_test_id("verify-submit").click()
    page.locator("textarea[name=body]").fill(link)
    page.locator("form[action$='messages/'] button").click()
    page.wait_for_load_state()
    assert link in page.inner_text(".thread")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    login(page, live_server.url, "reviewer-wg")
    page.goto(live_server.url + f"/staff/messages/{case.number}/")
    assert link in page.inner_text(".thread")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_staff_messages_list_fits_a_phone(live_server, page, frozen):  # noqa: F811
    """Issue 9 item 9: /staff/messages/ was wider than a phone (a five-column table with the
    case number, the matter's long name, the holder, the time and the unread count)."""
    from onetrip.tracking.services import message_post_by_token
    from tests.tracking.conftest import supplement_case

    w = _world()
    case = supplement_case(w)
    message_post_by_token(token=case.tracking_token, body="请问还需要补什么材料？")
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server.url, "reviewer-wg")
    page.goto(live_server.url + "/staff/messages/")
    assert page.get_by_test_id(f"thread-{case.number}").is_visible()
    assert page.get_by_test_id(f"unread-{case.number}").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.get_by_test_id(f"unread-{case.number}").bounding_box()
    assert box["x"] + box["width"] <= 390  # the unread count is on screen, not scrolled off
