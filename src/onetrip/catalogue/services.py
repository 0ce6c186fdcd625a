"""Catalogue writes: YAML import/export (format onetrip-catalogue/1) and matter/material saves.

The YAML format is documented in docs/catalogue-format.md. Import is all-or-nothing: the whole
file is parsed and checked first (every error is collected with its line number), and only a
file without errors is written, in one transaction. Importing the same file twice changes
nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from onetrip.audit.services import audit_record
from onetrip.catalogue.models import (
    Audience,
    Department,
    Material,
    MaterialForm,
    Matter,
    MatterKind,
    PointLevel,
    ResultType,
    ServicePoint,
)
from onetrip.catalogue.validators import (
    material_violations,
    materials_set_violations,
    matter_violations,
)
from onetrip.errors import ValidationFailed

FORMAT = "onetrip-catalogue/1"
LEVELS = ("district", "street", "community")
CHANNELS = ("window", "online", "door", "post")
_LEVEL_RANK = {"city": 0, "district": 1, "street": 2, "community": 3}
_PARENT_LEVEL = {"district": ("city",), "street": ("district",), "community": ("street",)}


# --------------------------------------------------------------------------- errors & report


@dataclass(frozen=True)
class ImportIssue:
    line: int | None
    path: str
    code: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return f"{where}: {self.path or '(top)'}: {self.message} [{self.code}]"


class CatalogueImportError(ValidationFailed):
    code = "catalogue_invalid"

    def __init__(self, errors: list[ImportIssue]) -> None:
        self.errors = errors
        super().__init__(
            _("事项清单有 %(n)d 处错误，未导入任何内容。") % {"n": len(errors)},
            fields={"errors": [str(e) for e in errors]},
        )


@dataclass
class ImportReport:
    district: str = ""
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def bump(self, bucket: str, kind: str, n: int = 1) -> None:
        counts = getattr(self, bucket)
        counts[kind] = counts.get(kind, 0) + n

    @property
    def total_created(self) -> int:
        return sum(self.created.values())

    @property
    def total_updated(self) -> int:
        return sum(self.updated.values())

    @property
    def total_deleted(self) -> int:
        return sum(self.deleted.values())

    @property
    def changed(self) -> bool:
        return bool(self.total_created or self.total_updated or self.total_deleted)

    def as_dict(self) -> dict[str, Any]:
        return {
            "district": self.district,
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
        }

    def summary(self) -> str:
        kinds = ("points", "departments", "matters", "materials")
        parts = [
            f"{k}: +{self.created.get(k, 0)} ~{self.updated.get(k, 0)} -{self.deleted.get(k, 0)}"
            f" ={self.unchanged.get(k, 0)}"
            for k in kinds
        ]
        return (
            f"district {self.district}: created {self.total_created}, updated "
            f"{self.total_updated}, deleted {self.total_deleted} ({'; '.join(parts)})"
        )


# --------------------------------------------------------------------------- YAML with lines


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: ~10x faster


def _compose(text: str) -> tuple[Any, dict[tuple, int]]:
    """Parse YAML into plain Python, plus a map from each value's path to its 1-based line."""
    lines: dict[tuple, int] = {}
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, lines

        def build(n: Any, path: tuple) -> Any:
            lines[path] = n.start_mark.line + 1
            if isinstance(n, yaml.MappingNode):
                out: dict[Any, Any] = {}
                for k_node, v_node in n.value:
                    key = loader.construct_object(k_node, deep=True)
                    if key in out:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"duplicate key {key!r}", k_node.start_mark
                        )
                    out[key] = build(v_node, (*path, key))
                return out
            if isinstance(n, yaml.SequenceNode):
                return [build(item, (*path, i)) for i, item in enumerate(n.value)]
            return loader.construct_object(n, deep=True)

        return build(node, ()), lines
    finally:
        loader.dispose()


def _path_str(path: tuple) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


class _Checker:
    def __init__(self, lines: dict[tuple, int], base: Path) -> None:
        self.lines = lines
        self.base = base
        self.errors: list[ImportIssue] = []

    def line(self, path: tuple) -> int | None:
        p = tuple(path)
        while p not in self.lines and p:
            p = p[:-1]
        return self.lines.get(p)

    def error(self, path: tuple, code: str, message: Any) -> None:
        self.errors.append(ImportIssue(self.line(path), _path_str(path), code, str(message)))

    # -- typed getters: return a clean value or record an error and return the default

    def mapping(self, value: Any, path: tuple) -> dict:
        if not isinstance(value, dict):
            self.error(path, "not_mapping", _("此处应为键值对（映射）。"))
            return {}
        return value

    def known_keys(self, data: dict, allowed: set[str], path: tuple) -> None:
        for key in data:
            if key not in allowed:
                self.error((*path, key), "unknown_key", _("未知字段“%(key)s”。") % {"key": key})

    def text(
        self, data: dict, key: str, path: tuple, *, required=False, max_length=None, slug=False
    ) -> str:
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.error((*path, key), "missing", _("缺少必填字段“%(key)s”。") % {"key": key})
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.error((*path, key), "bad_type", _("“%(key)s”应为文本。") % {"key": key})
            return ""
        value = str(value).strip()
        if max_length and len(value) > max_length:
            self.error(
                (*path, key),
                "too_long",
                _("“%(key)s”最长 %(n)d 个字符。") % {"key": key, "n": max_length},
            )
        if slug and not re.fullmatch(r"[-a-zA-Z0-9_]+", value):
            self.error(
                (*path, key),
                "bad_code",
                _("“%(key)s”只能包含字母、数字、连字符和下划线。") % {"key": key},
            )
        return value

    def integer(
        self, data: dict, key: str, path: tuple, *, required=False, default=None, lo=0, hi=32767
    ):
        value = data.get(key)
        if value is None:
            if required:
                self.error((*path, key), "missing", _("缺少必填字段“%(key)s”。") % {"key": key})
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.error((*path, key), "bad_type", _("“%(key)s”应为整数。") % {"key": key})
            return default
        if not lo <= value <= hi:
            self.error(
                (*path, key),
                "out_of_range",
                _("“%(key)s”应在 %(lo)d 到 %(hi)d 之间。") % {"key": key, "lo": lo, "hi": hi},
            )
            return default
        return value

    def boolean(self, data: dict, key: str, path: tuple, *, default: bool) -> bool:
        value = data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error((*path, key), "bad_type", _("“%(key)s”应为 true 或 false。") % {"key": key})
            return default
        return value

    def decimal(self, data: dict, key: str, path: tuple, *, default=None, places=2, digits=10):
        value = data.get(key)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            value = "x"
        try:
            number = Decimal(str(value))
            if not number.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            self.error((*path, key), "bad_type", _("“%(key)s”应为数字。") % {"key": key})
            return default
        quantum = Decimal(1).scaleb(-places)
        if number != number.quantize(quantum) or abs(number) >= Decimal(10) ** (digits - places):
            self.error(
                (*path, key),
                "out_of_range",
                _("“%(key)s”最多 %(p)d 位小数、%(d)d 位有效数字。")
                % {"key": key, "p": places, "d": digits},
            )
            return default
        return number

    def time(self, data: dict, key: str, path: tuple, *, default: str) -> dt.time:
        value = data.get(key)
        if value is None:
            return dt.time.fromisoformat(default)
        if isinstance(value, int) and not isinstance(value, bool):
            # YAML 1.1 reads an unquoted 09:00 as the sexagesimal number 540.
            hours, minutes = divmod(value, 60)
            value = f"{hours:02d}:{minutes:02d}"
        try:
            return dt.time.fromisoformat(str(value))
        except ValueError:
            self.error(
                (*path, key), "bad_time", _('“%(key)s”应为时间，例如 "09:00"。') % {"key": key}
            )
            return dt.time.fromisoformat(default)

    def choice(self, data: dict, key: str, path: tuple, choices, *, required=False, default=None):
        value = data.get(key)
        if value is None:
            if required:
                self.error((*path, key), "missing", _("缺少必填字段“%(key)s”。") % {"key": key})
            return default
        allowed = [c for c, _label in choices]
        if value not in allowed:
            self.error(
                (*path, key),
                "bad_choice",
                _("“%(key)s”的取值“%(value)s”无效，可选：%(allowed)s。")
                % {"key": key, "value": value, "allowed": ", ".join(map(str, allowed))},
            )
            return default
        return value

    def subset(self, data: dict, key: str, path: tuple, allowed: tuple, *, default: list):
        value = data.get(key)
        if value is None:
            return list(default)
        if not isinstance(value, list):
            self.error((*path, key), "bad_type", _("“%(key)s”应为列表。") % {"key": key})
            return list(default)
        out = []
        for i, item in enumerate(value):
            if item not in allowed:
                self.error(
                    (*path, key, i),
                    "bad_choice",
                    _("“%(key)s”的取值“%(value)s”无效，可选：%(allowed)s。")
                    % {"key": key, "value": item, "allowed": ", ".join(allowed)},
                )
            else:
                out.append(item)
        return out

    def file(self, data: dict, key: str, path: tuple) -> Path | None:
        value = data.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            self.error((*path, key), "bad_type", _("“%(key)s”应为文件路径。") % {"key": key})
            return None
        base = self.base.resolve()
        target = (base / value).resolve()
        if base not in target.parents:
            self.error((*path, key), "file_outside", _("文件路径必须位于清单文件所在目录之内。"))
            return None
        if not target.is_file():
            self.error((*path, key), "file_missing", _("找不到文件“%(path)s”。") % {"path": value})
            return None
        return target


def _max(model, name: str) -> int | None:
    return model._meta.get_field(name).max_length


_POINT_KEYS = {
    "code", "name", "level", "parent", "address", "latitude", "longitude", "phone",
    "opens_at", "closes_at", "open_weekdays", "open_on_holidays", "is_active",
}  # fmt: skip
_DEPT_KEYS = {"code", "name", "phone"}
_MATTER_KEYS = {
    "code", "name", "department", "description", "audience", "kind", "legal_limit_days",
    "promised_limit_days", "visits_needed", "visits_reason", "levels", "channels",
    "online_depth", "fee", "online_payment", "legal_basis", "result_type", "result_name",
    "result_sample", "basic_code", "implementation_code", "is_active", "materials",
}  # fmt: skip
_MATERIAL_KEYS = {
    "name", "form", "count", "required", "later_allowed", "note", "government_held",
    "issuing_department", "shared_kind", "sample", "blank_form",
}  # fmt: skip


@dataclass
class _Plan:
    district_code: str = ""
    points: list[dict] = field(default_factory=list)
    departments: list[dict] = field(default_factory=list)
    matters: list[dict] = field(default_factory=list)


def _check(doc: Any, ck: _Checker) -> _Plan:
    plan = _Plan()
    top = ck.mapping(doc, ())
    if not top:
        if doc is None:
            ck.error((), "empty", _("清单文件为空。"))
        return plan
    ck.known_keys(top, {"format", "district", "points", "departments", "matters"}, ())
    if top.get("format") != FORMAT:
        ck.error(("format",), "bad_format", _("format 必须是 %(f)s。") % {"f": FORMAT})
    plan.district_code = ck.text(top, "district", (), required=True)

    # service points
    file_points: dict[str, dict] = {}
    for i, raw in enumerate(top.get("points") or []):
        path = ("points", i)
        data = ck.mapping(raw, path)
        if not data:
            continue
        ck.known_keys(data, _POINT_KEYS, path)
        p = {
            "_path": path,
            "code": ck.text(data, "code", path, required=True, max_length=40, slug=True),
            "name": ck.text(
                data, "name", path, required=True, max_length=_max(ServicePoint, "name")
            ),
            "level": ck.choice(data, "level", path, PointLevel.choices, required=True),
            "parent": ck.text(data, "parent", path),
            "address": ck.text(data, "address", path, max_length=_max(ServicePoint, "address")),
            "latitude": ck.decimal(data, "latitude", path, places=6, digits=9),
            "longitude": ck.decimal(data, "longitude", path, places=6, digits=9),
            "phone": ck.text(data, "phone", path, max_length=_max(ServicePoint, "phone")),
            "opens_at": ck.time(data, "opens_at", path, default="09:00"),
            "closes_at": ck.time(data, "closes_at", path, default="17:00"),
            "open_weekdays": ck.text(data, "open_weekdays", path) or "12345",
            "open_on_holidays": ck.boolean(data, "open_on_holidays", path, default=False),
            "is_active": ck.boolean(data, "is_active", path, default=True),
        }
        if not re.fullmatch(r"[1-7]{1,7}", p["open_weekdays"]) or len(
            set(p["open_weekdays"])
        ) != len(p["open_weekdays"]):
            ck.error(
                (*path, "open_weekdays"), "bad_weekdays", _("开放日应为 1–7 的数字，例如 12345。")
            )
        if p["code"] in file_points:
            ck.error((*path, "code"), "duplicate", _("网点编码“%(c)s”重复。") % {"c": p["code"]})
        if p["code"]:
            file_points[p["code"]] = p
        plan.points.append(p)
    db_levels = dict(
        ServicePoint.objects.filter(
            code__in={p["parent"] for p in plan.points if p["parent"]} | {plan.district_code}
        ).values_list("code", "level")
    )
    for p in plan.points:
        if p["level"] in _PARENT_LEVEL:
            parent_level = (
                file_points[p["parent"]]["level"]
                if p["parent"] in file_points
                else db_levels.get(p["parent"])
            )
            if not p["parent"]:
                ck.error((*p["_path"], "level"), "missing", _("该层级的网点必须填写上级 parent。"))
            elif parent_level is None:
                ck.error(
                    (*p["_path"], "parent"),
                    "unknown_point",
                    _("上级网点“%(c)s”不存在。") % {"c": p["parent"]},
                )
            elif parent_level not in _PARENT_LEVEL[p["level"]]:
                ck.error(
                    (*p["_path"], "parent"),
                    "bad_parent",
                    _("上级网点“%(c)s”的层级不对。") % {"c": p["parent"]},
                )
        elif p["parent"] and p["parent"] not in file_points and p["parent"] not in db_levels:
            ck.error(
                (*p["_path"], "parent"),
                "unknown_point",
                _("上级网点“%(c)s”不存在。") % {"c": p["parent"]},
            )
    if plan.district_code:
        level = (
            file_points[plan.district_code]["level"]
            if plan.district_code in file_points
            else db_levels.get(plan.district_code)
        )
        if level != PointLevel.DISTRICT:
            ck.error(
                ("district",),
                "unknown_district",
                _("区县“%(c)s”不存在（或不是区县级网点）。") % {"c": plan.district_code},
            )

    # departments
    dept_codes: set[str] = set()
    for i, raw in enumerate(top.get("departments") or []):
        path = ("departments", i)
        data = ck.mapping(raw, path)
        if not data:
            continue
        ck.known_keys(data, _DEPT_KEYS, path)
        d = {
            "_path": path,
            "code": ck.text(data, "code", path, required=True, max_length=40, slug=True),
            "name": ck.text(data, "name", path, required=True, max_length=_max(Department, "name")),
            "phone": ck.text(data, "phone", path, max_length=_max(Department, "phone")),
        }
        if d["code"] in dept_codes:
            ck.error((*path, "code"), "duplicate", _("部门编码“%(c)s”重复。") % {"c": d["code"]})
        dept_codes.add(d["code"])
        plan.departments.append(d)
    if plan.district_code:
        dept_codes |= set(
            Department.objects.filter(district__code=plan.district_code).values_list(
                "code", flat=True
            )
        )

    def dept_ref(data: dict, key: str, path: tuple, required=False) -> str:
        code = ck.text(data, key, path, required=required)
        if code and code not in dept_codes:
            ck.error((*path, key), "unknown_department", _("部门“%(c)s”不存在。") % {"c": code})
        return code

    # matters
    matter_codes: set[str] = set()
    for i, raw in enumerate(top.get("matters") or []):
        path = ("matters", i)
        data = ck.mapping(raw, path)
        if not data:
            continue
        ck.known_keys(data, _MATTER_KEYS, path)
        n_errors = len(ck.errors)
        levels = ck.subset(data, "levels", path, LEVELS, default=["district"])
        channels = ck.subset(data, "channels", path, CHANNELS, default=["window"])
        m: dict[str, Any] = {
            "_path": path,
            "code": ck.text(data, "code", path, required=True, max_length=60, slug=True),
            "name": ck.text(data, "name", path, required=True, max_length=_max(Matter, "name")),
            "department": dept_ref(data, "department", path, required=True),
            "description": ck.text(data, "description", path),
            "audience": ck.choice(data, "audience", path, Audience.choices, required=True),
            "kind": ck.choice(data, "kind", path, MatterKind.choices, required=True),
            "legal_limit_days": ck.integer(data, "legal_limit_days", path, required=True),
            "promised_limit_days": ck.integer(data, "promised_limit_days", path, required=True),
            "visits_needed": ck.integer(data, "visits_needed", path, required=True, hi=1),
            "visits_reason": ck.text(
                data, "visits_reason", path, max_length=_max(Matter, "visits_reason")
            ),
            "online_depth": ck.integer(data, "online_depth", path, default=1, lo=1, hi=4),
            "fee": ck.decimal(data, "fee", path, default=Decimal("0")),
            "online_payment": ck.boolean(data, "online_payment", path, default=False),
            "legal_basis": ck.text(data, "legal_basis", path),
            "result_type": ck.choice(data, "result_type", path, ResultType.choices, required=True),
            "result_name": ck.text(
                data, "result_name", path, max_length=_max(Matter, "result_name")
            ),
            "result_sample": ck.file(data, "result_sample", path),
            "basic_code": ck.text(data, "basic_code", path, max_length=_max(Matter, "basic_code")),
            "implementation_code": ck.text(
                data, "implementation_code", path, max_length=_max(Matter, "implementation_code")
            ),
            "is_active": ck.boolean(data, "is_active", path, default=True),
        }
        for lv in LEVELS:
            m[f"level_{lv}"] = lv in levels
        for ch in CHANNELS:
            m[f"channel_{ch}"] = ch in channels
        if m["code"] in matter_codes:
            ck.error((*path, "code"), "duplicate", _("事项编码“%(c)s”重复。") % {"c": m["code"]})
        matter_codes.add(m["code"])
        materials = []
        raw_materials = data.get("materials") or []
        if not isinstance(raw_materials, list):
            ck.error(
                (*path, "materials"), "bad_type", _("“%(key)s”应为列表。") % {"key": "materials"}
            )
            raw_materials = []
        for j, raw_mat in enumerate(raw_materials):
            mpath = (*path, "materials", j)
            md = ck.mapping(raw_mat, mpath)
            if not md:
                continue
            ck.known_keys(md, _MATERIAL_KEYS, mpath)
            mat = {
                "_path": mpath,
                "position": j + 1,
                "name": ck.text(
                    md, "name", mpath, required=True, max_length=_max(Material, "name")
                ),
                "form": ck.choice(md, "form", mpath, MaterialForm.choices, default="original"),
                "count": ck.integer(md, "count", mpath, default=1, lo=1),
                "required": ck.boolean(md, "required", mpath, default=True),
                "later_allowed": ck.boolean(md, "later_allowed", mpath, default=False),
                "note": ck.text(md, "note", mpath, max_length=_max(Material, "note")),
                "government_held": ck.boolean(md, "government_held", mpath, default=False),
                "issuing_department": dept_ref(md, "issuing_department", mpath),
                "shared_kind": ck.text(md, "shared_kind", mpath, max_length=40, slug=True),
                "sample": ck.file(md, "sample", mpath),
                "blank_form": ck.file(md, "blank_form", mpath),
            }
            rule_view = {**mat, "issuing_department": mat["issuing_department"] or None}
            for v in material_violations(rule_view):
                ck.error((*mpath, v.field), v.code, v.message)
            materials.append(mat)
        m["materials"] = materials
        if len(ck.errors) == n_errors:
            # Quality rules only make sense on well-typed values.
            rule_view = {**m, "department": None, "result_sample": data.get("result_sample")}
            for v in matter_violations(rule_view):
                key = v.field
                if key.startswith("level_"):
                    key = "levels"
                elif key.startswith("channel_") and key != "channel_online":
                    key = "channels"
                elif key == "channel_online":
                    key = "channels"
                ck.error((*path, key), v.code, v.message)
            for v in materials_set_violations(materials):
                ck.error((*path, "materials"), v.code, v.message)
        plan.matters.append(m)
    return plan


# --------------------------------------------------------------------------- writing


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
        elif _apply(point, values):
            point.save()
            report.bump("updated", "points")
        else:
            report.bump("unchanged", "points")
    district = ServicePoint.objects.get(code=plan.district_code)

    for d in plan.departments:
        dept = Department.objects.filter(district=district, code=d["code"]).first()
        values = {"name": d["name"], "phone": d["phone"]}
        if dept is None:
            Department.objects.create(district=district, code=d["code"], **values)
            report.bump("created", "departments")
        elif _apply(dept, values):
            dept.save()
            report.bump("updated", "departments")
        else:
            report.bump("unchanged", "departments")
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
            matter._prefetched_objects_cache = {"materials": Material.objects.none()}
            report.bump("created", "matters")
        elif _apply(matter, values):
            matter.save()
            report.bump("updated", "matters")
        else:
            report.bump("unchanged", "matters")
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
        mat = candidates[0]
        used.add(mat.pk)
        if _apply(mat, values):
            mat.save()
            report.bump("updated", "materials")
        else:
            report.bump("unchanged", "materials")
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
def catalogue_import(*, path: Path, actor: Any = None) -> ImportReport:
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
            actor=actor,
            subject_type="catalogue",
            subject_id=district.code,
            action="catalogue.import",
            note=path.name,
            point=district,
            data=report.as_dict(),
        )
    return report


# --------------------------------------------------------------------------- export


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
    if p.parent_id:
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
            if mat.issuing_department_id:
                md["issuing_department"] = mat.issuing_department.code
            if mat.shared_kind:
                md["shared_kind"] = mat.shared_kind
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


def _clean_materials(matter: Matter) -> None:
    errors = [v for v in materials_set_violations(matter.materials.all())]
    if errors:
        raise ValidationFailed(errors[0].message, code=errors[0].code)


@transaction.atomic
def matter_save(*, matter: Matter, actor: Any = None) -> Matter:
    """Validate (model fields + quality rules) and save a matter; used by admin and services."""
    created = matter.pk is None
    try:
        matter.full_clean()
    except ValidationError as exc:
        raise ValidationFailed(
            "；".join(exc.messages), fields=getattr(exc, "message_dict", None)
        ) from exc
    matter.save()
    audit_record(
        actor=actor,
        subject_type="matter",
        subject_id=matter.pk,
        action="matter.create" if created else "matter.update",
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
    actor: Any = None,
    **fields,
) -> Matter:
    return matter_save(
        matter=Matter(district=district, department=department, code=code, name=name, **fields),
        actor=actor,
    )


def matter_update(*, matter: Matter, actor: Any = None, **changes) -> Matter:
    for key, value in changes.items():
        setattr(matter, key, value)
    return matter_save(matter=matter, actor=actor)


@transaction.atomic
def material_save(*, material: Material, actor: Any = None) -> Material:
    created = material.pk is None
    try:
        material.full_clean()
    except ValidationError as exc:
        raise ValidationFailed(
            "；".join(exc.messages), fields=getattr(exc, "message_dict", None)
        ) from exc
    material.save()
    _clean_materials(material.matter)
    audit_record(
        actor=actor,
        subject_type="material",
        subject_id=material.pk,
        action="material.create" if created else "material.update",
        point=material.matter.district,
        note=f"{material.matter.code}: {material.name}",
    )
    return material


def material_create(*, matter: Matter, name: str, actor: Any = None, **fields) -> Material:
    if "position" not in fields:
        fields["position"] = matter.materials.count() + 1
    return material_save(material=Material(matter=matter, name=name, **fields), actor=actor)


def material_update(*, material: Material, actor: Any = None, **changes) -> Material:
    for key, value in changes.items():
        setattr(material, key, value)
    return material_save(material=material, actor=actor)
