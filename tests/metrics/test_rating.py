"""rating_submit: one per decided case, only by its applicant or the tracking-token bearer."""

from __future__ import annotations

import pytest

from onetrip.audit.models import AuditEvent
from onetrip.errors import Conflict, NotFound, ValidationFailed
from onetrip.metrics.models import Rating
from onetrip.metrics.services import rating_submit

pytestmark = pytest.mark.django_db


def test_applicant_rates_once(history):
    case = history.c6  # in review: not yet
    with pytest.raises(Conflict) as exc:
        rating_submit(case=case, score=5, actor=history.person_user)
    assert exc.value.code == "not_rateable"
    case.state = "delivered"
    case.save()
    r = rating_submit(case=case, score="4", comment=" 很快 ", actor=history.person_user)
    assert (r.score, r.comment, r.by) == (4, "很快", history.person_user)
    assert AuditEvent.objects.filter(subject_id=case.number, action="rate").count() == 1
    with pytest.raises(Conflict) as exc:
        rating_submit(case=case, score=3, actor=history.person_user)
    assert exc.value.code == "already_rated"
    assert Rating.objects.get(case=case).score == 4


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
