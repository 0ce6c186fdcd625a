"""Playwright, Chromium on a phone-sized screen: (1) two residents book the last place of an
activity at the same moment — one gets it, the other a clear message and a waiting-list offer,
and is promoted (with an SMS) when the winner cancels; (2) a resident raises a topic, neighbours
support it until it reaches the agenda, and after the meeting the decision's follow-up is
public on the complex page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from onetrip.community import services
from onetrip.community.models import Booking, Decision, Slot, Topic, TopicSupport
from onetrip.notices.models import Notice
from onetrip.people.models import Role
from tests.community.conftest import at, build_community, make_slot
from tests.factories import make_world

PHONE = {"width": 390, "height": 844}
PAGE = "/community/sc-hubin-dongpo/"


def _world():
    for role in Role.values:
        Group.objects.get_or_create(name=role)
    return build_community(make_world())


def login(page, base, username):
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass-1234-word")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def phone(browser, browser_context_args):
    ctx = browser.new_context(**{**browser_context_args, "viewport": PHONE})
    return ctx, ctx.new_page()


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_two_residents_race_for_the_last_place(live_server, browser, browser_context_args):
    cw = _world()
    base = live_server.url
    slot = make_slot(cw, capacity=2, title="剪纸体验课", hour=9)
    services.booking_create(user=cw.r3, slot=slot)  # one place left
    ctx1, p1 = phone(browser, browser_context_args)
    ctx2, p2 = phone(browser, browser_context_args)
    for page, who in ((p1, "res1"), (p2, "res2")):
        login(page, base, who)
        page.goto(base + PAGE)
        card = page.locator(f'[data-testid=slot][data-slot="{slot.pk}"]')
        expect(card.get_by_test_id("places")).to_have_text("余 1 / 2 个名额")
        assert no_sideways_scroll(page)

    # Both press "预约" at the same instant: each page submits at one shared wall-clock time.
    fire_at = p1.evaluate("Date.now()") + 400
    submit = """([slot, t]) => setTimeout(() => document.querySelector(
        `[data-testid=slot][data-slot="${slot}"] form`).requestSubmit(), t - Date.now())"""
    with p1.expect_navigation(), p2.expect_navigation():
        p1.evaluate(submit, [slot.pk, fire_at])
        p2.evaluate(submit, [slot.pk, fire_at])

    pages = {"res1": p1, "res2": p2}
    won = [u for u, p in pages.items() if p.url.endswith("/community/my/bookings/")]
    lost = [u for u, p in pages.items() if "/book/" in p.url]
    assert len(won) == 1 and len(lost) == 1, [p.url for p in pages.values()]
    winner, loser = pages[won[0]], pages[lost[0]]
    expect(winner.get_by_test_id("booking").first).to_have_attribute("data-status", "confirmed")
    error = loser.get_by_test_id("error")
    expect(error).to_have_attribute("data-code", "slot_full")
    expect(error).to_contain_text("名额刚刚约满")
    expect(loser.get_by_test_id("wait-offer")).to_contain_text("加入候补名单")
    slot.refresh_from_db()
    assert slot.booked == 2
    assert Booking.objects.filter(slot=slot).count() == 2  # the refused click wrote nothing

    # The loser takes the offer and is first on the waiting list.
    loser.get_by_test_id("join-waitlist").click()
    loser.wait_for_url("**/community/my/bookings/")
    expect(loser.get_by_test_id("booking").first).to_contain_text("候补中 · 第 1 位")

    # The winner cancels: the place goes to the waiting resident, who gets an SMS.
    winner.get_by_test_id("cancel").first.click()
    winner.wait_for_load_state()
    loser.reload()
    expect(loser.get_by_test_id("booking").first).to_have_attribute("data-status", "confirmed")
    loser_user = cw.r1 if lost[0] == "res1" else cw.r2
    sms = Notice.objects.get(template="community_promoted")
    assert sms.recipient == loser_user.phone and "剪纸体验课" in sms.text
    assert Slot.objects.get(pk=slot.pk).booked == 2
    ctx1.close()
    ctx2.close()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_phone_raise_support_and_follow_a_decision(live_server, browser, browser_context_args):
    cw = _world()
    cw.complex.support_threshold = 2
    cw.complex.save()
    base = live_server.url
    ctx1, p1 = phone(browser, browser_context_args)
    login(p1, base, "res1")
    p1.goto(base + "/")
    p1.get_by_role("link", name="社区服务").click()
    p1.get_by_role("link", name="东坡路社区").click()
    expect(p1.get_by_test_id("core-facilities")).to_contain_text("一坊议事")
    p1.get_by_test_id("raise-topic").click()

    # odd input first: told what is wrong, nothing stored
    p1.get_by_test_id("title").fill("灯坏")
    p1.get_by_test_id("body").fill("东门路灯坏了")
    p1.get_by_test_id("submit").click()
    expect(p1.get_by_test_id("error")).to_contain_text("至少 4 个字")
    assert Topic.objects.count() == 0
    p1.get_by_test_id("title").fill("东门路灯维修")
    p1.get_by_test_id("body").fill("东门两盏路灯坏了一个多月，晚上老人出门看不清台阶，请尽快修好。")
    p1.get_by_test_id("submit").click()
    expect(p1.get_by_test_id("topic-title")).to_have_text("东门路灯维修")
    expect(p1.get_by_test_id("topic-state")).to_have_text("征集支持中")
    p1.get_by_test_id("support").click()
    expect(p1.get_by_test_id("support-count")).to_have_text("1")
    expect(p1.get_by_test_id("supported")).to_be_visible()
    expect(p1.get_by_test_id("support")).to_have_count(0)  # one person, one support
    topic_url = p1.url
    assert no_sideways_scroll(p1)

    ctx2, p2 = phone(browser, browser_context_args)
    login(p2, base, "res2")
    p2.goto(topic_url)
    p2.get_by_test_id("support").click()
    expect(p2.get_by_test_id("support-count")).to_have_text("2")
    expect(p2.get_by_test_id("topic-state")).to_have_text("已列入议程")
    topic = Topic.objects.get()
    assert TopicSupport.objects.filter(topic=topic).count() == 2

    # The workshop meets; the decision gets an owner and a due date (staff, by the services).
    meeting = services.meeting_schedule(
        complex=cw.complex,
        actor=cw.social,
        title="十二月居民议事会",
        starts_at=at(1, 19),
    )
    services.topic_transition(topic=topic, action="schedule", actor=cw.social, meeting=meeting)
    services.meeting_transition(
        meeting=meeting, action="hold", actor=cw.social, minutes="到会 20 人，同意由物业更换路灯。"
    )
    due = timezone.localdate() + dt.timedelta(days=14)
    services.topic_transition(
        topic=topic,
        action="decide",
        actor=cw.social,
        text="由物业更换东门两盏路灯",
        owner_name="小区物业服务中心",
        due_date=due,
    )

    # The social worker records progress from the phone on the complex's staff page.
    ctx3, p3 = phone(browser, browser_context_args)
    login(p3, base, "social-dongpo")
    p3.goto(base + PAGE + "manage/")
    box = p3.get_by_test_id("manage-decision").first
    box.locator("summary").click()
    box.locator("input[name=note]").fill("物业已采购灯具，周三安装")
    box.get_by_role("button", name="开始落实").click()
    p3.wait_for_load_state()

    # Anyone can follow it on the complex page until it is done.
    p1.goto(base + PAGE)
    follow = p1.get_by_test_id("followup")
    expect(follow).to_have_count(1)
    expect(follow).to_contain_text("由物业更换东门两盏路灯")
    expect(follow).to_contain_text("小区物业服务中心")
    expect(follow).to_contain_text(due.isoformat())
    expect(follow).to_contain_text("落实中")
    expect(follow).to_contain_text("物业已采购灯具，周三安装")
    assert no_sideways_scroll(p1)
    services.decision_transition(
        decision=Decision.objects.get(), action="finish", actor=cw.social, note="已安装完毕"
    )
    p1.reload()
    expect(p1.get_by_test_id("followup")).to_have_count(0)
    Topic.objects.get(state="done")
    for c in (ctx1, ctx2, ctx3):
        c.close()
