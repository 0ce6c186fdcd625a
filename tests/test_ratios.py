"""The shared number helpers (``onetrip.ratios``)."""

from onetrip.metrics import raw
from onetrip.ratios import ratio


def test_ratio_divides():
    assert ratio(1, 4) == 0.25
    assert ratio(3, 2) == 1.5
    assert ratio(0, 5) == 0
    assert ratio(7.5, 3) == 2.5


def test_ratio_is_none_when_there_is_nothing_to_divide_by():
    assert ratio(0, 0) is None
    assert ratio(5, 0) is None
    assert ratio(5, None) is None
    assert ratio(2.5, 0.0) is None


def test_ratio_does_not_round():
    assert ratio(1, 3) == 1 / 3


def test_metrics_raw_serves_the_same_ratio():
    assert raw.ratio is ratio


def test_agency_quality_and_incident_figures_use_it():
    from onetrip.agencies.selectors import AgencyQuality
    from onetrip.safety.selectors import Figure

    q = AgencyQuality(agency_id=1, agency="甲", status="normal")
    assert q.first_pass_rate is None and q.rounds_per_case is None
    q.submitted, q.first_pass, q.supplement_rounds = 4, 1, 2
    assert q.first_pass_rate == 0.25 and q.rounds_per_case == 0.5

    fig = Figure("k", "标签")
    assert fig.on_time_rate is None and fig.avg_hours is None
    fig.closed, fig.closed_on_time, fig.hours_total = 2, 1, 5.0
    assert fig.on_time_rate == 0.5 and fig.avg_hours == 2.5
