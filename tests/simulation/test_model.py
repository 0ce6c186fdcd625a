"""The hall simulator: deterministic per seed, known answers on tiny layouts, and the
relationships the source reports (no copied numbers)."""

from __future__ import annotations

import copy
import math

import pytest
import yaml

from onetrip.errors import NotFound, ValidationFailed
from onetrip.simulation.figures import (
    estimate,
    replicate,
    run_figures,
    windows_for_wait,
    with_window_count,
)
from onetrip.simulation.layout import LAYOUT_DIR, layout_from_dict, layout_load, layout_override
from onetrip.simulation.model import simulate

TINY = {
    "name": "tiny",
    "queues": {"A": {"name": "A", "kind": "self"}, "G": {"name": "G", "kind": "priority"}},
    "matters": {
        "reg": {"name": "登记", "queue": "A", "per_day": 40, "service_minutes": 10, "company": True}
    },
    "windows": [{"name": "w", "count": 2, "serves": ["G", "A"]}],
    "arrivals": {"open": "09:00", "cutoff": "17:00", "by_hour": [1] * 8, "by_weekday": [1] * 5},
    "materials": {
        "complete_without_guidance": 1.0,
        "complete_with_precheck": 1.0,
        "complete_on_return": 1.0,
        "refuse_share": 0.0,
        "qr_followup": True,
        "one_go_with_qr": 1.0,
        "one_go_without_qr": 1.0,
        "supplement_minutes": 5,
        "return_days": 2,
    },
    "walk_out": {"patience_minutes": 0, "return_share": 0.0},
}


def tiny(**patch) -> dict:
    data = copy.deepcopy(TINY)
    for path, value in patch.items():
        node = data
        keys = path.split("__")
        for k in keys[:-1]:
            node = node[int(k)] if isinstance(node, list) else node[k]
        node[keys[-1]] = value
    return data


def signature(result):
    return [(t.queue, t.issued, t.called, t.finished, t.walked_out) for t in result.tickets], [
        (c.channel, c.refused, c.rounds, c.visits) for c in result.cases
    ]


# -- layouts -------------------------------------------------------------------------------


def test_shipped_layouts_load_and_differ_where_the_reform_did():
    before, after = layout_load("before-reform"), layout_load("after-reform")
    assert not before.has_window_zero and after.has_window_zero
    assert not before.materials.qr_followup and after.materials.qr_followup
    assert before.materials.complete_without_guidance == pytest.approx(0.30)  # source
    assert after.materials.complete_with_precheck == pytest.approx(0.60)  # source
    assert after.materials.one_go_with_qr > 0.97  # source
    assert after.self_service_share > 0.70 > before.self_service_share  # source
    # the same demand on both sides: only the hall changed
    assert [(m.key, m.per_day) for m in before.matters] == [
        (m.key, m.per_day) for m in after.matters
    ]
    assert before.window_count == after.window_count


def test_layout_by_path_and_unknown_name(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(TINY, allow_unicode=True), encoding="utf-8")
    assert layout_load(str(path)).name == "tiny"
    with pytest.raises(NotFound):
        layout_load("no-such-layout")
    assert (LAYOUT_DIR / "after-reform.yaml").is_file()


@pytest.mark.parametrize(
    "patch, field",
    [
        ({"materials__refuse_share": 1.5}, "materials.refuse_share"),
        ({"windows__0__serves": ["Z"]}, "windows.0.serves"),
        ({"arrivals__cutoff": "08:00"}, "arrivals.cutoff"),
        ({"arrivals__open": "9 am"}, "arrivals.open"),
        ({"matters__reg__per_day": -1}, "matters.reg.per_day"),
        ({"windows__0__colour": "red"}, "windows.0.colour"),
        ({"windows__0__serves": ["G"]}, "windows"),  # queue A has no window
    ],
)
def test_bad_layouts_name_the_key(patch, field):
    with pytest.raises(ValidationFailed) as err:
        layout_from_dict(tiny(**patch))
    assert field in err.value.fields


# -- determinism -----------------------------------------------------------------------------


def test_same_seed_same_run_other_seed_other_run():
    layout = layout_load("before-reform")
    a = simulate(layout, days=3, seed=7)
    b = simulate(layout, days=3, seed=7)
    c = simulate(layout, days=3, seed=8)
    assert signature(a) == signature(b)
    assert signature(a) != signature(c)


# -- known answers -----------------------------------------------------------------------------


def test_ample_windows_nobody_waits():
    layout = layout_from_dict(tiny(windows__0__count=60))
    f = run_figures(simulate(layout, days=5, seed=1))
    assert f["tickets_total"] > 100
    assert f["avg_wait"] == 0 and f["p90_wait"] == 0
    # complete materials, no online share: every case passes first time with one visit
    assert f["first_pass_rate"] == 1 and f["avg_visits"] == 1 and f["zero_visit_share"] == 0
    assert f["supplemented"] == 0 and f["one_go_supplement_rate"] is None


def test_arrivals_follow_per_day_and_the_hour_shape():
    layout = layout_from_dict(
        tiny(windows__0__count=60, arrivals__by_hour=[1, 0, 0, 0, 0, 0, 0, 1])
    )
    r = simulate(layout, days=20, seed=3)
    per_day = len(r.tickets) / 20
    assert per_day == pytest.approx(40, rel=0.1)  # Poisson mean 40, 800 draws
    hours = {int((t.issued % 1440 - 540) // 60) for t in r.tickets}
    assert hours == {0, 7}


def test_incomplete_materials_with_qr_followup_need_no_second_visit():
    layout = layout_from_dict(tiny(materials__complete_without_guidance=0.0))
    f = run_figures(simulate(layout, days=10, seed=2))
    assert f["first_pass_rate"] == 0
    assert f["one_go_supplement_rate"] == 1
    assert f["avg_visits"] == 1


def test_without_qr_every_supplement_is_a_return_visit():
    layout = layout_from_dict(
        tiny(materials__complete_without_guidance=0.0, materials__qr_followup=False)
    )
    r = simulate(layout, days=10, seed=2)
    answered = [c for c in r.cases if c.rounds and c.supplement_answered[0] is not None]
    assert answered and all(c.visits == 2 for c in answered)
    supplement_tickets = [t for t in r.tickets if t.purpose == "supplement"]
    assert len(supplement_tickets) == len(answered)


def test_refused_applicants_come_back_with_a_new_case():
    layout = layout_from_dict(
        tiny(materials__complete_without_guidance=0.0, materials__refuse_share=1.0)
    )
    r = simulate(layout, days=10, seed=4)
    refused = [c for c in r.cases if c.refused]
    returned = [c for c in r.cases if not c.refused]
    assert refused and returned  # complete_on_return = 1
    journeys = {c.journey for c in refused}
    assert {c.journey for c in returned} <= journeys


def test_green_channel_is_called_first():
    layout = layout_from_dict(
        tiny(windows__0__count=1, matters__reg__per_day=60, matters__reg__green_share=0.2)
    )
    r = simulate(layout, days=10, seed=5)
    green = [t.called - t.issued for t in r.tickets if t.queue == "G" and t.called is not None]
    rest = [t.called - t.issued for t in r.tickets if t.queue == "A" and t.called is not None]
    assert green and rest
    assert sum(green) / len(green) < sum(rest) / len(rest) / 2


def test_impatient_applicants_walk_out_and_are_not_counted_as_waiting():
    layout = layout_from_dict(
        tiny(windows__0__count=1, matters__reg__per_day=80, walk_out__patience_minutes=20)
    )
    r = simulate(layout, days=5, seed=6)
    f = run_figures(r)
    walked = [t for t in r.tickets if t.walked_out is not None]
    assert walked and f["walk_outs"] == len(walked)
    assert all(t.called is None for t in walked)
    assert f["tickets_total"] == sum(1 for t in r.tickets if t.called is not None)


def test_confidence_interval_known_answer():
    e = estimate([1.0, 2.0, 3.0])
    assert e.mean == 2.0
    assert e.half_width == pytest.approx(4.303 * 1.0 / math.sqrt(3))
    assert estimate([None, 5.0]).half_width is None  # one value: no interval
    assert estimate([]).mean is None


def test_window_count_is_shared_out_in_proportion():
    after = layout_load("after-reform")
    for total in (5, 11, 22):
        changed = with_window_count(after, total)
        assert changed.window_count == total
        assert all(w.count >= 1 for w in changed.accepting)
        # window zero is not an accepting window and keeps its guides
        assert [w.count for w in changed.windows if w.precheck] == [
            w.count for w in after.windows if w.precheck
        ]


def test_override_changes_only_what_is_named():
    after = layout_load("after-reform")
    changed = layout_override(after, windows={"企业自办专窗": 9}, qr_followup=False)
    assert next(w for w in changed.windows if w.name == "企业自办专窗").count == 9
    assert not changed.materials.qr_followup
    assert changed.matters == after.matters and changed.arrivals == after.arrivals
    with pytest.raises(ValidationFailed):
        layout_override(after, colour="red")


# -- the reform, as the source reports it --------------------------------------------------------


@pytest.fixture(scope="module")
def before_after():
    seeds = [11, 12, 13]
    return (
        replicate(layout_load("before-reform"), days=15, seeds=seeds),
        replicate(layout_load("after-reform"), days=15, seeds=seeds),
    )


def test_commercial_registration_wait_over_an_hour_before_under_half_an_hour_after(before_after):
    before, after = before_after
    assert before["headline_avg_wait"].mean > 60
    assert after["headline_avg_wait"].mean < 30
    # also when the time at window zero is added
    assert after["headline_total_wait"].mean < 30


def test_window_zero_doubles_the_first_submission_pass_rate(before_after):
    before, after = before_after
    assert before["headline_first_pass"].mean == pytest.approx(0.30, abs=0.1)
    assert after["headline_first_pass"].mean == pytest.approx(0.60, abs=0.05)


def test_qr_followup_brings_one_go_supplements_over_97_percent(before_after):
    before, after = before_after
    assert after["one_go_supplement_rate"].mean > 0.95
    assert after["one_go_supplement_rate"].mean > before["one_go_supplement_rate"].mean
    assert after["avg_visits"].mean < before["avg_visits"].mean
    assert after["zero_visit_share"].mean > before["zero_visit_share"].mean


def test_more_windows_shorter_waits():
    before = layout_load("before-reform")
    waits = [
        replicate(with_window_count(before, n), days=8, seeds=[1, 2])["avg_wait"].mean
        for n in (9, 13, 20)
    ]
    assert waits[0] > waits[1] > waits[2]


def test_target_wait_answer_is_the_fewest_windows_meeting_it():
    layout = layout_from_dict(tiny(windows__0__count=1, matters__reg__per_day=70))
    answer = windows_for_wait(layout, target=15, days=6, seeds=[1, 2])
    n = answer["windows"]
    assert n is not None and n > 1  # one window cannot keep up with 70 a day
    assert answer["wait"] <= 15
    assert answer["tried"][n - 1] > 15
