"""``catalogue_check`` and ``catalogue_import``: a checked file is written in one transaction;
the same file twice changes nothing the second time."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from onetrip.audit.services import audit_record
from onetrip.catalogue.interchange.check import _check, _Checker, _compose, _Plan
from onetrip.catalogue.interchange.report import (
    _LEVEL_RANK,
    CatalogueImportError,
    ImportIssue,
    ImportReport,
)
from onetrip.catalogue.models import (
    Department,
    Material,
    Matter,
    ServicePoint,
)

if TYPE_CHECKING:
    from onetrip.people.models import User


def _stored_name(src: Path) -> str:
    digest = hashlib.sha256(src.read_bytes()).hexdigest()[:16]
    name = src.name
    if len(name) > 60:
        name = name[: 60 - len(src.suffix)] + src.suffix
    return f"catalogue/{digest}/{name}"


def _store(src: Path | None) -> str:
    """Copy a file into media storage under a content-addressed name; return that name."""
    if src is None:
        return ""
    name = _stored_name(src)
    if not default_storage.exists(name):
        with src.open("rb") as fh:
            saved = default_storage.save(name, File(fh))
        if saved != name:  # pragma: no cover - storage renamed it (race); keep what it saved
            return saved
    return name


def _apply(obj, values: dict[str, Any]) -> bool:
    """Set values on obj; True when anything differed."""
    changed = False
    for key, value in values.items():
        current = getattr(obj, key)
        if hasattr(current, "name") and key in ("result_sample", "sample", "blank_form"):
            current = current.name or ""
        elif key.endswith("_id") is False and hasattr(obj, f"{key}_id"):
            current = getattr(obj, f"{key}_id")
            value = value.pk if value is not None else None
            key = f"{key}_id"
        if current != value:
            setattr(obj, key, value)
            changed = True
    return changed


def _update(obj: Any, values: dict[str, Any], report: ImportReport, kind: str) -> None:
    """Write ``values`` to an existing row when any differs; count it updated or unchanged."""
    if _apply(obj, values):
        obj.save()
        report.bump("updated", kind)
    else:
        report.bump("unchanged", kind)


def _write(plan: _Plan, report: ImportReport) -> ServicePoint:
    # Points, parents before children.
    pending = sorted(plan.points, key=lambda p: _LEVEL_RANK[p["level"]])
    for p in pending:
        values = {
            k: v for k, v in p.items() if not k.startswith("_") and k not in ("code", "parent")
        }
        values["parent"] = ServicePoint.objects.get(code=p["parent"]) if p["parent"] else None
        point = ServicePoint.objects.filter(code=p["code"]).first()
        if point is None:
            ServicePoint.objects.create(code=p["code"], **values)
            report.bump("created", "points")
        else:
            _update(point, values, report, "points")
    district = ServicePoint.objects.get(code=plan.district_code)

    for d in plan.departments:
        dept = Department.objects.filter(district=district, code=d["code"]).first()
        values = {"name": d["name"], "phone": d["phone"]}
        if dept is None:
            Department.objects.create(district=district, code=d["code"], **values)
            report.bump("created", "departments")
        else:
            _update(dept, values, report, "departments")
    depts = {d.code: d for d in Department.objects.filter(district=district)}

    existing = {
        m.code: m
        for m in Matter.objects.filter(
            district=district, code__in=[m["code"] for m in plan.matters]
        ).prefetch_related("materials")
    }
    for m in plan.matters:
        values = {
            k: v for k, v in m.items() if not k.startswith("_") and k not in ("code", "materials")
        }
        values["department"] = depts[m["department"]]
        values["result_sample"] = _store(m["result_sample"])
        matter = existing.get(m["code"])
        if matter is None:
            matter = Matter.objects.create(district=district, code=m["code"], **values)
            # Django's (private, so untyped) prefetch cache: a new matter has no materials yet
            none = {"materials": Material.objects.none()}
            matter._prefetched_objects_cache = none  # type: ignore[attr-defined]
            report.bump("created", "matters")
        else:
            _update(matter, values, report, "matters")
        _write_materials(matter, m["materials"], depts, report)
    return district


def _write_materials(matter: Matter, wanted: list[dict], depts, report: ImportReport) -> None:
    current = list(matter.materials.all())
    by_name: dict[str, list[Material]] = {}
    for mat in current:
        by_name.setdefault(mat.name, []).append(mat)
    used: set[int] = set()
    fresh: list[Material] = []
    for w in wanted:
        values = {k: v for k, v in w.items() if not k.startswith("_")}
        values["issuing_department"] = (
            depts[w["issuing_department"]] if w["issuing_department"] else None
        )
        values["sample"] = _store(w["sample"])
        values["blank_form"] = _store(w["blank_form"])
        candidates = [c for c in by_name.get(w["name"], []) if c.pk not in used]
        if not candidates:
            fresh.append(Material(matter=matter, **values))
            report.bump("created", "materials")
            continue
        used.add(candidates[0].pk)
        _update(candidates[0], values, report, "materials")
    if fresh:
        Material.objects.bulk_create(fresh)
    stale = [m.pk for m in current if m.pk not in used]
    if stale:
        Material.objects.filter(pk__in=stale).delete()
        report.bump("deleted", "materials", len(stale))


def catalogue_check(*, path: Path) -> list[ImportIssue]:
    """Parse and check a catalogue file without writing anything; returns every error."""
    return _parse(Path(path))[1].errors


def _parse(path: Path) -> tuple[_Plan, _Checker]:
    ck = _Checker({}, path.parent)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        ck.errors.append(ImportIssue(None, "", "unreadable", _("无法读取文件：%(e)s") % {"e": exc}))
        return _Plan(), ck
    try:
        doc, lines = _compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        ck.errors.append(
            ImportIssue(
                mark.line + 1 if mark else None,
                "",
                "yaml_syntax",
                _("YAML 语法错误：%(p)s") % {"p": problem},
            )
        )
        return _Plan(), ck
    ck.lines = lines
    plan = _check(doc, ck)
    ck.errors.sort(key=lambda e: e.line or 0)
    return plan, ck


@transaction.atomic
def catalogue_import(*, path: Path, actor: User | None = None) -> ImportReport:
    """Import a whole catalogue file (all or nothing). Raises CatalogueImportError."""
    path = Path(path)
    plan, ck = _parse(path)
    if ck.errors:
        raise CatalogueImportError(ck.errors)
    report = ImportReport(district=plan.district_code)
    try:
        district = _write(plan, report)
    except ValidationError as exc:  # pragma: no cover - checks above should catch all
        raise CatalogueImportError(
            [ImportIssue(None, "", "invalid", m) for m in exc.messages]
        ) from exc
    if report.changed:
        audit_record(
            ("catalogue", district.code),
            "catalogue.import",
            actor=actor,
            note=path.name,
            point=district,
            data=report.as_dict(),
        )
    return report


# --------------------------------------------------------------------------- export
