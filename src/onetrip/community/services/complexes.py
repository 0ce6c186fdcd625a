"""Declaring a complex and its "3+X" facilities (demo data and the admin use these)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onetrip.audit.services import audit_record
from onetrip.catalogue.models import PointLevel, ServicePoint
from onetrip.community.models import CORE_KINDS, Complex, Facility, FacilityKind
from onetrip.errors import ValidationFailed

if TYPE_CHECKING:
    from onetrip.people.models import User

#: The "3" with their default names, created with every complex.
CORE_NAMES = {
    FacilityKind.HALL: gettext_lazy("一厅迎客·接待大厅"),
    FacilityKind.POST: gettext_lazy("一岗受理·全能社工服务台"),
    FacilityKind.WORKSHOP: gettext_lazy("一坊议事·居民议事坊"),
}


@transaction.atomic
def complex_ensure(*, point: ServicePoint, intro: str = "", actor: User | None = None) -> Complex:
    """The complex of a community point, created with its "3" when missing (idempotent)."""
    if point.level != PointLevel.COMMUNITY:
        raise ValidationFailed(_("只有社区网点可以设立社区服务综合体。"), code="not_a_community")
    found = Complex.objects.filter(point=point).first()
    if found is not None:
        return found
    complex = Complex.objects.create(point=point, intro=intro)
    complex_core_ensure(complex=complex)
    audit_record(complex, "create", actor=actor, to_state="published", point=point)
    return complex


def complex_core_ensure(*, complex: Complex) -> int:
    """Give a complex whichever of its "3" it lacks; returns how many were added."""
    have = set(complex.facilities.filter(kind__in=CORE_KINDS).values_list("kind", flat=True))
    added = 0
    for position, kind in enumerate(CORE_KINDS):
        if kind in have:
            continue
        Facility.objects.create(
            complex=complex,
            kind=kind,
            name=str(CORE_NAMES[kind]),
            position=position,
            capacity=30 if kind == FacilityKind.WORKSHOP else 20,
            bookable=kind == FacilityKind.WORKSHOP,
        )
        added += 1
    return added


def facility_ensure(*, complex: Complex, kind: str, name: str, **fields: Any) -> Facility:
    """An "X" facility by (complex, name), created when missing; existing rows are left as an
    administrator may have edited them."""
    if kind not in FacilityKind.values:
        raise ValidationFailed(_("未知的功能空间类型。"), code="unknown_kind")
    found = Facility.objects.filter(complex=complex, name=name).first()
    if found is not None:
        return found
    return Facility.objects.create(complex=complex, kind=kind, name=name, **fields)
