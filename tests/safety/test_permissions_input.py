"""Permissions (grid worker: their cells; department: what was dispatched to it; another
district: nothing; an anonymous reporter is never shown to handlers) and bad input refused with
nothing written (photos, kind, place, anonymous flood)."""

from __future__ import annotations

import pytest
from django.test import Client

from onetrip.audit.models import AuditEvent
from onetrip.safety.models import Incident, IncidentPhoto, Mediation
from onetrip.safety.services import incident_report
from onetrip.safety.services.intake import MAX_PHOTO_BYTES
from tests.safety.conftest import photo, png_bytes


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def report(grid, actor, cell, kind="hazard", **kw):
    return incident_report(
        district=grid.district, actor=actor, kind=kind, description="测试事件描述",
        cell_code=cell.code, **kw,
    )  # fmt: skip


@pytest.mark.django_db
def test_grid_worker_sees_their_cells_department_its_dispatched(grid):
    in_a = report(grid, grid.grid_a, grid.cell_a)  # hazard → 城管
    in_a2 = report(grid, grid.operator, grid.cell_a2, kind="other")  # not dispatched
    in_b = report(grid, grid.grid_b, grid.cell_b, kind="dispute")  # → 司法局
    a = login(grid.grid_a).get("/safety/").content.decode()
    assert in_a.number in a and in_a2.number in a and in_b.number not in a
    assert login(grid.grid_a).get(f"/safety/incidents/{in_b.number}/").status_code == 404
    cg = login(grid.handler_cg).get("/safety/").content.decode()
    assert in_a.number in cg and in_b.number not in cg and in_a2.number not in cg
    assert login(grid.handler_cg).get(f"/safety/incidents/{in_a2.number}/").status_code == 404
    sfj = login(grid.handler_sfj).get("/safety/").content.decode()
    assert in_b.number in sfj and in_a.number not in sfj
    op = login(grid.operator).get("/safety/").content.decode()
    assert all(i.number in op for i in (in_a, in_a2, in_b))
    # the other district's operator sees none of it, nor the board figures
    other = login(grid.other_operator)
    assert in_a.number not in other.get("/safety/").content.decode()
    assert other.get(f"/safety/incidents/{in_a.number}/").status_code == 404
    assert in_a.number not in other.get("/safety/board/").content.decode()
    # a citizen without a role: no workspace entries, no board
    cit = login(grid.citizen)
    assert in_a.number not in cit.get("/safety/").content.decode()
    assert cit.get("/safety/board/").status_code == 403
    assert cit.get("/safety/board/feed/").status_code == 403


@pytest.mark.django_db
def test_anonymous_reporter_never_shown_to_handlers(grid):
    anon = Client()
    r = anon.post(
        "/safety/report/",
        {
            "kind": "dispute",
            "description": "隔壁装修噪音扰民",
            "address": "清波街 8 号",
            "anonymous": "1",
            "reporter_name": "赵秘密",
            "reporter_phone": "13900001111",
        },
    )
    assert r.status_code == 302
    incident = Incident.objects.get()
    assert incident.anonymous and incident.cell == grid.cell_b
    assert incident.reporter_name == "" and incident.reporter_phone == ""  # not even stored
    # a signed-in citizen reporting anonymously: the account is kept for them, never shown
    mine = report(grid, grid.citizen, grid.cell_b, kind="dispute", anonymous=True)
    for user in (grid.operator, grid.handler_sfj, grid.grid_b):
        c = login(user)
        for inc in (incident, mine):
            html = c.get(f"/safety/incidents/{inc.number}/").content.decode()
            assert "匿名群众" in html
            for secret in ("赵秘密", "13900001111", "张三丰", grid.citizen.username):
                assert secret not in html
        listing = c.get("/safety/").content.decode()
        assert "张三丰" not in listing
    assert not AuditEvent.objects.filter(subject_id=mine.number, actor=grid.citizen).exists()
    # the reporter still follows it through their own link
    page = anon.get(f"/safety/r/{incident.token}/").content.decode()
    assert incident.number in page


def _counts():
    return (
        Incident.objects.count(),
        IncidentPhoto.objects.count(),
        Mediation.objects.count(),
        AuditEvent.objects.count(),
    )


def _media_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


BAD = [
    ("oversize photo", {"photos": "big"}, 413, "photo_too_large"),
    ("text file named .jpg", {"photos": "text"}, 415, "photo_not_image"),
    ("truncated png", {"photos": "truncated"}, 415, "photo_not_image"),
    ("unknown kind", {"kind": "ufo"}, 422, "unknown_kind"),
    ("outside the district", {"lat": "31.230000", "long": "121.470000", "cell": ""}, 422,
     "outside_district"),
    ("address not in any cell", {"address": "北京市长安街 1 号", "cell": ""}, 422, "place_unknown"),
    ("unknown cell", {"cell": "xh-ly-01"}, 422, "unknown_cell"),
    ("no place at all", {"cell": ""}, 422, "place_required"),
    ("garbage coordinates", {"lat": "abc", "long": "1", "cell": ""}, 422, "bad_coordinates"),
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("name,change,status,code", BAD, ids=[b[0] for b in BAD])
def test_bad_input_refused_nothing_written(grid, settings, name, change, status, code):
    form = {
        "kind": "hazard",
        "description": "消防通道被堵塞",
        "cell": grid.cell_a.code,
        "reporter_phone": "13900002222",
    }
    form.update({k: v for k, v in change.items() if k != "photos"})
    if change.get("photos") == "big":
        form["photos"] = photo(data=png_bytes() + b"\0" * MAX_PHOTO_BYTES)
    elif change.get("photos") == "text":
        form["photos"] = photo("scene.jpg", b"this is not an image at all", "image/jpeg")
    elif change.get("photos") == "truncated":
        form["photos"] = photo(data=png_bytes((64, 64))[:60])
    before, files = _counts(), _media_files(settings)
    r = Client().post("/safety/report/", form)
    assert r.status_code == status, r.content.decode()[:500]
    assert f'data-code="{code}"' in r.content.decode()
    assert _counts() == before
    assert _media_files(settings) == files


@pytest.mark.django_db
def test_anonymous_flood_is_rate_limited(grid, settings):
    assert settings.ONETRIP_THROTTLE_RATES["safety_anon"] == "5/10m"  # the default
    ANON_LIMIT = 5
    c = Client(REMOTE_ADDR="10.0.0.9")
    form = {"kind": "order", "description": "有人在小区门口聚集", "cell": grid.cell_b.code,
            "anonymous": "1"}  # fmt: skip
    for _ in range(ANON_LIMIT):
        assert c.post("/safety/report/", form).status_code == 302
    before = _counts()
    r = c.post("/safety/report/", form)
    assert r.status_code == 429 and "过于频繁" in r.content.decode()
    assert 60 < int(r["Retry-After"]) <= 600  # the ten-minute window
    assert _counts() == before
    # another address is not affected; a signed-in grid worker is never limited
    assert Client(REMOTE_ADDR="10.0.0.10").post("/safety/report/", form).status_code == 302
    g = login(grid.grid_b)
    for _ in range(ANON_LIMIT + 1):
        assert g.post("/safety/report/", {**form, "anonymous": ""}).status_code == 302


@pytest.mark.django_db
def test_grid_workers_and_volunteers_cannot_report_anonymously(grid):
    before = _counts()
    r = login(grid.grid_a).post(
        "/safety/report/",
        {"kind": "hazard", "description": "电线裸露", "cell": grid.cell_a.code, "anonymous": "1"},
    )
    assert r.status_code == 422 and 'data-code="anonymous_not_allowed"' in r.content.decode()
    assert _counts() == before


GARBAGE = ["", "x", "²", "1e999", "-1", "99999999999999999999999", "NaN", "<script>", "１２"]


@pytest.mark.django_db
def test_garbage_never_answers_5xx(grid):
    incident = report(grid, grid.grid_a, grid.cell_a, kind="dispute")  # → 司法局, dispatched
    screened = report(grid, grid.grid_a, grid.cell_a, kind="other")  # reported, for dispatch
    op, sfj = login(grid.operator), login(grid.handler_sfj)
    for value in GARBAGE:
        for form in (
            {"action": "dispatch", "platform": value, "department": value, "mediator": value},
            {"action": "dispatch", "platform": "service", "department": value},
            {"action": "screen", "kind": value, "urgency": value},
            {"action": value},
        ):
            r = op.post(f"/safety/incidents/{screened.number}/act/", form)
            assert r.status_code == 302, (form, r.status_code)
        r = sfj.post(f"/safety/incidents/{incident.number}/act/",
                     {"action": "mediate", "parties": value, "agreement": value})  # fmt: skip
        assert r.status_code == 302
        r = Client().post("/safety/report/", {"kind": "hazard", "description": "描述描述",
                                              "lat": value, "long": value, "cell": value,
                                              "urgency": value, "reporter_phone": "1"})  # fmt: skip
        assert r.status_code in (422, 429), (value, r.status_code)
        r = login(grid.citizen).post("/safety/volunteer/register/",
                                     {"name": "x", "community": value, "roles": [value]})  # fmt: skip
        assert r.status_code == 422
        assert Client().get("/open311/v2/requests.json", {"jurisdiction_id": "sc",
                            "start_date": value, "service_code": value}).status_code < 500  # fmt: skip
        assert Client().get(f"/safety/r/{value or 'x'}/").status_code == 404
    screened.refresh_from_db()
    # only an empty screen (no change of kind or urgency) went through; no dispatch did
    assert screened.state == "screened" and screened.dispatched_at is None
    assert screened.kind == "other" and screened.urgency == "normal"


@pytest.mark.django_db
def test_cell_of_a_community_under_no_street_refused_nothing_written(grid):
    from onetrip.catalogue.models import PointLevel, ServicePoint
    from onetrip.errors import ValidationFailed
    from onetrip.safety.models import GridCell
    from tests.factories import make_point

    loose = make_point("sc-loose", "无街道社区", PointLevel.COMMUNITY)
    ServicePoint.objects.filter(pk=loose.pk).update(district=grid.district)
    loose.refresh_from_db()
    cell = GridCell.objects.create(
        community=loose, code="sc-loose-01", name="无街道网格", latitude="30.25", longitude="120.16"
    )
    before = _counts()
    with pytest.raises(ValidationFailed) as err:
        report(grid, grid.operator, cell)
    assert err.value.code == "cell_without_street"
    assert _counts() == before
