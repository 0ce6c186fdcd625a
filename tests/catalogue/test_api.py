"""Public catalogue API: filters, pagination, detail, 404 format, district scoping; /me."""

from __future__ import annotations

import pytest

from onetrip.catalogue.models import Material
from onetrip.people.models import ApiToken
from tests.factories import make_matter


def _codes(resp):
    assert resp.status_code == 200, resp.content
    return [m["code"] for m in resp.json()["items"]]


def test_list_defaults_to_first_district_and_never_leaks(client, world):
    body = client.get("/api/v1/matters").json()
    assert body["total"] == 2
    assert {m["code"] for m in body["items"]} == {"sc-001", "sc-002"}
    assert all(m["district"] == "sc" for m in body["items"])
    other = client.get("/api/v1/matters", {"district": "xh"}).json()
    assert [m["code"] for m in other["items"]] == ["xh-001"]
    assert other["items"][0]["url"] == "/matters/xh-001/?district=xh"
    # The other district's matter is not found by searching the first one.
    assert _codes(client.get("/api/v1/matters", {"q": "西湖"})) == []


def test_full_text_over_name_and_materials(client, world):
    assert _codes(client.get("/api/v1/matters", {"q": "公司章程"})) == ["sc-001"]  # material
    assert _codes(client.get("/api/v1/matters", {"q": "优待证"})) == ["sc-002"]  # name
    assert _codes(client.get("/api/v1/matters", {"q": "登记 章程"})) == ["sc-001"]  # all words
    assert _codes(client.get("/api/v1/matters", {"q": "不存在的事项"})) == []


def test_filters(client, world):
    get = lambda **p: _codes(client.get("/api/v1/matters", p))  # noqa: E731
    assert get(audience="company") == ["sc-001"]
    assert get(audience="individual") == ["sc-002"]
    assert get(level="community") == ["sc-002"]
    assert get(level="district") == ["sc-001", "sc-002"]
    assert get(department="mz") == ["sc-002"]
    assert get(visits=1) == ["sc-001", "sc-002"]
    assert get(visits=0) == []
    world.senior_card.visits_needed = 0
    world.senior_card.save()
    assert get(visits=0) == ["sc-002"]
    assert get(channel="online") == []
    resp = client.get("/api/v1/matters", {"level": "galaxy"})
    assert resp.status_code == 422 and resp.json()["code"] == "validation_failed"


def test_pagination(client, world):
    for i in range(25):
        make_matter(world.district, world.dept, f"sc-p{i:02d}", f"分页事项{i}")
    first = client.get("/api/v1/matters", {"q": "分页", "page_size": 10}).json()
    assert (first["total"], first["pages"], len(first["items"])) == (25, 3, 10)
    last = client.get("/api/v1/matters", {"q": "分页", "page_size": 10, "page": 3}).json()
    assert last["total"] == 25 and [m["code"] for m in last["items"]] == [
        f"sc-p{i:02d}" for i in range(20, 25)
    ]
    beyond = client.get("/api/v1/matters", {"q": "分页", "page_size": 10, "page": 9}).json()
    assert beyond["total"] == 25 and beyond["items"] == []


def test_detail_with_materials_and_points(client, world):
    body = client.get("/api/v1/matters/sc-002").json()
    assert body["name"] == "老年人优待证办理"
    assert body["levels"] == ["district", "street", "community"]
    assert [m["name"] for m in body["materials"]] == ["居民身份证"]
    assert body["materials"][0]["government_held"] is True
    assert {p["code"] for p in body["points"]} == {"sc", "sc-hubin", "sc-hubin-dongpo"}
    company = client.get("/api/v1/matters/sc-001").json()
    assert [p["code"] for p in company["points"]] == ["sc"]  # district level only
    assert [m["position"] for m in company["materials"]] == [1, 2]


def test_detail_scoped_and_404_format(client, world):
    resp = client.get("/api/v1/matters/nope")
    assert resp.status_code == 404
    assert resp.json()["code"] == "matter_not_found" and resp.json()["message"]
    # xh-001 exists only in the other district: asking in sc's scope must not find it.
    assert client.get("/api/v1/matters/xh-001", {"district": "sc"}).status_code == 404
    assert client.get("/api/v1/matters/xh-001").json()["district"] == "xh"
    bad = client.get("/api/v1/matters", {"district": "nowhere"})
    assert bad.status_code == 404 and bad.json()["code"] == "district_not_found"


def test_same_code_in_two_districts_prefers_scope(client, world):
    make_matter(world.other_district, world.other_dept, "sc-001", "西湖的同编码事项")
    assert client.get("/api/v1/matters/sc-001").json()["name"] == "公司设立登记"
    scoped = client.get("/api/v1/matters/sc-001", {"district": "xh"}).json()
    assert scoped["name"] == "西湖的同编码事项" and scoped["materials"] == []


def test_points_tree_and_detail(client, world):
    tree = client.get("/api/v1/points").json()
    assert [n["code"] for n in tree] == ["hz"]
    districts = {n["code"]: n for n in tree[0]["children"]}
    assert set(districts) == {"sc", "xh"}
    street = districts["sc"]["children"][0]
    assert street["code"] == "sc-hubin" and street["children"][0]["code"] == "sc-hubin-dongpo"
    scoped = client.get("/api/v1/points", {"district": "xh"}).json()
    assert [n["code"] for n in scoped] == ["xh"] and scoped[0]["children"] == []
    one = client.get("/api/v1/points/sc-hubin-dongpo").json()
    assert (one["opens_at"], one["closes_at"], one["district"]) == ("08:30", "20:00", "sc")
    missing = client.get("/api/v1/points/nowhere")
    assert missing.status_code == 404 and missing.json()["code"] == "point_not_found"


def test_departments(client, world):
    body = client.get("/api/v1/departments").json()
    assert [(d["code"], d["matter_count"]) for d in body] == [("mz", 1), ("scjg", 1)]
    other = client.get("/api/v1/departments", {"district": "xh"}).json()
    assert [d["name"] for d in other] == ["西湖市场监管"]


def test_invalid_token_rejected_on_public_endpoint(client, world):
    resp = client.get("/api/v1/matters", HTTP_AUTHORIZATION="Bearer ot_wrong")
    assert resp.status_code == 401 and resp.json()["code"] == "not_authenticated"


def test_me_with_session_and_token(client, world):
    assert client.get("/api/v1/me").status_code == 401
    client.force_login(world.reviewer)
    body = client.get("/api/v1/me").json()
    assert body["username"] == "reviewer1" and body["roles"] == ["reviewer"]
    assert body["point"]["code"] == "sc" and body["department"]["code"] == "scjg"
    assert body["agency"] is None
    client.logout()
    ApiToken.objects.create(
        user=world.clerk, name="kiosk", prefix="ot_k", key_hash=ApiToken.hash_key("ot_kiosk-key")
    )
    body = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer ot_kiosk-key").json()
    assert body["username"] == "clerk1" and body["roles"] == ["clerk"]


@pytest.mark.parametrize("n_matters", [30])
def test_search_has_no_n_plus_one(client, world, django_assert_max_num_queries, n_matters):
    for i in range(n_matters):
        m = make_matter(world.district, world.dept, f"sc-n{i:02d}", f"批量事项{i}")
        Material.objects.create(matter=m, position=1, name=f"材料{i}")
    with django_assert_max_num_queries(4):
        resp = client.get("/api/v1/matters", {"q": "批量", "page_size": 50})
    assert resp.json()["total"] == n_matters
