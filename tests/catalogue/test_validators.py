"""Each catalogue quality rule fails on a bad matter/material and passes on a good one."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from onetrip.catalogue.models import Department, Material, Matter
from onetrip.catalogue.validators import (
    RULE_MESSAGES,
    material_violations,
    materials_set_violations,
    matter_violations,
    validate_matter,
)

GOOD = dict(
    kind="committed",
    legal_limit_days=20,
    promised_limit_days=5,
    visits_needed=1,
    visits_reason="需核验原件",
    online_depth=3,
    fee=0,
    online_payment=False,
    result_sample="files/x.pdf",
    level_district=True,
    level_street=False,
    level_community=False,
    channel_window=True,
    channel_online=True,
    channel_door=False,
    channel_post=False,
)

# rule code -> (change that breaks it, change that satisfies it again from the broken state)
MATTER_CASES = {
    "instant_limit": ({"kind": "instant"}, {"kind": "instant", "promised_limit_days": 0}),
    "promised_over_legal": ({"promised_limit_days": 30}, {"promised_limit_days": 20}),
    "visits_value": ({"visits_needed": 2}, {"visits_needed": 1}),
    "visits_reason_missing": ({"visits_reason": "  "}, {"visits_reason": "需面签"}),
    "zero_visit_delivery": (
        {"visits_needed": 0, "channel_online": False},
        {"visits_needed": 0, "channel_online": False, "channel_post": True},
    ),
    "depth_four_visits": ({"online_depth": 4}, {"online_depth": 4, "visits_needed": 0}),
    "depth_four_online": (
        {"online_depth": 4, "visits_needed": 0, "channel_online": False, "channel_post": True},
        {"online_depth": 4, "visits_needed": 0, "channel_online": True, "channel_post": True},
    ),
    "online_payment_no_fee": ({"online_payment": True}, {"online_payment": True, "fee": 10}),
    "fee_negative": ({"fee": -1}, {"fee": 1}),
    "result_sample_missing": ({"result_sample": ""}, {"result_sample": "r.pdf"}),
    "no_level": ({"level_district": False}, {"level_district": False, "level_street": True}),
    "no_channel": (
        {"channel_window": False, "channel_online": False},
        {"channel_window": False, "channel_online": False, "channel_door": True},
    ),
}


def test_good_matter_passes():
    assert matter_violations(GOOD) == []


@pytest.mark.parametrize("code", sorted(MATTER_CASES))
def test_matter_rule_fails_then_passes(code):
    bad, fixed = MATTER_CASES[code]
    violations = matter_violations({**GOOD, **bad})
    assert code in {v.code for v in violations}
    assert all(v.message for v in violations)
    assert code not in {v.code for v in matter_violations({**GOOD, **fixed})}


MATERIAL_CASES = {
    "count_zero": ({"count": 0}, {"count": 2}),
    "later_allowed_held": (
        {"later_allowed": True, "government_held": True, "issuing_department": "gaj"},
        {"later_allowed": False, "government_held": True, "issuing_department": "gaj"},
    ),
    "later_allowed_optional": (
        {"later_allowed": True, "required": False},
        {"later_allowed": True, "required": True},
    ),
    "held_needs_issuer": (
        {"government_held": True},
        {"government_held": True, "issuing_department": "gaj"},
    ),
}


@pytest.mark.parametrize("code", sorted(MATERIAL_CASES))
def test_material_rule_fails_then_passes(code):
    bad, fixed = MATERIAL_CASES[code]
    base = {"name": "x", "count": 1, "required": True}
    assert code in {v.code for v in material_violations({**base, **bad})}
    assert code not in {v.code for v in material_violations({**base, **fixed})}


def test_core_material_rule():
    later = {"name": "a", "required": True, "later_allowed": True}
    held = {"name": "b", "required": True, "government_held": True}
    core = {"name": "c", "required": True}
    assert [v.code for v in materials_set_violations([later, held])] == ["no_core_material"]
    assert materials_set_violations([later, held, core]) == []
    assert materials_set_violations([held]) == []  # nothing 容缺: nothing to check


def test_every_rule_has_chinese_message():
    for code, message in RULE_MESSAGES.items():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(message)), code


def test_model_clean_reports_fields(world):
    m = Matter(
        district=world.district,
        department=world.dept,
        code="x-1",
        name="测试",
        audience="individual",
        kind="instant",
        legal_limit_days=5,
        promised_limit_days=3,
        visits_needed=1,
        result_type="licence",
    )
    with pytest.raises(ValidationError) as exc:
        validate_matter(m)
    fields = exc.value.message_dict
    assert "promised_limit_days" in fields  # instant but 3 days
    assert "visits_reason" in fields
    assert "result_sample" in fields


def test_department_of_other_district_rejected(world):
    m = Matter(district=world.district, department=world.other_dept, **GOOD)
    assert "department_district" in {v.code for v in matter_violations(m)}
    m.department = world.dept
    assert "department_district" not in {v.code for v in matter_violations(m)}


def test_material_issuer_of_other_district_rejected(world):
    mat = Material(matter=world.matter, name="x", government_held=True)
    mat.issuing_department = world.other_dept
    codes = {v.code for v in material_violations(mat, district_id=world.district.pk)}
    assert codes == {"issuer_district"}
    mat.issuing_department = Department.objects.get(district=world.district, code="mz")
    assert material_violations(mat, district_id=world.district.pk) == []
