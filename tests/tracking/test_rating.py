"""The applicant rates a decided case from the tracking page: once, 1–5, nothing saved on bad input."""

import pytest

from onetrip.cases.services import case_transition
from onetrip.metrics.models import Rating
from tests.tracking.conftest import online_case

pytestmark = pytest.mark.django_db


def _approved(tw):
    case = online_case(tw)
    case = case_transition(case=case, action="accept", actor=tw.clerk)
    case = case_transition(case=case, action="start_review", actor=tw.culture_reviewer)
    return case_transition(case=case, action="approve", actor=tw.culture_reviewer)


def test_rating_form_only_once_decided(client, tw, frozen):
    case = online_case(tw)
    assert (
        'data-testid="send-rating"' not in client.get(f"/t/{case.tracking_token}").content.decode()
    )
    resp = client.post(f"/t/{case.tracking_token}/rating/", {"score": "5"})
    assert resp.status_code == 409
    assert Rating.objects.count() == 0


def test_rate_from_the_tracking_page(client, tw, frozen):
    case = _approved(tw)
    page = client.get(f"/t/{case.tracking_token}").content.decode()
    assert 'data-testid="send-rating"' in page
    bad = client.post(f"/t/{case.tracking_token}/rating/", {"score": "9"})
    assert bad.status_code == 422
    assert "1至5" in bad.content.decode()
    assert Rating.objects.count() == 0
    ok = client.post(f"/t/{case.tracking_token}/rating/", {"score": "4", "comment": "很快"})
    assert ok.status_code == 302
    rating = Rating.objects.get(case=case)
    assert (rating.score, rating.comment) == (4, "很快")
    page = client.get(f"/t/{case.tracking_token}").content.decode()
    assert 'data-testid="rating-given"' in page and 'data-testid="send-rating"' not in page
    again = client.post(f"/t/{case.tracking_token}/rating/", {"score": "1"})
    assert again.status_code == 409
    assert Rating.objects.get(case=case).score == 4


def test_rating_with_a_wrong_token_is_404(client, tw, frozen):
    _approved(tw)
    resp = client.post("/t/" + "x" * 43 + "/rating/", {"score": "5"})
    assert resp.status_code == 404
    assert Rating.objects.count() == 0


def test_tracking_link_with_a_trailing_slash_works_and_bad_tokens_stay_404(client, tw, frozen):
    case = online_case(tw)
    assert client.get(f"/t/{case.tracking_token}/").status_code == 200
    assert client.get("/t/" + "x" * 43 + "/").status_code == 404
