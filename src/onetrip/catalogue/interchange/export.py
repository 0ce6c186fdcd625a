"""``catalogue_export``: a district's catalogue as a file the import reads back unchanged."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from onetrip.catalogue.interchange.report import _LEVEL_RANK, FORMAT
from onetrip.catalogue.models import (
    Department,
    Matter,
    PointLevel,
    ServicePoint,
)


def _number(value: Decimal | None):
    if value is None:
        return None
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def _export_file(fieldfile, root: Path, rel: PurePosixPath) -> str | None:
    if not fieldfile or not fieldfile.name:
        return None
    rel = rel / PurePosixPath(fieldfile.name).name
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    with fieldfile.open("rb") as src, target.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    fieldfile.close()
    return str(rel)


def hhmm(value: dt.time | str) -> str:
    """``time(9, 0)`` or an unsaved default ``"09:00"`` -> ``"09:00"``."""
    if isinstance(value, str):
        value = dt.time.fromisoformat(value)
    return value.strftime("%H:%M")


def _point_dict(p: ServicePoint) -> dict[str, Any]:
    out: dict[str, Any] = {"code": p.code, "name": p.name, "level": str(p.level)}
    if p.parent:
        out["parent"] = p.parent.code
    for key in ("address",):
        if getattr(p, key):
            out[key] = getattr(p, key)
    if p.latitude is not None:
        out["latitude"] = _number(p.latitude)
    if p.longitude is not None:
        out["longitude"] = _number(p.longitude)
    if p.phone:
        out["phone"] = p.phone
    out["opens_at"] = hhmm(p.opens_at)
    out["closes_at"] = hhmm(p.closes_at)
    out["open_weekdays"] = p.open_weekdays
    out["open_on_holidays"] = p.open_on_holidays
    if not p.is_active:
        out["is_active"] = False
    return out


def catalogue_export(*, district: ServicePoint | str, path: Path) -> dict[str, int]:
    """Write the district's catalogue as YAML at ``path`` and its files under ``files/`` beside it."""
    if isinstance(district, str):
        district = ServicePoint.objects.get(code=district, level=PointLevel.DISTRICT)
    path = Path(path)
    root = path.parent
    root.mkdir(parents=True, exist_ok=True)

    chain = []
    node = district.parent
    while node is not None:
        chain.append(node)
        node = node.parent
    below = sorted(
        ServicePoint.objects.filter(district=district)
        .exclude(pk=district.pk)
        .select_related("parent"),
        key=lambda p: (_LEVEL_RANK[p.level], p.code),
    )
    points = [*reversed(chain), district, *below]
    depts = list(Department.objects.filter(district=district).order_by("code"))
    matters = list(
        Matter.objects.filter(district=district)
        .select_related("department")
        .prefetch_related("materials__issuing_department")
        .order_by("code")
    )
    doc: dict[str, Any] = {
        "format": FORMAT,
        "district": district.code,
        "points": [_point_dict(p) for p in points],
        "departments": [
            {"code": d.code, "name": d.name, **({"phone": d.phone} if d.phone else {})}
            for d in depts
        ],
        "matters": [],
    }
    files = PurePosixPath("files")
    for m in matters:
        item: dict[str, Any] = {
            "code": m.code,
            "name": m.name,
            "department": m.department.code,
        }
        if m.description:
            item["description"] = m.description
        item.update(
            audience=m.audience,
            kind=m.kind,
            legal_limit_days=m.legal_limit_days,
            promised_limit_days=m.promised_limit_days,
            visits_needed=m.visits_needed,
        )
        if m.visits_reason:
            item["visits_reason"] = m.visits_reason
        for key in ("founding", "realname_onsite"):
            if getattr(m, key):
                item[key] = True
        item.update(
            levels=m.levels,
            channels=m.channels,
            online_depth=m.online_depth,
            fee=_number(m.fee),
            online_payment=m.online_payment,
        )
        for key in ("legal_basis",):
            if getattr(m, key):
                item[key] = getattr(m, key)
        item["result_type"] = m.result_type
        if m.result_name:
            item["result_name"] = m.result_name
        sample = _export_file(m.result_sample, root, files / "results" / m.code)
        if sample:
            item["result_sample"] = sample
        for key in ("basic_code", "implementation_code"):
            if getattr(m, key):
                item[key] = getattr(m, key)
        if not m.is_active:
            item["is_active"] = False
        mats = []
        for pos, mat in enumerate(m.materials.all(), start=1):
            md: dict[str, Any] = {
                "name": mat.name,
                "form": mat.form,
                "count": mat.count,
                "required": mat.required,
                "later_allowed": mat.later_allowed,
            }
            if mat.note:
                md["note"] = mat.note
            md["government_held"] = mat.government_held
            if mat.issuing_department:
                md["issuing_department"] = mat.issuing_department.code
            if mat.shared_kind:
                md["shared_kind"] = mat.shared_kind
            if mat.agent_only:
                md["agent_only"] = True
            for key, folder in (("sample", "samples"), ("blank_form", "forms")):
                rel = _export_file(getattr(mat, key), root, files / folder / m.code / str(pos))
                if rel:
                    md[key] = rel
            mats.append(md)
        item["materials"] = mats
        doc["matters"].append(item)
    header = (
        f"# OneTrip service catalogue ({FORMAT}) of {district.name}; see docs/catalogue-format.md\n"
    )
    body = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000)
    path.write_text(header + body, encoding="utf-8")
    return {"points": len(points), "departments": len(depts), "matters": len(matters)}


# --------------------------------------------------------------------------- matter saves
