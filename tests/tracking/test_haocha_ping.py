"""好差评: five national levels and four dimensions at acceptance and completion, a bad rating
opens a follow-up for the handling unit due in working days, the follow-up's transition table,
the callback-rate figure, the one invitation after three days, and the staff pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from onetrip.audit.models import AuditEvent
from onetrip.cases.services import case_transition
from onetrip.errors import Conflict, Forbidden, ValidationFailed
from onetrip.metrics.followups import followup_figures
from onetrip.metrics.models import FollowUp, Rating, RatingInvite
from onetrip.metrics.services import followup_transition, rating_invites_send, rating_submit
from onetrip.notices.models import Notice
from onetrip.workdays.selectors import working_days_after
from tests.factories import make_user
from tests.tracking.conftest import FROZEN_NOW, online_case

pytestmark = pytest.mark.django_db


def decided(tw, *, now=FROZEN_NOW):
    case = online_case(tw, now=now)
    case = case_transition(case=case, action="accept", actor=tw.clerk, now=now)
    case = case_transition(case=case, action="start_review", actor=tw.culture_reviewer, now=now)
    return case_transition(case=case, action="approve", actor=tw.culture_reviewer, now=now)


def test_levels_and_dimensions_at_acceptance_then_completion(tw, frozen):
    case = online_case(tw)
    case = case_transition(case=case, action="accept", actor=tw.clerk)
    r1 = rating_submit(
        case=case,
        score=4,
        dimensions={"efficiency": 5, "guidance": "4", "convenience": "", "attitude": 5},
        tracking_token=case.tracking_token,
    )
    assert (r1.stage, r1.get_score_display(), r1.efficiency, r1.guidance, r1.convenience) == (
        "accept",
        "满意",
        5,
        4,
        None,
    )
    assert r1.staff == tw.clerk  # the clerk who accepted is rated through the case
    for bad in ({"attitude": 7}, {"efficiency": "x"}):
        with pytest.raises(ValidationFailed):
            rating_submit(
                case=case,
                score=5,
                dimensions=bad,
                stage="complete",
                tracking_token=case.tracking_token,
            )
    case = case_transition(case=case, action="start_review", actor=tw.culture_reviewer)
    case = case_transition(case=case, action="approve", actor=tw.culture_reviewer)
    r2 = rating_submit(case=case, score=5, via="sms", tracking_token=case.tracking_token)
    assert (r2.stage, r2.via, r2.staff) == ("complete", "sms", tw.culture_reviewer)
    assert Rating.objects.filter(case=case).count() == 2
    assert not FollowUp.objects.exists()  # no bad rating, no follow-up


def test_bad_rating_opens_a_follow_up_due_in_five_working_days(tw):
    # rated on Wednesday 30 September 2026: National Day follows, so 5 working days end 2026-10-13
    now = dt.datetime(2026, 9, 30, 15, tzinfo=FROZEN_NOW.tzinfo)
    case = decided(tw, now=now)
    rating = rating_submit(
        case=case,
        score=1,
        comment="材料说明不清，跑了两趟",
        tracking_token=case.tracking_token,
        now=now,
    )
    fu = FollowUp.objects.get(rating=rating)
    assert fu.department == case.department == tw.culture
    assert fu.due == working_days_after(start=now.date(), days=5) == dt.date(2026, 10, 13)
    assert fu.state == "open" and fu.named  # the company has a phone: a named bad rating
    assert AuditEvent.objects.filter(subject_type="followup", action="open").count() == 1


def test_follow_up_table_roles_and_report_back(tw, frozen):
    case = decided(tw)
    fu = FollowUp.objects.get(
        rating=rating_submit(case=case, score=2, tracking_token=case.tracking_token)
    )
    outsider = make_user("reviewer-other", "reviewer", point=tw.district, department=tw.dept)
    with pytest.raises(Forbidden):
        followup_transition(follow_up=fu, action="call_back", actor=outsider, note="x")
    with pytest.raises(Conflict):  # nothing to report before the call back and the fix
        followup_transition(follow_up=fu, action="report_back", actor=tw.culture_reviewer, note="x")
    with pytest.raises(ValidationFailed):
        followup_transition(follow_up=fu, action="call_back", actor=tw.culture_reviewer, note=" ")
    fu = followup_transition(
        follow_up=fu, action="call_back", actor=tw.culture_reviewer, note="电话回访，已致歉"
    )
    assert fu.state == "called_back" and fu.called_back_at == frozen
    fu = followup_transition(
        follow_up=fu, action="fix", actor=tw.culture_reviewer, note="补充了办事指南样本"
    )
    sms_before = Notice.objects.filter(template="rating_followup_report").count()
    fu = followup_transition(
        follow_up=fu, action="report_back", actor=tw.culture_reviewer, note="已整改并告知"
    )
    assert fu.state == "closed"
    assert Notice.objects.filter(template="rating_followup_report").count() == sms_before + 1
    actions = list(
        AuditEvent.objects.filter(subject_type="followup", subject_id=str(fu.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["open", "call_back", "fix", "report_back"]


def test_a_malicious_rating_is_appealed_and_only_a_manager_decides(tw, frozen):
    case = decided(tw)
    fu = FollowUp.objects.get(
        rating=rating_submit(case=case, score=1, tracking_token=case.tracking_token)
    )
    fu = followup_transition(
        follow_up=fu, action="appeal", actor=tw.culture_reviewer, note="评价内容与办件无关"
    )
    with pytest.raises(Forbidden):
        followup_transition(
            follow_up=fu, action="uphold_appeal", actor=tw.culture_reviewer, note="x"
        )
    fu = followup_transition(follow_up=fu, action="uphold_appeal", actor=tw.manager, note="属实")
    assert fu.state == "dismissed" and fu.closed_at is not None


def test_callback_rate_of_named_bad_ratings(tw, frozen):
    cases = [decided(tw) for _ in range(4)]
    fus = [
        FollowUp.objects.get(rating=rating_submit(case=c, score=s, tracking_token=c.tracking_token))
        for c, s in zip(cases, (1, 2, 2, 5), strict=True)
        if s <= 2
    ] + [None]
    fus = [f for f in fus if f is not None]
    FollowUp.objects.filter(pk=fus[2].pk).update(named=False)  # an anonymous one: not counted
    followup_transition(follow_up=fus[0], action="call_back", actor=tw.manager, note="已回访")
    figs = followup_figures(district=tw.district, today=frozen.date())
    assert (figs["bad_ratings"], figs["named_bad_ratings"], figs["called_back"]) == (3, 2, 1)
    assert figs["callback_rate"] == 0.5
    assert figs["overdue"] == 0
    later = followup_figures(district=tw.district, today=dt.date(2026, 3, 20))
    assert later["overdue"] == 3  # all still owed something after their deadline
    assert followup_figures(district=tw.other_district)["bad_ratings"] == 0


def test_unrated_case_is_invited_once_after_three_days(tw, frozen):
    case = decided(tw, now=FROZEN_NOW - dt.timedelta(days=4))
    fresh = decided(tw, now=FROZEN_NOW - dt.timedelta(days=1))
    rated = decided(tw, now=FROZEN_NOW - dt.timedelta(days=5))
    rating_submit(case=rated, score=5, tracking_token=rated.tracking_token)
    assert rating_invites_send(now=FROZEN_NOW) == 1
    invite = Notice.objects.get(template="rating_invite")
    assert case.number in invite.text and f"/t/{case.tracking_token}?via=sms" in invite.text
    assert RatingInvite.objects.filter(case=fresh).count() == 0
    assert rating_invites_send(now=FROZEN_NOW) == 0  # once only
    call_command("ratings_invite", stdout=open("/dev/null", "w"))
    assert Notice.objects.filter(template="rating_invite").count() == 1


def test_tracking_page_five_levels_and_bad_rating_tells_the_deadline(client, tw, frozen):
    case = decided(tw)
    page = client.get(f"/t/{case.tracking_token}?via=sms").content.decode()
    for label in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert f"> {label}</label>" in page
    assert 'name="via" value="sms"' in page and 'data-testid="dim-attitude"' in page
    resp = client.post(
        f"/t/{case.tracking_token}/rating/",
        {"score": "1", "attitude": "2", "comment": "态度差", "stage": "complete", "via": "sms"},
        follow=True,
    )
    fu = FollowUp.objects.get(case=case)
    html = resp.content.decode()
    assert fu.due.isoformat() in html and 'data-testid="rating-followup"' in html
    assert Rating.objects.get(case=case).via == "sms"


def test_staff_see_comments_and_the_follow_up_with_its_deadline(client, tw, frozen):
    case = decided(tw)
    rating_submit(case=case, score=2, comment="等了很久", tracking_token=case.tracking_token)
    fu = FollowUp.objects.get(case=case)
    client.force_login(tw.culture_reviewer)
    html = client.get("/staff/ratings/?bad=1").content.decode()
    assert "等了很久" in html and fu.due.strftime("%Y-%m-%d") in html
    assert 'data-testid="callback-rate">0%' in html
    detail = client.get(f"/staff/ratings/{fu.pk}/").content.decode()
    assert 'data-testid="action-call_back"' in detail
    assert 'data-testid="action-uphold_appeal"' not in detail  # a manager's decision
    resp = client.post(f"/staff/ratings/{fu.pk}/", {"action": "call_back", "note": ""})
    assert resp.status_code == 422
    resp = client.post(f"/staff/ratings/{fu.pk}/", {"action": "call_back", "note": "已回访"})
    assert resp.status_code == 302
    assert FollowUp.objects.get(pk=fu.pk).state == "called_back"
    # someone else's unit and an applicant cannot reach it
    client.force_login(tw.other_reviewer)
    assert client.get(f"/staff/ratings/{fu.pk}/").status_code == 404
    client.force_login(tw.person_user)
    assert client.get("/staff/ratings/").status_code == 403
