"""Catalogue quality rules (事项清单质量规则).

Each rule has a stable ``code``, the model field it is about and a localised Chinese message.
The same functions run in the model's ``clean()`` (admin forms), in the matter/material
services and in the YAML import, so a catalogue can never hold a matter that breaks them.

Rules (see docs/catalogue-format.md):

matter
  instant_limit          即办件 ⇔ promised limit 0
  promised_over_legal    promised limit ≤ legal limit
  visits_value           visits needed is 0 or 1
  visits_reason_missing  visits ≠ 0 needs a reason
  zero_visit_delivery    0 visits and no online channel ⇒ post (or door-to-door) accepted
  depth_four_visits      depth Ⅳ (全程网办) ⇒ 0 visits
  depth_four_online      depth Ⅳ ⇒ online channel
  online_payment_no_fee  no fee ⇒ no online payment
  fee_negative           fee ≥ 0
  result_sample_missing  every matter has a result sample
  no_level               at least one level may accept it
  no_channel             at least one channel
  department_district    the department belongs to the matter's district
  founding_audience      a founding matter (设立登记) is for companies: the company being set up
                         is the applicant, represented by its founder
  realname_visits        an on-site real-name verification is one visit: visits needed = 1
  zero_visit_route       0 visits ⇒ a route without a visit exists: online at depth Ⅲ/Ⅳ
                         (online at Ⅰ/Ⅱ is consultation only) or door-to-door
material
  count_zero                 count ≥ 1
  later_allowed_held         a material the government already holds is never asked for, so it
                             cannot be "supplied later" (容缺) either
  later_allowed_optional     容缺 only applies to a required material (an optional one need not
                             be supplied at all)
  held_needs_issuer          a government-held material names its issuing department
  issuer_district            the issuing department belongs to the matter's district
  agent_only_plain           a material only agents hand in (authorisation) is never 容缺 or
                             government-held
materials of a matter
  no_core_material           when some materials are 容缺, at least one required material must be
                             handed in up front (a case cannot be accepted on promises alone)
  later_instant              容缺 needs time to hand the material in before the decision: an
                             instant matter (promised limit 0, decided on the spot) cannot carry
                             it, so intake would refuse what the catalogue promised
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from onetrip.catalogue.models import Material, Matter

RULE_MESSAGES: dict[str, Any] = {
    "instant_limit": _("即办件的承诺时限必须为 0 个工作日，承诺时限为 0 的事项必须是即办件。"),
    "promised_over_legal": _("承诺时限不能超过法定时限。"),
    "visits_value": _("跑动次数只能是 0 或 1。"),
    "visits_reason_missing": _("需要到现场的事项必须说明原因。"),
    "zero_visit_delivery": _("零跑动且不能网上办理的事项必须支持邮寄或上门办理。"),
    "depth_four_visits": _("网办深度为Ⅳ级（全程网办）的事项跑动次数必须为 0。"),
    "depth_four_online": _("网办深度为Ⅳ级（全程网办）的事项必须开通网上办理渠道。"),
    "online_payment_no_fee": _("不收费的事项不能设置网上缴费。"),
    "fee_negative": _("收费金额不能为负数。"),
    "result_sample_missing": _("每个事项都必须提供办理结果样本。"),
    "no_level": _("至少选择一个可受理层级（区、街道或社区）。"),
    "no_channel": _("至少选择一个办理渠道。"),
    "department_district": _("实施部门必须属于该事项所在的区县。"),
    "count_zero": _("材料份数至少为 1。"),
    "later_allowed_held": _("政府已有的材料无需提交，不能设为容缺后补。"),
    "later_allowed_optional": _("只有必需材料才能设为容缺后补；非必需材料本就可以不交。"),
    "held_needs_issuer": _("政府已有的材料必须注明出具部门。"),
    "issuer_district": _("出具部门必须属于该事项所在的区县。"),
    "no_core_material": _("设置了容缺材料的事项，至少要有一份必需材料须当场提交。"),
    "founding_audience": _("设立登记事项的服务对象必须是企业。"),
    "realname_visits": _("需现场实名核验的事项跑动次数必须为 1。"),
    "zero_visit_route": _(
        "零跑动事项必须能全程网上受理（网办深度Ⅲ级以上且无需现场核验）或上门办理。"
    ),
    "agent_only_plain": _("委托代办时提交的材料不能设为容缺后补或政府已有。"),
    "later_instant": _("即办件当场办结，不能设置容缺后补材料（承诺时限不足以后补）。"),
}


@dataclass(frozen=True)
class RuleViolation:
    code: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"[{self.code}] {self.field}: {self.message}"


def _v(code: str, field: str) -> RuleViolation:
    return RuleViolation(code=code, field=field, message=str(RULE_MESSAGES[code]))


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def matter_violations(matter: Matter | dict[str, Any]) -> list[RuleViolation]:
    """Check one matter (a Matter instance, saved or not, or a dict of its fields)."""
    out: list[RuleViolation] = []
    kind = _get(matter, "kind")
    promised = _get(matter, "promised_limit_days")
    legal = _get(matter, "legal_limit_days")
    visits = _get(matter, "visits_needed")
    depth = _get(matter, "online_depth")
    fee = _get(matter, "fee") or 0
    if promised is not None and kind in ("instant", "committed"):
        if (kind == "instant") != (promised == 0):
            out.append(_v("instant_limit", "promised_limit_days"))
    if promised is not None and legal is not None and promised > legal:
        out.append(_v("promised_over_legal", "promised_limit_days"))
    if visits not in (0, 1):
        out.append(_v("visits_value", "visits_needed"))
    if visits and not (_get(matter, "visits_reason") or "").strip():
        out.append(_v("visits_reason_missing", "visits_reason"))
    online = bool(_get(matter, "channel_online"))
    if (
        visits == 0
        and not online
        and not (_get(matter, "channel_post") or _get(matter, "channel_door"))
    ):
        out.append(_v("zero_visit_delivery", "channel_post"))
    if _get(matter, "founding") and _get(matter, "audience") not in (None, "company"):
        out.append(_v("founding_audience", "founding"))
    if _get(matter, "realname_onsite") and visits != 1:
        out.append(_v("realname_visits", "realname_onsite"))
    online_route = online and (depth or 0) >= 3 and not _get(matter, "realname_onsite")
    if visits == 0 and not online_route and not _get(matter, "channel_door"):
        out.append(_v("zero_visit_route", "online_depth"))
    if depth == 4:
        if visits != 0:
            out.append(_v("depth_four_visits", "visits_needed"))
        if not online:
            out.append(_v("depth_four_online", "channel_online"))
    if Decimal(str(fee)) < 0:
        out.append(_v("fee_negative", "fee"))
    if Decimal(str(fee)) == 0 and _get(matter, "online_payment"):
        out.append(_v("online_payment_no_fee", "online_payment"))
    if not _get(matter, "result_sample"):
        out.append(_v("result_sample_missing", "result_sample"))
    if not any(_get(matter, f"level_{lv}") for lv in ("district", "street", "community")):
        out.append(_v("no_level", "level_district"))
    if not any(_get(matter, f"channel_{ch}") for ch in ("window", "online", "door", "post")):
        out.append(_v("no_channel", "channel_window"))
    dept = _get(matter, "department") if _get(matter, "department_id", True) else None
    district_id = _get(matter, "district_id")
    if dept is not None and district_id is not None and getattr(dept, "district_id", None):
        if dept.district_id != district_id:
            out.append(_v("department_district", "department"))
    return out


def material_violations(
    material: Material | dict[str, Any], *, district_id: int | None = None
) -> list[RuleViolation]:
    """Check one material (a Material instance or a dict of its fields)."""
    out: list[RuleViolation] = []
    count = _get(material, "count", 1)
    required = bool(_get(material, "required", True))
    later = bool(_get(material, "later_allowed", False))
    held = bool(_get(material, "government_held", False))
    if count is not None and count < 1:
        out.append(_v("count_zero", "count"))
    if later and held:
        out.append(_v("later_allowed_held", "later_allowed"))
    if later and not required:
        out.append(_v("later_allowed_optional", "later_allowed"))
    if _get(material, "agent_only", False) and (later or held):
        out.append(_v("agent_only_plain", "agent_only"))
    issuer = _get(material, "issuing_department")
    if held and issuer is None:
        out.append(_v("held_needs_issuer", "issuing_department"))
    if issuer is not None and district_id is not None and getattr(issuer, "district_id", None):
        if issuer.district_id != district_id:
            out.append(_v("issuer_district", "issuing_department"))
    return out


def materials_set_violations(
    materials: Iterable[Material | dict[str, Any]],
    *,
    matter: Matter | dict[str, Any] | None = None,
) -> list[RuleViolation]:
    """Rules over all the materials of one matter (``matter``: its fields, when known)."""
    mats = list(materials)
    later = [m for m in mats if _get(m, "later_allowed")]
    core = [
        m
        for m in mats
        if _get(m, "required", True)
        and not _get(m, "later_allowed")
        and not _get(m, "government_held")
        and not _get(m, "agent_only")
    ]
    out = []
    if later and not core:
        out.append(_v("no_core_material", "materials"))
    if later and matter is not None and _get(matter, "promised_limit_days") == 0:
        out.append(_v("later_instant", "materials"))
    return out


def as_validation_error(violations: list[RuleViolation]) -> ValidationError:
    """Django ValidationError keyed by field, so admin forms show messages beside fields."""
    by_field: dict[str, list[ValidationError]] = {}
    for v in violations:
        by_field.setdefault(v.field, []).append(ValidationError(v.message, code=v.code))
    return ValidationError(by_field)


def validate_matter(matter: Matter | dict[str, Any]) -> None:
    violations = matter_violations(matter)
    if violations:
        raise as_validation_error(violations)


def validate_material(
    material: Material | dict[str, Any], *, district_id: int | None = None
) -> None:
    violations = material_violations(material, district_id=district_id)
    if violations:
        raise as_validation_error(violations)
