"""Playwright: an applicant gives a bad 好差评 on the tracking page (the SMS link); the handling
unit's reviewer finds the follow-up on /staff/ratings/ with its deadline, calls back."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

from onetrip.cases.services import case_transition
from onetrip.metrics.models import FollowUp
from onetrip.people.models import Role
from onetrip.workdays.selectors import working_days_after
from tests.factories import make_world
from tests.tracking.conftest import _fast_passwords, extend_world, frozen, online_case  # noqa: F401


def _world():
    for role in Role.values:
        Group.objects.get_or_create(name=role)
    cache.clear()
    return extend_world(make_world())


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_bad_rating_opens_the_units_follow_up_with_its_deadline(live_server, page, frozen):  # noqa: F811
    w = _world()
    case = online_case(w)
    case = case_transition(case=case, action="accept", actor=w.clerk)
    case = case_transition(case=case, action="start_review", actor=w.culture_reviewer)
    case = case_transition(case=case, action="approve", actor=w.culture_reviewer)
    base = live_server.url

    page.goto(f"{base}/t/{case.tracking_token}?via=sms")
    form = page.get_by_test_id("rating-form")
    form.get_by_test_id("level-1").check()  # 非常不满意
    form.get_by_test_id("dim-guidance").select_option("1")
    form.get_by_test_id("dim-attitude").select_option("2")
    form.get_by_test_id("rating-comment").fill("告知的材料清单不全，多跑了一趟")
    form.get_by_test_id("send-rating").click()
    page.wait_for_load_state()

    due = working_days_after(start=frozen.date(), days=5)
    assert due.isoformat() in page.get_by_test_id("rating-followup").inner_text()
    fu = FollowUp.objects.get(case=case)
    assert (fu.department_id, fu.due, fu.rating.via) == (w.culture.pk, due, "sms")

    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", w.culture_reviewer.username)
    page.fill("input[name=password]", "pass-1234-word")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    page.goto(base + "/staff/ratings/?bad=1")
    row = page.get_by_test_id(f"rating-{case.number}-complete")
    assert "告知的材料清单不全" in row.get_by_test_id("comment").inner_text()
    assert row.get_by_test_id("followup-due").inner_text() == due.isoformat()
    row.get_by_test_id("followup-link").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("due").inner_text().startswith(due.isoformat())
    assert page.get_by_test_id("unit").inner_text() == w.culture.name
    rating = page.get_by_test_id("rating").inner_text()  # the dimensions the applicant rated
    assert "告知准确" in rating and "服务态度" in rating and "办事效率" not in rating
    action = page.get_by_test_id("action-call_back")
    action.locator("textarea").fill("已电话回访，致歉并补充说明")
    action.get_by_role("button").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("state").inner_text() == "已回访"
