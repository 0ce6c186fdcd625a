"""``onetrip simulate`` and the manager's /simulation/ page."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.factories import make_user


def run(*args) -> str:
    out = StringIO()
    call_command("simulate", *args, stdout=out)
    return out.getvalue()


def test_command_prints_both_layouts_with_the_source_beside_them():
    text = run(
        "--layout", "before-reform", "--layout", "after-reform", "--days", "6", "--seeds", "2"
    )
    assert "before-reform" in text and "after-reform" in text
    line = next(x for x in text.splitlines() if x.startswith("商事登记平均等候 "))
    assert "> 60 min" in line and "< 30 min" in line
    assert re.search(r"\d+\.\d ± \d+\.\d+", line)  # a mean and a confidence interval
    assert "seeds 1…2 (2 runs)" in text


def test_street_and_community_layouts_are_labelled_by_their_own_matter():
    text = run(
        "--layout",
        "street-before-reform",
        "--layout",
        "street-after-reform",
        "--days",
        "8",
        "--seeds",
        "2",
        "--json",
    )
    figs = json.loads(text)["layouts"]
    before, after = figs["street-before-reform"], figs["street-after-reform"]
    # nearby service after the reform: more residents served, shorter waits, QR follow-up
    assert after["cases"]["mean"] > before["cases"]["mean"]
    assert after["avg_wait"]["mean"] < before["avg_wait"]["mean"]
    assert after["one_go_supplement_rate"]["mean"] > 0.9 > before["one_go_supplement_rate"]["mean"]
    table = run("--layout", "community-after-reform", "--days", "5", "--seeds", "1")
    assert "社区事务平均等候" in table and "商事登记" not in table


def test_command_json_and_target_wait():
    out = json.loads(
        run(
            "--layout",
            "after-reform",
            "--days",
            "6",
            "--seeds",
            "2",
            "--target-wait",
            "15",
            "--json",
        )
    )
    figs = out["layouts"]["after-reform"]
    assert 0 <= figs["first_pass_rate"]["mean"] <= 1
    assert figs["self_service_share"] > 0.7
    answer = out["target_wait"]["after-reform"]
    assert answer["windows"] >= 1 and answer["wait"] <= 15
    assert sum(answer["groups"].values()) == answer["windows"]


def test_command_refuses_bad_input(tmp_path):
    with pytest.raises(CommandError):
        run("--layout", "nowhere")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nqueues: 3\n", encoding="utf-8")
    with pytest.raises(CommandError):
        run("--layout", str(bad))
    with pytest.raises(CommandError):
        run("--layout", "after-reform", "--days", "0")


@pytest.mark.django_db
def test_page_for_managers_only(client):
    assert client.get("/simulation/").status_code == 302
    client.force_login(make_user("clerk-x", "clerk"))
    assert client.get("/simulation/").status_code == 403


@pytest.mark.django_db
def test_manager_changes_windows_and_sees_both_columns(client):
    client.force_login(make_user("boss", "manager"))
    r = client.get("/simulation/", {"layout": "before-reform"})
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-testid="sim-table"' in html and "调整后" not in html
    form = {
        "run": "1",
        "layout": "before-reform",
        "days": "5",
        "seeds": "1",
        "seed": "1",
        "w0": "14",  # commercial windows doubled
        "w1": "3",
        "w2": "1",
        "m0": "125",
        "m1": "110",
        "m2": "10",
        "complete_without_guidance": "0.3",
        "complete_with_precheck": "0.6",
        "patience_minutes": "240",
        "agents_batches_per_day": "6",
    }
    r = client.get("/simulation/", form)
    assert r.status_code == 200
    html = r.content.decode()
    assert "调整后" in html
    row = re.search(r'data-figure="headline_avg_wait">(.*?)</tr>', html, re.S).group(1)
    base, changed = (float(x) for x in re.findall(r"<td>([\d.]+)(?: ± [\d.]+)?</td>", row)[:2])
    assert changed < base


@pytest.mark.django_db
def test_page_rejects_out_of_range_parameters_without_a_5xx(client):
    client.force_login(make_user("boss2", "manager"))
    r = client.get(
        "/simulation/",
        {"run": "1", "layout": "after-reform", "days": "500", "seeds": "x", "w0": "-3"},
    )
    assert r.status_code == 422
    assert 'data-testid="error"' in r.content.decode()
    assert 'data-testid="sim-table"' not in r.content.decode()
