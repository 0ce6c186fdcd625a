"""The grid of the test world: two streets with a community and cells each, the district's
bounds, routing rules and SLAs, and one user per relationship role; a second district too."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onetrip.catalogue.models import Department, PointLevel
from onetrip.safety.models import (
    DistrictBounds,
    GridCell,
    RoutingRule,
    SlaPolicy,
    Volunteer,
    VolunteerRoleGrant,
)
from tests.factories import make_point, make_user, make_world


def png_bytes(size=(8, 8), color=(200, 30, 30), fmt="PNG") -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format=fmt)
    return buf.getvalue()


def photo(name="scene.png", data=None, content_type="image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else png_bytes(), content_type)


def make_grid(w: SimpleNamespace | None = None) -> SimpleNamespace:
    g = w or make_world()
    d = g.district
    g.street_b = make_point("sc-qingbo", "清波街道", PointLevel.STREET, d)
    g.community_b = make_point("sc-qingbo-qbj", "清波街社区", PointLevel.COMMUNITY, g.street_b)
    g.cell_a = GridCell.objects.create(
        community=g.community, code="sc-dongpo-01", name="东坡一网格", roads="东坡路,平海路",
        latitude="30.260000", longitude="120.167000",
    )  # fmt: skip
    g.cell_a2 = GridCell.objects.create(
        community=g.community, code="sc-dongpo-02", name="东坡二网格", roads="长生路",
        latitude="30.262000", longitude="120.169000",
    )  # fmt: skip
    g.cell_b = GridCell.objects.create(
        community=g.community_b, code="sc-qbj-01", name="清波一网格", roads="清波街,河坊街",
        latitude="30.245000", longitude="120.162000",
    )  # fmt: skip
    DistrictBounds.objects.create(
        district=d, south="30.200000", north="30.300000", west="120.100000", east="120.250000"
    )
    g.sfj = Department.objects.create(district=d, code="sfj", name="区司法局")
    g.cg = Department.objects.create(district=d, code="cg", name="区城市管理局")
    g.gaj = Department.objects.create(district=d, code="gaj", name="公安上城分局")
    rule = RoutingRule.objects.create
    g.rules = [
        rule(district=d, position=10, name="纠纷归综治", kind="dispute", platform="zongzhi",
             department=g.sfj),
        rule(district=d, position=20, name="清波休息日隐患", kind="hazard", place=g.street_b,
             day_type="off_day", platform="enforcement", department=g.cg, urgency="urgent"),
        rule(district=d, position=30, name="隐患归执法", kind="hazard", platform="enforcement",
             department=g.cg),
        rule(district=d, position=40, name="夜间环境", kind="environment", hour_from=20,
             hour_to=8, platform="enforcement", department=g.cg),
        rule(district=d, position=50, name="环境归便民", kind="environment", platform="service",
             department=g.civil),
        rule(district=d, position=60, name="东坡其他事项建议市场监管", kind="other",
             place=g.community, platform="market", department=g.dept, auto_dispatch=False),
        rule(district=d, position=70, name="治安", kind="order", platform="zongzhi",
             department=g.gaj),
    ]  # fmt: skip
    for kind, urgency, amount, unit in [
        ("dispute", "normal", 5, "workdays"),
        ("hazard", "normal", 3, "workdays"),
        ("hazard", "urgent", 4, "hours"),
        ("environment", "normal", 2, "workdays"),
        ("order", "normal", 24, "hours"),
    ]:
        SlaPolicy.objects.create(district=d, kind=kind, urgency=urgency, amount=amount, unit=unit)
    # people
    g.grid_a = make_user("grid-a", "grid_worker", point=g.community, display_name="网格员甲")
    g.grid_b = make_user("grid-b", "grid_worker", point=g.community_b, display_name="网格员乙")
    g.cell_a.workers.add(g.grid_a)
    g.cell_a2.workers.add(g.grid_a)
    g.cell_b.workers.add(g.grid_b)
    g.operator = make_user("op", "operator", point=d, display_name="值班员")
    g.handler_sfj = make_user("h-sfj", "reviewer", point=d, department=g.sfj, display_name="司法")
    g.handler_cg = make_user("h-cg", "reviewer", point=d, department=g.cg, display_name="城管")
    g.vol_user = make_user("vol", display_name="志愿者小王")
    g.volunteer = Volunteer.objects.create(
        district=d, community=g.community, code="V-1", name="王志愿", user=g.vol_user,
        joined_on="2025-01-01",
    )  # fmt: skip
    VolunteerRoleGrant.objects.create(volunteer=g.volunteer, role="informant")
    g.med_user = make_user("med", display_name="调解员老李")
    g.mediator = Volunteer.objects.create(
        district=d, community=g.community, code="V-2", name="李调解", user=g.med_user,
        joined_on="2025-01-01",
    )  # fmt: skip
    VolunteerRoleGrant.objects.create(volunteer=g.mediator, role="mediator")
    g.citizen = make_user("cit", "applicant", display_name="张三丰")
    # the other district
    g.other_street = make_point("xh-ly", "灵隐街道", PointLevel.STREET, g.other_district)
    g.other_community = make_point("xh-ly-1", "灵隐社区", PointLevel.COMMUNITY, g.other_street)
    g.other_cell = GridCell.objects.create(
        community=g.other_community, code="xh-ly-01", name="灵隐一网格", roads="灵隐路",
        latitude="30.240000", longitude="120.100000",
    )  # fmt: skip
    g.other_operator = make_user("op-xh", "operator", point=g.other_district)
    return g


def wait_for_request_threads(timeout: float = 10.0) -> None:
    """Let the live server's request threads finish while this test's database is still shared
    with them (a thread still closing its connection after the session's live server stopped
    would fail on the in-memory SQLite test database)."""
    import threading
    import time

    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if "process_request_thread" in thread.name:
            thread.join(max(0.0, deadline - time.monotonic()))


@pytest.fixture
def grid(db):
    return make_grid()
