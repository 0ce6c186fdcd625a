"""The sample catalogue file itself: structure, counts, the matters the source text names, and
every value against the catalogue models' choices and quality rules (no database needed)."""

from __future__ import annotations

from collections import Counter
from pathlib import PurePosixPath

import pytest

from onetrip.catalogue import models as cm
from onetrip.catalogue.validators import (
    material_violations,
    materials_set_violations,
    matter_violations,
)
from onetrip.demo.files import CATALOGUE_YAML, load_catalogue_data, planned_files

LEVELS = {"district", "street", "community"}
CHANNELS = {"window", "online", "door", "post"}
STREETS = {"湖滨街道", "清波街道", "小营街道", "紫阳街道", "望江街道", "南星街道"}


@pytest.fixture(scope="module")
def data():
    return load_catalogue_data(CATALOGUE_YAML)


def _matter(data, name):
    found = [m for m in data["matters"] if m["name"] == name]
    assert len(found) == 1, name
    return found[0]


def test_header_and_counts(data):
    assert data["format"] == "onetrip-catalogue/1"
    assert data["district"] == "sc"
    assert len(data["matters"]) >= 65
    assert len(data["departments"]) >= 12
    names = {d["name"] for d in data["departments"]}
    for part in (
        "市场监督管理局",
        "民政局",
        "人力资源和社会保障局",
        "卫生健康局",
        "公安",
        "税务局",
    ):
        assert any(part in n for n in names), part
    codes = [m["code"] for m in data["matters"]]
    assert len(codes) == len(set(codes))
    assert len({d["code"] for d in data["departments"]}) == len(data["departments"])


def test_points_tree(data):
    points = {p["code"]: p for p in data["points"]}
    assert points["hz"]["level"] == "city"
    sc = points["sc"]
    assert (sc["level"], sc["parent"]) == ("district", "hz")
    assert (sc["opens_at"], sc["closes_at"], sc["open_weekdays"]) == ("09:00", "17:00", "12345")
    streets = [p for p in data["points"] if p["level"] == "street"]
    assert {p["name"] for p in streets} == STREETS
    assert all(p["parent"] == "sc" and p["code"].startswith("sc-") for p in streets)
    communities = [p for p in data["points"] if p["level"] == "community"]
    assert Counter(p["parent"] for p in communities) == {p["code"]: 1 for p in streets}
    for c in communities:
        assert (c["opens_at"], c["closes_at"], c["open_weekdays"]) == ("08:30", "20:00", "1234567")
        assert c["address"] and c["name"].endswith("社区")
    for p in data["points"]:
        assert p["level"] in cm.PointLevel.values
        if p["level"] != "city":
            assert -90 < p["latitude"] < 90 and -180 < p["longitude"] < 180


def test_named_matters_have_the_right_flags(data):
    company = _matter(data, "有限责任公司设立登记")
    assert company["department"] == "scjg" and company["audience"] == "company"
    assert company["visits_needed"] == 1 and company["visits_reason"]
    assert _matter(data, "个体工商户设立登记")["online_depth"] == 4

    senior = _matter(data, "老年人优待证办理")
    assert senior["department"] == "mz"
    assert senior["kind"] == "instant" and senior["promised_limit_days"] == 0
    assert senior["visits_needed"] == 0
    assert set(senior["levels"]) == LEVELS  # on the spot at street and community
    assert "door" in senior["channels"]  # brought home by a social worker
    held = [m for m in senior["materials"] if m["government_held"]]
    assert [m["shared_kind"] for m in held] == ["resident_id"]

    for name in ("营业性演出许可", "营业性演出备案"):
        m = _matter(data, name)
        assert m["department"] == "wgly"
        assert (m["online_depth"], m["visits_needed"]) == (4, 0), name
        assert m["channels"] == ["online"], name


def test_reform_shares(data):
    matters = data["matters"]
    five_star = [m for m in matters if m["online_depth"] == 4 and m["visits_needed"] == 0]
    at_most_one = [m for m in matters if m["visits_needed"] <= 1]
    street_individual = [
        m for m in matters if "street" in m["levels"] and m["audience"] == "individual"
    ]
    assert len(at_most_one) == len(matters)
    assert len(five_star) >= 30
    assert len(street_individual) >= 25
    assert any(m["visits_needed"] == 1 for m in matters)
    assert sum("community" in m["levels"] for m in matters) >= 15
    later = [x for m in matters for x in m["materials"] if x["later_allowed"]]
    assert len(later) >= 10
    kinds = {x.get("shared_kind") for m in matters for x in m["materials"]}
    assert {"resident_id", "household_register", "business_licence", "marriage_certificate"} <= (
        kinds
    )
    assert "senior_card" in kinds


def _flags(m: dict) -> dict:
    out = {k: v for k, v in m.items() if k not in ("levels", "channels", "materials")}
    for lv in LEVELS:
        out[f"level_{lv}"] = lv in m["levels"]
    for ch in CHANNELS:
        out[f"channel_{ch}"] = ch in m["channels"]
    return out


def test_every_value_fits_the_models_and_rules(data):
    depts = {d["code"] for d in data["departments"]}
    matter_fields = {f.name for f in cm.Matter._meta.get_fields()} | {"levels", "channels"}
    material_fields = {f.name for f in cm.Material._meta.get_fields()}
    problems = []
    for m in data["matters"]:
        where = m["code"]
        assert set(m) <= matter_fields, (where, set(m) - matter_fields)
        assert m["code"].startswith(f"sc-{m['department']}-")
        assert m["department"] in depts
        assert m["audience"] in cm.Audience.values
        assert m["kind"] in cm.MatterKind.values
        assert m["result_type"] in cm.ResultType.values
        assert m["online_depth"] in cm.OnlineDepth.values
        assert set(m["levels"]) <= LEVELS and set(m["channels"]) <= CHANNELS
        assert len(m["name"]) <= cm.Matter._meta.get_field("name").max_length
        assert len(m.get("visits_reason", "")) <= 200
        assert m["result_name"] and m["legal_basis"] and m["description"]
        assert m["materials"], where
        problems += [(where, str(v)) for v in matter_violations(_flags(m))]
        for x in m["materials"]:
            assert set(x) <= material_fields, (where, set(x) - material_fields)
            assert x["form"] in cm.MaterialForm.values
            assert len(x["name"]) <= 200 and len(x.get("note", "")) <= 300
            if x.get("issuing_department"):
                assert x["issuing_department"] in depts, (where, x["name"])
            if x["government_held"]:
                assert x.get("shared_kind"), (where, x["name"])
            issuer = object() if x.get("issuing_department") else None
            problems += [
                (where, x["name"], str(v))
                for v in material_violations({**x, "issuing_department": issuer})
            ]
        problems += [(where, str(v)) for v in materials_set_violations(m["materials"], matter=m)]
    assert problems == []


def test_every_file_the_yaml_names_is_planned(data):
    planned = planned_files(data)
    named = set()
    for m in data["matters"]:
        named.add(m["result_sample"])
        for x in m["materials"]:
            named |= {x[k] for k in ("sample", "blank_form") if x.get(k)}
    assert named == set(planned)
    for rel in named:
        path = PurePosixPath(rel)
        assert not path.is_absolute() and ".." not in path.parts and path.suffix == ".pdf"
        assert path.parts[0] == "files"
    kinds = Counter(ctx["sheet"] for ctx in planned.values())
    assert kinds["result"] == len(data["matters"])
    assert kinds["blank"] >= 50 and kinds["sample"] >= 50
