"""The one-time notice asks only for what is really needed: required materials still missing or
defective, and optional ones only when the reviewer flags them."""

import datetime as dt

from onetrip.cases.models import SupplementNotice
from onetrip.cases.services import case_transition
from onetrip.catalogue.models import Material
from tests.cases.conftest import at
from tests.cases.helpers import window_case

D = dt.date(2026, 3, 2)


def _case_with_optional_missing(cw):
    Material.objects.create(matter=cw.permit, position=4, name="补充说明", required=False)
    return window_case(
        cw,
        day=D,
        materials={
            cw.form.pk: {"status": "received"},
            cw.lease.pk: {"status": "received"},
            Material.objects.get(name="补充说明").pk: {"status": "missing"},
        },
    )


def test_optional_material_not_handed_in_is_not_asked_for(cw):
    case = _case_with_optional_missing(cw)
    form = case.materials.get(name="申请表")
    case_transition(
        case=case,
        action="request_supplement",
        actor=cw.civil_reviewer,
        items=[{"material": form.pk, "status": "defective", "reason": "未签名"}],
        now=at(D),
    )
    notice = SupplementNotice.objects.get(case=case)
    assert [i["name"] for i in notice.items] == ["申请表"]


def test_optional_material_flagged_by_the_reviewer_is_asked_for(cw):
    case = _case_with_optional_missing(cw)
    optional = case.materials.get(name="补充说明")
    case_transition(
        case=case,
        action="request_supplement",
        actor=cw.civil_reviewer,
        items=[{"material": optional.pk, "status": "missing", "reason": "需说明租赁用途"}],
        now=at(D),
    )
    notice = SupplementNotice.objects.get(case=case)
    assert [i["name"] for i in notice.items] == ["补充说明"]
