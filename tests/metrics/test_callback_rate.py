"""The callback rate of named bad ratings (差评回访率) on the dashboard: known answers on the
hand-built history, its cuts and period, the page, the export and the API schema."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.metrics import selectors as M
from onetrip.metrics.models import FollowUp, Rating
from tests.factories import make_user
from tests.metrics.conftest import at

pytestmark = pytest.mark.django_db

RATED = dt.date(2026, 10, 23)


def bad(
    case, *, named: bool, called: bool = False, state=None, due=dt.date(2026, 10, 30), on=RATED
):
    rating = Rating.objects.create(case=case, stage="accept", score=1, at=at(on, 11))
    return FollowUp.objects.create(
        rating=rating,
        case=case,
        department=case.department,
        district=case.district,
        named=named,
        opened_at=at(on, 11),
        due=due,
        called_back_at=at(on + dt.timedelta(days=1), 10) if called else None,
        state=state or ("called_back" if called else "open"),
    )


@pytest.fixture
def followed(history):
    h = history
    # c1 (company, centre, agency 乙): named, called back, still owed a fix (not overdue yet)
    bad(h.c1, named=True, called=True, due=dt.date(2026, 11, 30))
    # c2 (company, centre): named, never called, past its deadline
    bad(h.c2, named=True, due=dt.date(2026, 10, 30))
    # c5 (individual, online): anonymous (no account, no phone): not in the rate
    bad(h.c5, named=False)
    # c6 (individual, community): named, called back, fixed and reported back
    bad(h.c6, named=True, called=True, state="closed")
    # excluded: a bad rating before the period, one in the other district
    bad(h.c3, named=True, on=dt.date(2026, 9, 20))
    bad(h.c9, named=True)
    return h


def followups(h, **kw):
    return M.reform_figures(
        M.Scope(district=h.district, since=h.since, until=h.until, **kw), today=h.today
    )["followups"]


def test_callback_rate_of_named_bad_ratings(followed):
    h = followed
    # 4 bad ratings in October in the district, 3 named (c1, c2, c6), 2 of them called back
    assert followups(h) == {
        "bad_ratings": 4,
        "named_bad_ratings": 3,
        "called_back": 2,
        "callback_rate": pytest.approx(2 / 3),
        "open": 3,  # c1 (called back, not fixed), c2 and c5 (open)
        "overdue": 2,  # c2 and c5: due 10-30, today 11-27
    }


def test_callback_rate_cuts(followed):
    h = followed
    centre = followups(h, point=h.district)  # c1, c2, c5
    assert (centre["bad_ratings"], centre["named_bad_ratings"], centre["called_back"]) == (3, 2, 1)
    assert centre["callback_rate"] == 0.5
    people = followups(h, kind="person")  # c5 (anonymous), c6
    assert (people["named_bad_ratings"], people["callback_rate"]) == (1, 1.0)
    online = followups(h, channel="online")  # c5 only: nobody to call back
    assert (online["bad_ratings"], online["named_bad_ratings"], online["callback_rate"]) == (
        1,
        0,
        None,
    )
    assert followups(h, agency=h.agency_b)["called_back"] == 1  # c1
    assert followups(h, department=h.civil)["bad_ratings"] == 2  # senior card: c5, c6
    september = M.reform_figures(
        M.Scope(district=h.district, since=at(dt.date(2026, 9, 1), 0), until=h.since),
        today=h.today,
    )["followups"]
    assert (september["bad_ratings"], september["callback_rate"]) == (1, 0.0)  # c3


def test_callback_rate_on_the_page_and_in_the_export(followed, client):
    from onetrip.metrics.exports import summary_rows

    h = followed
    manager = make_user("cbmanager", "manager", point=h.district)
    client.force_login(manager)
    q = {"a_since": "2026-09-01", "a_until": "2026-09-30", "b_since": "2026-10-01"}
    html = client.get("/metrics/", {**q, "b_until": "2026-10-31"}).content.decode()
    # the page's figures cover both periods (September's c3 was never called back): 2 of 4
    assert 'data-testid="callback-rate"><a href="/staff/ratings/">50%</a>' in html
    assert "（2/4，" in html
    # the comparison: September 0% (c3), October 2 of 3
    row = html[html.index("实名差评回访率</td>") :]
    assert row.index("0%") < row.index("67%") < row.index("</tr>")
    report = M.metrics_report(
        M.Scope(district=h.district, since=h.since, until=h.until), today=h.today
    )
    rows = {str(label): value for label, value, _rate in summary_rows(report)}
    assert rows["实名差评回访率"] == pytest.approx(2 / 3) and rows["差评数"] == 4
