"""rating_submit: one per decided case, only by its applicant or the tracking-token bearer."""

from __future__ import annotations

import pytest

from onetrip.audit.models import AuditEvent
from onetrip.errors import Conflict, NotFound, ValidationFailed
from onetrip.metrics.models import Rating
from onetrip.metrics.services import rating_submit

pytestmark = pytest.mark.django_db


def test_applicant_rates_once_per_stage(history):
    case = history.c6  # in review: accepted, not decided
    with pytest.raises(Conflict) as exc:
        rating_submit(case=case, score=5, stage="complete", actor=history.person_user)
    assert exc.value.code == "not_rateable"
    r = rating_submit(case=case, score=5, actor=history.person_user)
    assert r.stage == "accept"
    with pytest.raises(Conflict) as exc:
        rating_submit(case=case, score=3, actor=history.person_user)
    assert exc.value.code == "already_rated"
    case.state = "delivered"
    case.save()
    r = rating_submit(case=case, score="4", comment=" 很快 ", actor=history.person_user)
    assert (r.stage, r.score, r.comment, r.by) == ("complete", 4, "很快", history.person_user)
    assert AuditEvent.objects.filter(subject_id=case.number, action="rate").count() == 2
    with pytest.raises(Conflict) as exc:
        rating_submit(case=case, score=3, actor=history.person_user)
    assert exc.value.code == "already_rated"
    assert Rating.objects.get(case=case, stage="complete").score == 4


def test_a_draft_cannot_be_rated(history):
    from onetrip.cases.models import Case

    case = history.c6
    Case.objects.filter(pk=case.pk).update(accepted_at=None, state="submitted")
    case.refresh_from_db()
    with pytest.raises(Conflict) as exc:
        rating_submit(case=case, score=5, tracking_token=case.tracking_token)
    assert exc.value.code == "not_rateable"


def test_only_the_applicant_or_token(history):
    case = history.c6
    case.state = "approved"
    case.save()
    for who in (history.clerk, history.manager, None):
        with pytest.raises(NotFound):
            rating_submit(case=case, score=5, actor=who)
    with pytest.raises(NotFound):
        rating_submit(case=case, score=5, tracking_token="guess")
    for bad in (0, 6, "x", None):
        with pytest.raises(ValidationFailed):
            rating_submit(case=case, score=bad, tracking_token=case.tracking_token)
    assert not Rating.objects.filter(case=case).exists()
    rating_submit(case=case, score=2, tracking_token=case.tracking_token)
    assert Rating.objects.get(case=case).by is None
