"""Catalogue writes: matter and material saves (checked, audited). The YAML interchange
(format onetrip-catalogue/1, import and export) is ``catalogue.interchange``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from onetrip.audit.services import audit_record
from onetrip.catalogue.models import Department, Material, Matter, ServicePoint
from onetrip.catalogue.validators import (
    materials_set_violations,
)
from onetrip.errors import ValidationFailed

if TYPE_CHECKING:
    from onetrip.people.models import User


def _clean_materials(matter: Matter) -> None:
    errors = [v for v in materials_set_violations(matter.materials.all(), matter=matter)]
    if errors:
        raise ValidationFailed(errors[0].message, code=errors[0].code)


def _checked_save(row: Matter | Material) -> bool:
    """Validate ``row``'s model fields (ValidationFailed with every message) and save it;
    whether it is new."""
    created = row.pk is None
    try:
        row.full_clean()
    except ValidationError as exc:
        raise ValidationFailed(
            "；".join(exc.messages), fields=getattr(exc, "message_dict", None)
        ) from exc
    row.save()
    return created


@transaction.atomic
def matter_save(*, matter: Matter, actor: User | None = None) -> Matter:
    """Validate (model fields + quality rules) and save a matter; used by admin and services."""
    created = _checked_save(matter)
    audit_record(
        matter,
        "matter.create" if created else "matter.update",
        actor=actor,
        point=matter.district,
        note=matter.code,
    )
    return matter


def matter_create(
    *,
    district: ServicePoint,
    department: Department,
    code: str,
    name: str,
    actor: User | None = None,
    **fields,
) -> Matter:
    return matter_save(
        matter=Matter(district=district, department=department, code=code, name=name, **fields),
        actor=actor,
    )


def matter_update(*, matter: Matter, actor: User | None = None, **changes) -> Matter:
    for key, value in changes.items():
        setattr(matter, key, value)
    return matter_save(matter=matter, actor=actor)


@transaction.atomic
def material_save(*, material: Material, actor: User | None = None) -> Material:
    created = _checked_save(material)
    _clean_materials(material.matter)
    audit_record(
        material,
        "material.create" if created else "material.update",
        actor=actor,
        point=material.matter.district,
        note=f"{material.matter.code}: {material.name}",
    )
    return material


def material_create(*, matter: Matter, name: str, actor: User | None = None, **fields) -> Material:
    if "position" not in fields:
        fields["position"] = matter.materials.count() + 1
    return material_save(material=Material(matter=matter, name=name, **fields), actor=actor)


def material_update(*, material: Material, actor: User | None = None, **changes) -> Material:
    for key, value in changes.items():
        setattr(material, key, value)
    return material_save(material=material, actor=actor)
