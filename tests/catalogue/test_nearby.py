"""Nearby service (就近办): the nearest points accepting a matter, walking distance and time,
today's opening hours, and bad input."""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

import pytest

from onetrip.catalogue import selectors
from onetrip.catalogue.models import PointLevel
from onetrip.workdays.models import DayException
from tests.factories import make_point

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def placed(world):
    """The world's points with coordinates, plus a second street and community farther east."""
    w = world
    for p, (lat, lng) in {
        w.district: (30.2425, 120.1694),
        w.street: (30.258, 120.165),
        w.community: (30.260, 120.167),
    }.items():
        p.latitude, p.longitude = lat, lng
        p.save()
    w.street2 = make_point(
        "sc-wangjiang", "望江街道", PointLevel.STREET, w.district, latitude=30.24, longitude=120.19
    )
    w.community2 = make_point(
        "sc-wangjiang-jjdy",
        "近江东园社区",
        PointLevel.COMMUNITY,
        w.street2,
        latitude=30.242,
        longitude=120.192,
        opens_at="08:30",
        closes_at="20:00",
        open_weekdays="1234567",
        open_on_holidays=True,
    )
    # A point without coordinates is never listed (its distance is unknown).
    make_point("sc-nocoord", "无坐标社区", PointLevel.COMMUNITY, w.street2)
    w.other_community = make_point(
        "xh-x",
        "西湖某社区",
        PointLevel.COMMUNITY,
        w.other_district,
        latitude=30.26,
        longitude=120.167,
    )
    return w


def test_haversine_and_walking_factor():
    # 0.01 degree of latitude is 1,111.95 m on the mean-radius sphere.
    assert selectors.straight_line_metres(30.0, 120.0, 30.01, 120.0) == pytest.approx(
        1111.95, abs=0.1
    )
    assert selectors.WALKING_FACTOR > 1


def test_nearest_from_community_by_level_and_distance(client, placed):
    w = placed
    body = client.get(
        "/api/v1/points/nearest", {"matter": "sc-002", "community": "sc-wangjiang-jjdy"}
    ).json()
    codes = [i["point"]["code"] for i in body["items"]]
    # The senior card is allowed at district, street and community level: the resident's own
    # community first, then its street; the point without coordinates and the other district
    # never appear.
    assert codes[:2] == ["sc-wangjiang-jjdy", "sc-wangjiang"]
    assert set(codes) == {"sc", "sc-hubin", "sc-hubin-dongpo", "sc-wangjiang", "sc-wangjiang-jjdy"}
    first, second = body["items"][0], body["items"][1]
    assert first["walking_metres"] == 0 and first["within_circle"] is True
    straight = selectors.straight_line_metres(30.242, 120.192, 30.24, 120.19)
    assert second["straight_metres"] == round(straight)
    assert second["walking_metres"] == round(straight * body["walking_factor"])
    assert second["walking_minutes"] == math.ceil(
        straight * body["walking_factor"] / body["metres_per_minute"]
    )
    walks = [i["walking_metres"] for i in body["items"]]
    assert walks == sorted(walks)
    assert body["origin_point"] == "sc-wangjiang-jjdy"
    # Far points fall outside the 15-minute circle.
    assert any(not i["within_circle"] for i in body["items"])
    assert all(
        i["within_circle"] == (i["walking_minutes"] <= body["circle_minutes"])
        for i in body["items"]
    )
    assert w


def test_only_levels_the_matter_allows(client, placed):
    # Company registration is accepted at the district centre only.
    body = client.get("/api/v1/points/nearest", {"matter": "sc-001", "lat": 30.26, "lng": 120.167})
    assert body.status_code == 200
    assert [i["point"]["code"] for i in body.json()["items"]] == ["sc"]


def test_coordinates_and_address_and_limit(client, placed):
    body = client.get(
        "/api/v1/points/nearest", {"matter": "sc-002", "lat": 30.2601, "lng": 120.1671, "limit": 2}
    ).json()
    assert [i["point"]["code"] for i in body["items"]] == ["sc-hubin-dongpo", "sc-hubin"]
    by_address = client.get(
        "/api/v1/points/nearest", {"matter": "sc-002", "address": "近江东园"}
    ).json()
    assert by_address["origin_point"] == "sc-wangjiang-jjdy"


def test_todays_hours_follow_the_calendar(placed):
    w = placed
    holiday = DayException.objects.filter(date__year=2026, is_workday=False).order_by("date")
    holiday = next(d.date for d in holiday if d.date.isoweekday() <= 5)
    at = dt.datetime.combine(holiday, dt.time(10, 0), tzinfo=SH)
    found = {n.point.code: n for n in selectors.points_nearest(
        matter=w.senior_card, lat=30.242, lng=120.192, at=at, limit=10
    )}  # fmt: skip
    # A statutory holiday closes the street centre; the community complex stays open.
    assert found["sc-wangjiang"].hours_today is None and not found["sc-wangjiang"].open_now
    assert found["sc-wangjiang-jjdy"].hours_today == (dt.time(8, 30), dt.time(20, 0))
    assert found["sc-wangjiang-jjdy"].open_now
    # A shifted working weekend opens the street centre although Saturday/Sunday are not
    # among its weekdays.
    workday = DayException.objects.filter(date__year=2026, is_workday=True).first().date
    at = dt.datetime.combine(workday, dt.time(18, 0), tzinfo=SH)
    found = {n.point.code: n for n in selectors.points_nearest(
        matter=w.senior_card, lat=30.242, lng=120.192, at=at, limit=10
    )}  # fmt: skip
    assert found["sc-wangjiang"].hours_today is not None
    assert not found["sc-wangjiang"].open_now  # 18:00 is after closing


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"matter": "sc-002"}, 422, "origin_required"),
        ({"matter": "sc-002", "lat": 30.2}, 422, "origin_required"),
        ({"matter": "sc-002", "lat": 91, "lng": 120}, 422, "validation_failed"),
        ({"matter": "sc-002", "lat": "abc", "lng": 120}, 422, "validation_failed"),
        ({"matter": "sc-002", "lat": 30, "lng": 120, "limit": 0}, 422, "validation_failed"),
        ({"matter": "nope", "lat": 30, "lng": 120}, 404, "matter_not_found"),
        ({"matter": "sc-002", "community": "nope"}, 404, "origin_not_found"),
        # A community of another district is not an origin for this district's matter.
        ({"matter": "sc-002", "community": "xh-x"}, 404, "origin_not_found"),
        ({"lat": 30, "lng": 120}, 422, "validation_failed"),
    ],
)
def test_bad_input(client, placed, params, status, code):
    resp = client.get("/api/v1/points/nearest", params)
    assert resp.status_code == status, resp.content
    assert resp.json()["code"] == code


def test_page_lists_points_and_refuses_bad_input(client, placed):
    resp = client.get("/nearby/", {"matter": "sc-002", "community": "sc-wangjiang-jjdy"})
    assert resp.status_code == 200
    html = resp.content.decode()
    html = html[html.index('data-testid="nearby-results"') :]
    assert html.index("近江东园社区") < html.index("望江街道")
    assert "步行约" in html
    resp = client.get("/nearby/", {"matter": "sc-002", "lat": "x", "lng": "y"})
    assert resp.status_code == 422
    assert "nearby-error" in resp.content.decode()
    assert client.get("/nearby/").status_code == 200
    # The matter page links to the finder.
    assert "/nearby/?matter=sc-002" in client.get("/matters/sc-002/").content.decode()
