"""The dashboard's drill-downs, CSV exports, ranking and the figures' definitions."""

from __future__ import annotations

import csv
import io
import re

import pytest

from onetrip.metrics import definitions
from onetrip.metrics.views import ranked

pytestmark = pytest.mark.django_db

OCT = {"since": "2026-10-01", "until": "2026-10-31"}


def _csv(resp) -> list[list[str]]:
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/csv")
    body = b"".join(resp.streaming_content) if resp.streaming else resp.content
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    if [] in rows:  # a table's footer after an empty line: the as-of time (test_export_as_of)
        assert rows[rows.index([]) + 1][0] == "数据截至"
        rows = rows[: rows.index([])]
    return rows


def test_drill_down_lists_the_cases_behind_the_figure(client, history):
    h = history
    client.force_login(h.manager)
    r = client.get("/metrics/cases/", {**OCT, "figure": "overdue"})
    assert r.status_code == 200
    html = r.content.decode()
    # c3 flagged, c5 decided late, c6 still running past its date: the figure's 3
    for case in (h.c3, h.c5, h.c6):
        assert case.number in html
    for case in (h.c1, h.c2, h.c4, h.c7):
        assert case.number not in html
    assert re.search(r'data-testid="drill-total">3<', html)
    # narrowed to the community point: only c6
    r = client.get("/metrics/cases/", {**OCT, "figure": "overdue", "point": h.community.code})
    assert re.search(r'data-testid="drill-total">1<', r.content.decode())
    # every figure's cases, as CSV: header + rows
    rows = _csv(client.get("/metrics/cases/", {**OCT, "figure": "zero_visit", "format": "csv"}))
    assert sorted(r[0] for r in rows[1:]) == sorted([h.c5.number, h.c7.number])
    assert rows[0][0] == "办件编号"
    # the dashboard's overdue figure links to this list with the same count
    page = client.get(
        "/metrics/",
        {
            "a_since": "2026-10-01",
            "a_until": "2026-10-15",
            "b_since": "2026-10-16",
            "b_until": "2026-10-31",
        },
    ).content.decode()
    link = re.search(
        r'href="([^"]*figure=overdue)" data-testid="drill-overdue" data-count="(\d+)"', page
    )
    assert link and link.group(2) == "3"
    r = client.get(link.group(1).replace("&amp;", "&"))
    assert re.search(r'data-testid="drill-total">3<', r.content.decode())


def test_drill_down_pages_by_keyset_and_streams_its_csv(client, history, monkeypatch):
    """Deep pages by keyset (``before``): every case of the figure once, newest first; the
    count is the figure's, from the roll-ups; the CSV is streamed, read in chunks."""
    from onetrip.cases.models import Case
    from onetrip.metrics import drill, exports, selectors, views

    h = history
    monkeypatch.setattr(views, "DRILL_LIMIT", 2)
    client.force_login(h.manager)
    expected = list(
        Case.objects.filter(
            district=h.district, submitted_at__gte=h.since, submitted_at__lt=h.until
        )
        .order_by("-submitted_at", "-id")
        .values_list("number", flat=True)
    )
    assert len(expected) > 4
    seen, url, pages = [], "/metrics/cases/?" + "&".join(f"{k}={v}" for k, v in OCT.items()), 0
    while url:
        html = client.get(url if url.startswith("/") else "/metrics/cases/" + url).content
        html = html.decode()
        assert re.search(rf'data-testid="drill-total">{len(expected)}<', html)
        seen += re.findall(r'data-testid="drill-row"><td><a href="[^"]*">([^<]+)</a>', html)
        nxt = re.search(r'href="([^"]+)" data-testid="drill-next"', html)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
        pages += 1
    assert seen == expected and pages == (len(expected) + 1) // 2
    counted = []
    scope = selectors.Scope(district=h.district, since=h.since, until=h.until)
    for figure in drill.DRILL:
        n = drill.drill_cases(scope, figure=figure, today=h.today).count()
        assert drill.drill_total(scope, figure=figure, today=h.today) == n, figure
        counted.append(n)
    assert counted[0] == len(expected) and counted[1] == 3
    # the CSV is streamed: lines made while the rows are read, never the whole file at once
    resp = client.get("/metrics/cases/", {**OCT, "figure": "all", "format": "csv"})
    assert resp.streaming
    assert [r[0] for r in _csv(resp)[1:]] == expected
    lines = exports.drill_csv_lines(drill.drill_cases(scope, figure="all"))
    assert not isinstance(lines, str | list) and next(lines).startswith("\ufeff")


def test_drill_down_refuses_bad_input(client, history):
    client.force_login(history.manager)
    assert client.get("/metrics/cases/", {**OCT, "figure": "nonsense"}).status_code == 404
    assert client.get("/metrics/cases/", {"point": "no-such"}).status_code == 404
    assert (
        client.get("/metrics/cases/", {"since": "2026-11-01", "until": "2026-10-01"}).status_code
        == 404
    )
    assert client.get("/metrics/cases/", {"since": "garbage"}).status_code == 200  # ignored
    assert client.get("/metrics/export.csv", {**OCT, "table": "nope"}).status_code == 404
    # another district's manager may not name this one
    from tests.factories import make_user

    other = make_user("m-xh", "manager", point=history.other_district)
    client.force_login(other)
    assert client.get("/metrics/cases/", {"district": "sc"}).status_code == 403
    client.logout()
    assert client.get("/metrics/cases/").status_code == 302


def test_csv_of_every_table_holds_the_figures(client, history):
    h = history
    client.force_login(h.manager)
    summary = dict(
        (r[0], r[1]) for r in _csv(client.get("/metrics/export.csv", {**OCT, "table": "summary"}))
    )
    assert summary["办件数"] == "7" and summary["叫号数"] == "7"
    assert float(summary["超期率"]) == pytest.approx(3 / 6)
    points = _csv(client.get("/metrics/export.csv", {**OCT, "table": "point"}))
    assert points[0][:3] == ["名称", "编码", "办件数"]
    assert {r[1]: r[2] for r in points[1:]} == {"sc": "5", "sc-hubin": "1", "sc-hubin-dongpo": "1"}
    agencies = _csv(client.get("/metrics/export.csv", {**OCT, "table": "agency"}))
    assert {r[0] for r in agencies[1:]} == {"甲代办", "乙代办"}
    for table in ("department", "matter"):
        assert len(_csv(client.get("/metrics/export.csv", {**OCT, "table": table}))) > 1
    trend = _csv(client.get("/metrics/export.csv", {**OCT, "table": "trend"}))
    assert [r[0] for r in trend[1:]] == [
        "2026-09-28",
        "2026-10-05",
        "2026-10-12",
        "2026-10-19",
        "2026-10-26",
    ]
    assert trend[3][1] == "7"  # the week of 12 October: 7 cases


def test_ranking_best_first():
    rows = [
        {
            "name": n,
            "cases": {"cases": c, "overdue_rate": o},
            "waits": {"avg_wait_minutes": w},
            "satisfaction": {"satisfied_share": None},
        }
        for n, c, o, w in (("a", 5, 0.5, 10.0), ("b", 9, None, 3.0), ("c", 1, 0.1, None))
    ]
    assert [r["name"] for r in ranked(rows, "cases")] == ["b", "a", "c"]
    by_overdue = ranked(rows, "overdue_rate")
    assert [(r["name"], r["rank"]) for r in by_overdue] == [("c", 1), ("a", 2), ("b", None)]
    assert [r["name"] for r in ranked(rows, "avg_wait_minutes")] == ["b", "a", "c"]
    assert [r["name"] for r in ranked(rows, "unknown")] == ["b", "a", "c"]


def test_page_ranks_and_draws_trends(client, history):
    client.force_login(history.manager)
    q = {
        "a_since": "2026-10-01",
        "a_until": "2026-10-15",
        "b_since": "2026-10-16",
        "b_until": "2026-10-31",
        "rank": "overdue_rate",
        "kind": "company",
    }
    html = client.get("/metrics/", q).content.decode()
    assert 'id="trend-weeks"' in html and "uPlot.iife.min.js" in html
    assert 'data-series="first_pass_rate"' in html
    assert '<option value="company" selected>' in html


def test_definitions_written_once():
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "metrics.md").read_text()
    assert definitions.markdown() in docs, "run: python -m onetrip.metrics.definitions"


def test_api_schema_describes_every_figure(client):
    schema = client.get("/api/openapi.json").json()
    comps = schema["components"]["schemas"]
    for (part, key), text in definitions.FIGURES.items():
        name = {
            "waits": "WaitsOut",
            "cases": "CasesOut",
            "matters": "MattersOut",
            "satisfaction": "SatisfactionOut",
            "followups": "FollowUpsOut",
        }[part]
        assert comps[name]["properties"][key]["description"] == text
