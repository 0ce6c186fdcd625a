"""Reading and checking a catalogue file (YAML, format onetrip-catalogue/1): every error is
collected with its line number; nothing is written."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext as _

from onetrip.catalogue.interchange.report import (
    _PARENT_LEVEL,
    CHANNELS,
    FORMAT,
    LEVELS,
    ImportIssue,
    _Loader,
)
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

    def entries(
        self, parent: dict, key: str, allowed: set[str], path: tuple = ()
    ) -> Iterator[tuple[tuple, dict]]:
        """(path, mapping) of each entry of the list ``parent[key]``, its keys checked; a value
        that is not a list, or an entry that is not a mapping, is reported and skipped."""
        items = parent.get(key) or []
        if not isinstance(items, list):
            self.error((*path, key), "bad_type", _("“%(key)s”应为列表。") % {"key": key})
            return
        for i, raw in enumerate(items):
            entry_path = (*path, key, i)
            data = self.mapping(raw, entry_path)
            if data:
                self.known_keys(data, allowed, entry_path)
                yield entry_path, data

    def unique(self, code: str, seen: set[str] | dict[str, Any], path: tuple, message) -> None:
        """Report ``code`` when an earlier entry of its list has it (``message`` names it)."""
        if code in seen:
            self.error((*path, "code"), "duplicate", message % {"c": code})

    def known_keys(self, data: dict, allowed: set[str], path: tuple) -> None:
        for key in data:
            if key not in allowed:
                self.error((*path, key), "unknown_key", _("未知字段“%(key)s”。") % {"key": key})

    def missing(self, key: str, path: tuple, *, required: bool) -> None:
        """An absent field: an error when it is required (an optional one takes its default)."""
        if required:
            self.error((*path, key), "missing", _("缺少必填字段“%(key)s”。") % {"key": key})

    def text(
        self, data: dict, key: str, path: tuple, *, required=False, max_length=None, slug=False
    ) -> str:
        value = data.get(key)
        if value is None or value == "":
            self.missing(key, path, required=required)
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
            self.missing(key, path, required=required)
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
            self.missing(key, path, required=required)
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
    "founding", "realname_onsite",
}  # fmt: skip
_MATERIAL_KEYS = {
    "name", "form", "count", "required", "later_allowed", "note", "government_held",
    "issuing_department", "shared_kind", "sample", "blank_form", "agent_only",
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
    for path, data in ck.entries(top, "points", _POINT_KEYS):
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
        ck.unique(p["code"], file_points, path, _("网点编码“%(c)s”重复。"))
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
    for path, data in ck.entries(top, "departments", _DEPT_KEYS):
        d: dict[str, Any] = {
            "_path": path,
            "code": ck.text(data, "code", path, required=True, max_length=40, slug=True),
            "name": ck.text(data, "name", path, required=True, max_length=_max(Department, "name")),
            "phone": ck.text(data, "phone", path, max_length=_max(Department, "phone")),
        }
        ck.unique(d["code"], dept_codes, path, _("部门编码“%(c)s”重复。"))
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
    for path, data in ck.entries(top, "matters", _MATTER_KEYS):
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
            "founding": ck.boolean(data, "founding", path, default=False),
            "realname_onsite": ck.boolean(data, "realname_onsite", path, default=False),
        }
        for lv in LEVELS:
            m[f"level_{lv}"] = lv in levels
        for ch in CHANNELS:
            m[f"channel_{ch}"] = ch in channels
        ck.unique(m["code"], matter_codes, path, _("事项编码“%(c)s”重复。"))
        matter_codes.add(m["code"])
        materials = []
        for mpath, md in ck.entries(data, "materials", _MATERIAL_KEYS, path):
            mat = {
                "_path": mpath,
                "position": mpath[-1] + 1,
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
                "agent_only": ck.boolean(md, "agent_only", mpath, default=False),
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
            for v in materials_set_violations(materials, matter=m):
                ck.error((*path, "materials"), v.code, v.message)
        plan.matters.append(m)
    return plan


# --------------------------------------------------------------------------- writing
