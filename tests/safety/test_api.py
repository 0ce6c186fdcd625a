"""The incidents API: visibility per relationship, actions through the transition table with
the API's error format, the figures, and the anonymous reporter never named."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from onetrip.safety.services import incident_report, incident_transition


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.django_db
def test_api_visibility_actions_and_figures(grid):
    now = timezone.now()
    hazard = incident_report(
        district=grid.district, actor=grid.grid_a, kind="hazard", description="电线裸露",
        cell_code=grid.cell_a.code, now=now - dt.timedelta(hours=5),
    )  # fmt: skip
    anon = incident_report(
        district=grid.district, actor=grid.citizen, kind="dispute", anonymous=True,
        description="噪音纠纷", cell_code=grid.cell_b.code,
    )  # fmt: skip
    cg = login(grid.handler_cg)
    rows = cg.get("/api/v1/safety/incidents").json()
    assert [r["number"] for r in rows] == [hazard.number]
    assert rows[0]["actions"] == ["accept", "send_back"]
    assert cg.get(f"/api/v1/safety/incidents/{anon.number}").status_code == 404
    sfj = login(grid.handler_sfj).get(f"/api/v1/safety/incidents/{anon.number}").json()
    assert sfj["reporter"] == "匿名群众"

    bad = cg.post(
        f"/api/v1/safety/incidents/{hazard.number}/actions",
        {"action": "close", "note": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 409 and bad.json()["code"] == "illegal_transition"
    for action, note in (("accept", ""), ("close", "已包扎线路")):
        r = cg.post(
            f"/api/v1/safety/incidents/{hazard.number}/actions",
            {"action": action, "note": note},
            content_type="application/json",
        )
        assert r.status_code == 200, r.content
    assert r.json()["state"] == "closed"

    assert cg.get("/api/v1/safety/figures").status_code == 403
    figures = login(grid.operator).get("/api/v1/safety/figures").json()
    enforcement = next(p for p in figures["platforms"] if p["key"] == "enforcement")
    assert enforcement["received"] == 1 and enforcement["closed_on_time"] == 1
    assert enforcement["avg_hours_to_close"] == pytest.approx(5, abs=0.1)
    assert figures["total"]["received"] == 2
    streets = {s["label"]: s["received"] for s in figures["streets"]}
    assert streets == {"湖滨街道": 1, "清波街道": 1}


@pytest.mark.django_db
def test_recurrence_by_place_and_late_closing(grid):
    t0 = timezone.now() - dt.timedelta(days=3)
    first = None
    for i in range(3):
        inc = incident_report(
            district=grid.district, actor=grid.grid_a, kind="hazard", description=f"井盖缺失 {i}",
            cell_code=grid.cell_a.code, now=t0 + dt.timedelta(minutes=i), urgency="urgent",
        )  # fmt: skip
        first = first or inc
    # urgent hazards have 24 hours (default); closing after 3 days is late
    incident_transition(incident=first, action="accept", actor=grid.handler_cg)
    incident_transition(incident=first, action="close", actor=grid.handler_cg, note="补装")
    figures = login(grid.operator).get("/api/v1/safety/figures").json()
    assert figures["recurrence"][0]["cell__code"] == grid.cell_a.code
    assert figures["recurrence"][0]["n"] == 3
    assert figures["total"]["closed"] == 1 and figures["total"]["closed_on_time"] == 0
