"""Form help: application forms rendered from a definition, with worked samples and
per-field validation (python-stdnum checksums through ``onetrip.people.validators``).

Pure functions; no database writes here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc

from onetrip.errors import ValidationFailed
from onetrip.people.validators import clean_credit_code, clean_id_number, clean_phone

FIELD_TYPES = ("text", "date", "id_number", "credit_code", "phone", "choice")


def _sample_id_number() -> str:
    body = "33010219850315002"
    return body + ric.calc_check_digit(body + "0")


def _sample_credit_code() -> str:
    body = "91330102MA2B3C4D5"
    return body + uscc.calc_check_digit(body)


SAMPLE_ID_NUMBER = _sample_id_number()
SAMPLE_CREDIT_CODE = _sample_credit_code()


@dataclass
class FieldDef:
    name: str
    label: str
    type: str = "text"
    required: bool = False
    sample: str = ""
    help: str = ""
    choices: list[str] = field(default_factory=list)
    max_length: int = 200

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _person_fields() -> list[FieldDef]:
    return [
        FieldDef(
            "applicant_name",
            _("申请人姓名"),
            "text",
            True,
            "张三",
            _("与身份证上的姓名一致"),
            max_length=60,
        ),
        FieldDef(
            "id_number",
            _("公民身份号码"),
            "id_number",
            True,
            SAMPLE_ID_NUMBER,
            _("18位，末位可能是 X，请逐位核对"),
        ),
        FieldDef("phone", _("手机号"), "phone", True, "13812345678", _("用于接收办理进度短信")),
        FieldDef(
            "address",
            _("住址"),
            "text",
            False,
            "杭州市上城区湖滨街道东坡路 1 号",
            _("写到门牌号"),
        ),
    ]


def _company_fields() -> list[FieldDef]:
    return [
        FieldDef(
            "company_name",
            _("企业名称"),
            "text",
            True,
            "杭州湖滨示范贸易有限公司",
            _("与营业执照上的名称一致"),
        ),
        FieldDef(
            "credit_code",
            _("统一社会信用代码"),
            "credit_code",
            True,
            SAMPLE_CREDIT_CODE,
            _("营业执照左上角的18位代码"),
        ),
        FieldDef("legal_representative", _("法定代表人"), "text", True, "李四", "", max_length=60),
        FieldDef("contact_name", _("经办人姓名"), "text", True, "王五", "", max_length=60),
        FieldDef(
            "contact_id_number",
            _("经办人公民身份号码"),
            "id_number",
            True,
            SAMPLE_ID_NUMBER,
            _("18位，末位可能是 X"),
        ),
        FieldDef("phone", _("联系电话"), "phone", True, "13812345678", _("经办人手机号")),
        FieldDef(
            "address",
            _("住所"),
            "text",
            False,
            "杭州市上城区解放路 100 号",
            _("营业执照上的住所"),
        ),
    ]


def default_fields(*, audience: str) -> list[dict[str, Any]]:
    """Sensible fields when a matter has no form definition of its own."""
    if audience == "company":
        fields = _company_fields()
    elif audience == "both":
        fields = [
            FieldDef(
                "applicant_type",
                _("申请人类型"),
                "choice",
                True,
                _("个人"),
                "",
                choices=[_("个人"), _("企业")],
            ),
            *_person_fields(),
        ]
        for f in _company_fields()[:2]:
            f.required = False
            f.help = _("以企业名义申请时填写")
            fields.append(f)
    else:
        fields = _person_fields()
    fields.append(
        FieldDef(
            "request_date",
            _("申请日期"),
            "date",
            True,
            "2026-03-02",
            _("格式：年-月-日"),
        )
    )
    return [f.as_dict() for f in fields]


def clean_definition(fields: Any) -> list[dict[str, Any]]:
    """Check a JSON form definition; raise ValidationFailed listing every problem."""
    errors: list[str] = []
    if not isinstance(fields, list) or not fields:
        raise ValidationFailed(_("表格定义应为非空的字段列表。"), code="invalid_form_definition")
    cleaned: list[dict[str, Any]] = []
    names: set[str] = set()
    for index, item in enumerate(fields, start=1):
        if not isinstance(item, dict):
            errors.append(_("第%(n)d个字段不是对象。") % {"n": index})
            continue
        name = str(item.get("name", "")).strip()
        ftype = item.get("type", "text")
        if not name or not name.replace("_", "").isalnum() or not name.isascii():
            errors.append(_("第%(n)d个字段缺少合法的字段名。") % {"n": index})
        elif name in names:
            errors.append(_("字段名“%(name)s”重复。") % {"name": name})
        names.add(name)
        if not str(item.get("label", "")).strip():
            errors.append(_("第%(n)d个字段缺少标题。") % {"n": index})
        if ftype not in FIELD_TYPES:
            errors.append(_("第%(n)d个字段类型“%(t)s”不支持。") % {"n": index, "t": ftype})
        choices = item.get("choices") or []
        if ftype == "choice" and not choices:
            errors.append(_("第%(n)d个字段是选项，但没有给出选项。") % {"n": index})
        definition = FieldDef(
            name=name,
            label=str(item.get("label", "")).strip(),
            type=ftype,
            required=bool(item.get("required", False)),
            sample=str(item.get("sample", "") or ""),
            help=str(item.get("help", "") or ""),
            choices=[str(c) for c in choices],
            max_length=int(item.get("max_length") or 200),
        )
        cleaned.append(definition.as_dict())
    if errors:
        raise ValidationFailed(
            "；".join(errors), code="invalid_form_definition", fields={"fields": errors}
        )
    return cleaned


def validate_value(definition: dict[str, Any], value: Any) -> tuple[str, str | None]:
    """Return ``(cleaned value, error message or None)`` for one field."""
    value = "" if value is None else str(value).strip()
    ftype = definition.get("type", "text")
    if not value:
        if definition.get("required"):
            return value, _("“%(label)s”为必填项。") % {"label": definition["label"]}
        return value, None
    try:
        if ftype == "id_number":
            return clean_id_number(value, field=definition["name"]), None
        if ftype == "credit_code":
            return clean_credit_code(value.upper(), field=definition["name"]), None
        if ftype == "phone":
            return clean_phone(value, field=definition["name"]), None
    except ValidationFailed as exc:
        return value, str(exc.message)
    if ftype == "date":
        try:
            return dt.date.fromisoformat(value).isoformat(), None
        except ValueError:
            return value, _("“%(value)s”不是有效日期，请按“年-月-日”填写，例如 2026-03-02。") % {
                "value": value
            }
    if ftype == "choice":
        if value not in definition.get("choices", []):
            return value, _("请从给出的选项中选择：%(choices)s。") % {
                "choices": "、".join(definition.get("choices", []))
            }
        return value, None
    max_length = int(definition.get("max_length") or 200)
    if len(value) > max_length:
        return value, _("不能超过%(n)d个字。") % {"n": max_length}
    return value, None


def validate_data(
    fields: list[dict[str, Any]], data: dict[str, Any], *, enforce_required: bool = True
) -> tuple[dict[str, str], dict[str, str]]:
    """Validate every field; return ``(cleaned, errors)`` keyed by field name.

    Unknown keys are reported as errors. Drafts pass ``enforce_required=False``: blanks are
    allowed, but whatever is filled in must be valid.
    """
    cleaned: dict[str, str] = {}
    errors: dict[str, str] = {}
    known = {f["name"]: f for f in fields}
    for key in data:
        if key not in known:
            errors[key] = _("表格中没有字段“%(name)s”。") % {"name": key}
    for name, definition in known.items():
        check = definition if enforce_required else {**definition, "required": False}
        value, error = validate_value(check, data.get(name))
        if error:
            errors[name] = error
        elif value:
            cleaned[name] = value
    return cleaned, errors
