"""Each figure on the hand-built history of conftest.py, with the arithmetic written out."""

from __future__ import annotations

import pytest

from onetrip.metrics import selectors as M

pytestmark = pytest.mark.django_db


def scope(h, **kw):
    return M.Scope(district=h.district, since=h.since, until=h.until, **kw)


def figures(h, **kw):
    return M.reform_figures(scope(h, **kw), today=h.today)


def test_waits_average_and_p90(history):
    w = figures(history)["waits"]
    # waits 0, 5, 10, 20, 30, 40, 100 min: mean 205/7; p90 at rank 0.9*6 = 5.4 → 40 + 0.4*60
    assert w["tickets"] == 7
    assert w["avg_wait_minutes"] == 29.3
    assert w["p90_wait_minutes"] == 64.0


def test_waits_by_point_and_department(history):
    centre = M.wait_figures(
        M.Scope(district=history.district, since=history.since, point=history.district)
    )
    assert centre == {"tickets": 5, "avg_wait_minutes": 40.0, "p90_wait_minutes": 76.0}
    street = M.wait_figures(M.Scope(district=history.district, point=history.street))
    # appointment waits count from the slot start: 5 and (called early) 0; p90 = 0 + 0.9*5
    assert street == {"tickets": 2, "avg_wait_minutes": 2.5, "p90_wait_minutes": 4.5}
    dept = M.wait_figures(
        M.Scope(district=history.district, since=history.since, department=history.dept)
    )
    assert dept["tickets"] == 5
    matter = M.wait_figures(
        M.Scope(district=history.district, since=history.since, matter=history.matter)
    )
    assert matter["tickets"] == 5
    agency = M.wait_figures(M.Scope(district=history.district, agency=history.agency_a))
    assert agency == {"tickets": 1, "avg_wait_minutes": 5.0, "p90_wait_minutes": 5.0}
    # without a period the September ticket (500 min) counts too
    assert (
        M.wait_figures(M.Scope(district=history.district, point=history.district))["tickets"] == 6
    )


def test_case_figures(history):
    c = figures(history)["cases"]
    assert c["cases"] == 7  # c1..c7; not the draft, the September case, the other district's
    assert (c["accepted"], c["refused"]) == (6, 1)
    assert c["first_pass_rate"] == pytest.approx(3 / 7)  # c1, c5, c6 ÷ 6 accepted + 1 refused
    assert c["supplemented"] == 2  # c2, c3 (c7 still waits for its first answer)
    assert c["one_go_supplement_rate"] == pytest.approx(1 / 2)  # c2 only
    assert c["one_go_supplement_rate_companies"] == pytest.approx(1 / 2)
    assert c["avg_visits"] == 0.86  # 6 visits / 7 cases
    assert c["visits"] == {"0": 2, "1": 4, "2+": 1}
    assert c["zero_visit_share"] == pytest.approx(2 / 7)
    assert c["local_share"] == pytest.approx(2 / 7)  # c4 at the street, c6 at the community
    # c3 flagged, c5 decided after its promised date, c6 still running past it
    assert c["overdue"] == 3
    assert c["overdue_rate"] == pytest.approx(3 / 6)
    assert c["error_rate"] == pytest.approx(4 / 7)  # c2, c3, c7 supplemented; c4 refused
    assert c["first_pass_rate_with_precheck"] == pytest.approx(1 / 2)  # c1 of c1, c2


def test_matters_and_satisfaction(history):
    f = figures(history)
    assert f["matters"] == {
        "matters": 4,
        "zero_visit_matters": 2,
        "five_star_matters": 1,
        "zero_visit_matter_share": 0.5,
        "five_star_matter_share": 0.25,
    }
    s = f["satisfaction"]
    assert s["ratings"] == 3  # not the other district's
    assert s["avg_score"] == 3.67
    assert s["satisfied_share"] == pytest.approx(2 / 3)


def test_filters_narrow_the_cases(history):
    h = history
    assert figures(h, department=h.civil)["cases"]["cases"] == 2
    assert figures(h, matter=h.senior_card)["cases"]["zero_visit_share"] == 0.5
    assert figures(h, point=h.street)["cases"]["cases"] == 1
    agency = figures(h, agency=h.agency_a)["cases"]
    assert (agency["cases"], agency["error_rate"]) == (3, 1.0)
    assert figures(h, agency=h.agency_b)["cases"]["error_rate"] == 0.0


def test_breakdowns(history):
    h = history
    kw = dict(scope=scope(h), today=h.today)
    points = {r["code"]: r for r in M.figures_by(by="point", **kw)}
    assert set(points) == {"sc", "sc-hubin", "sc-hubin-dongpo"}
    assert points["sc"]["cases"]["cases"] == 5
    assert points["sc"]["waits"]["p90_wait_minutes"] == 76.0
    assert points["sc-hubin"]["waits"]["avg_wait_minutes"] == 2.5
    assert points["sc-hubin-dongpo"]["cases"]["local_share"] == 1.0
    assert points["sc-hubin-dongpo"]["waits"]["tickets"] == 0
    agencies = {r["name"]: r for r in M.figures_by(by="agency", **kw)}
    assert agencies["甲代办"]["cases"]["error_rate"] == 1.0
    assert agencies["乙代办"]["cases"]["error_rate"] == 0.0
    matters = {r["code"]: r for r in M.figures_by(by="matter", **kw)}
    assert matters["sc-002"]["cases"]["zero_visit_share"] == 0.5
    assert matters["sc-001"]["waits"]["tickets"] == 5
    assert matters["sc-001"]["satisfaction"]["avg_score"] == 4.5
    depts = {r["code"]: r for r in M.figures_by(by="department", **kw)}
    assert depts["scjg"]["cases"]["cases"] == 5
    assert depts["mz"]["cases"]["cases"] == 2


def test_other_district_never_leaks(history):
    h = history
    mine = M.figures_by(by="point", scope=M.Scope(district=h.district))
    assert all(r["code"].startswith("sc") for r in mine)
    theirs = M.reform_figures(M.Scope(district=h.other_district), today=h.today)
    assert theirs["cases"]["cases"] == 1
    assert theirs["cases"]["avg_visits"] == 3.0
    assert theirs["waits"]["tickets"] == 1
    assert theirs["waits"]["avg_wait_minutes"] == 999.0
    assert theirs["satisfaction"]["ratings"] == 1
    assert theirs["matters"]["matters"] == 1
    for by in M.BREAKDOWNS:
        assert all(
            r["name"] != "甲代办"
            for r in M.figures_by(by=by, scope=M.Scope(district=h.other_district))
        )


def test_empty_scope_gives_none_not_errors(world):
    f = M.reform_figures(M.Scope(district=world.district))
    assert f["waits"] == {"tickets": 0, "avg_wait_minutes": None, "p90_wait_minutes": None}
    assert f["cases"]["first_pass_rate"] is None
    assert f["satisfaction"]["avg_score"] is None


def test_case_visit_summary(history):
    h = history
    s = M.case_visit_summary(district=h.district, matter=h.senior_card)
    assert s == {"cases": 2, "zero_visit": 1, "zero_visit_share": 0.5, "avg_visits": 0.5}
    assert M.case_visit_summary(district=h.district, point=h.community)["cases"] == 1
