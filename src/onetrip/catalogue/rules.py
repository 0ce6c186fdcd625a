"""One rule set per matter: what the catalogue promises, computed once, read by every step.

``matter_rules(matter=..., applicant_kind=...)`` answers, from the catalogue alone, for one
matter and one kind of applicant:

- who may apply (``allowed`` / ``refusal``): a natural person, a company, a natural person
  founding a company that is not registered yet, an agent on behalf of a company (with an
  authorisation on file);
- the routes, in the order the guide offers them: ``online`` (apply online, no visit),
  ``queue`` (ticket at the district centre), ``nearby`` (a street or community point),
  ``door`` (door-to-door service);
- the on-site steps (``realname``: real-name verification at the window);
- every material with its handling: ``hand_in``, ``held`` (the government holds it: never
  asked for), ``later`` (容缺: accepted now, handed in later on a signed commitment),
  ``optional`` and ``waived`` (not for this kind of applicant, e.g. an authorisation when the
  applicant comes in person);
- the time limits, the working days a 容缺 material may follow (``later_days``), and the
  visits promised.

Window zero's pre-check, the online application, the window intake, the case rules and the
catalogue page all read this; ``catalogue.validators`` refuses a matter whose data would make
it promise what intake refuses. Pure functions of the matter and its materials: no writes, and
no queries beyond the matter's (prefetched) materials.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("个人")
    COMPANY = "company", _("企业自办")
    FOUNDER = "founder", _("设立企业（尚未登记）")
    AGENT = "agent", _("中介代办")


class Route(models.TextChoices):
    ONLINE = "online", _("网上办理")
    QUEUE = "queue", _("区行政服务中心取号办理")
    NEARBY = "nearby", _("就近到街道、社区网点办理")
    DOOR = "door", _("上门办理")


class Handling(models.TextChoices):
    HAND_IN = "hand_in", _("须提交")
    HELD = "held", _("政府已有，免提交")
    LATER = "later", _("可容缺后补")
    OPTIONAL = "optional", _("非必需")
    WAIVED = "waived", _("本类申请人免交")


class OnsiteStep(models.TextChoices):
    REALNAME = "realname", _("现场实名核验")


#: routes that need no visit at all
ZERO_VISIT_ROUTES = frozenset({Route.ONLINE, Route.DOOR})
#: the least online depth at which an application can be made online (Ⅲ 网上受理)
ONLINE_DEPTH = 3


@dataclass(frozen=True)
class MaterialRule:
    id: int
    name: str
    handling: str
    shared_kind: str = ""
    required: bool = True
    note: str = ""

    @property
    def asked(self) -> bool:
        """The applicant must hand it in now (at the window or with the online application)."""
        return self.handling == Handling.HAND_IN


@dataclass(frozen=True)
class MatterRules:
    matter_id: int
    code: str
    applicant_kind: str
    allowed: bool
    refusal: str = ""
    routes: tuple[str, ...] = ()
    onsite_steps: tuple[str, ...] = ()
    materials: tuple[MaterialRule, ...] = ()
    instant: bool = False
    promised_limit_days: int = 0
    legal_limit_days: int = 0
    later_days: int | None = None
    visits_promised: int = 0
    founding: bool = False
    needs_authorisation: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def online(self) -> bool:
        return Route.ONLINE in self.routes

    def material(self, material_id: int) -> MaterialRule | None:
        for m in self.materials:
            if m.id == material_id:
                return m
        return None

    def handled(self, *handlings: str) -> list[MaterialRule]:
        return [m for m in self.materials if m.handling in handlings]

    def visits_for(self, route: str) -> int:
        """Visits the route costs: none online or at the door, the promised one otherwise."""
        return 0 if route in ZERO_VISIT_ROUTES else 1


def applicant_kinds(matter: Any) -> list[str]:
    """The kinds of applicant the matter allows, in a stable order."""
    audience = matter.audience
    kinds: list[str] = []
    if audience in ("individual", "both"):
        kinds.append(ApplicantKind.PERSON)
    if audience in ("company", "both"):
        if getattr(matter, "founding", False):
            kinds.append(ApplicantKind.FOUNDER)
            # a company being founded has no standing authorisation on file: an agent needs
            # the matter to take a one-off authorisation (an ``agent_only`` material)
            if any(getattr(m, "agent_only", False) for m in _materials(matter)):
                kinds.append(ApplicantKind.AGENT)
        else:
            kinds.append(ApplicantKind.COMPANY)
            kinds.append(ApplicantKind.AGENT)
    return kinds


def later_days(matter: Any) -> int | None:
    """Working days after acceptance within which a 容缺 material must follow, or None when the
    matter's promised limit cannot carry one (an instant matter is decided on the spot).

    The material is due one working day before the promised date, so the reviewer can still
    decide in time; with a one-day promise it is due on the promised day itself."""
    promised = matter.promised_limit_days or 0
    if promised < 1:
        return None
    return max(promised - 1, 1)


def routes(matter: Any) -> tuple[str, ...]:
    """Routes the catalogue offers for the matter, best first (fewest visits, nearest)."""
    out: list[str] = []
    if (
        matter.channel_online
        and matter.online_depth >= ONLINE_DEPTH
        and not getattr(matter, "realname_onsite", False)
    ):
        out.append(Route.ONLINE)
    if matter.channel_window and matter.level_district:
        out.append(Route.QUEUE)
    if matter.channel_window and (matter.level_street or matter.level_community):
        out.append(Route.NEARBY)
    if matter.channel_door and not getattr(matter, "realname_onsite", False):
        out.append(Route.DOOR)
    return tuple(out)


def _materials(matter: Any) -> list[Any]:
    listed = getattr(matter, "intake_materials", None)
    if listed is not None:
        return list(listed)
    if isinstance(getattr(matter, "materials", None), list | tuple):  # a plain description
        return list(matter.materials)
    return sorted(matter.materials.all(), key=lambda m: (m.position, m.pk))


def material_handling(material: Any, *, applicant_kind: str, later: int | None) -> str:
    """How a material is handled for this kind of applicant."""
    if getattr(material, "agent_only", False):
        return Handling.HAND_IN if applicant_kind == ApplicantKind.AGENT else Handling.WAIVED
    if material.government_held:
        return Handling.HELD
    if not material.required:
        return Handling.OPTIONAL
    if material.later_allowed and later is not None:
        return Handling.LATER
    return Handling.HAND_IN


def matter_rules(*, matter: Any, applicant_kind: str) -> MatterRules:
    """The rule set of ``matter`` for ``applicant_kind`` (see the module docstring)."""
    kinds = applicant_kinds(matter)
    base = {
        "matter_id": matter.pk,
        "code": matter.code,
        "applicant_kind": applicant_kind,
        "instant": matter.kind == "instant",
        "promised_limit_days": matter.promised_limit_days,
        "legal_limit_days": matter.legal_limit_days,
        "visits_promised": matter.visits_needed,
        "founding": bool(getattr(matter, "founding", False)),
    }
    if applicant_kind not in kinds:
        refusal = kind_refusal(matter=matter, applicant_kind=applicant_kind)
        return MatterRules(allowed=False, refusal=refusal, **base)
    later = later_days(matter)
    mats = tuple(
        MaterialRule(
            id=m.pk,
            name=m.name,
            handling=material_handling(m, applicant_kind=applicant_kind, later=later),
            shared_kind=m.shared_kind or "",
            required=m.required,
            note=m.note or "",
        )
        for m in _materials(matter)
    )
    steps = (OnsiteStep.REALNAME,) if getattr(matter, "realname_onsite", False) else ()
    return MatterRules(
        allowed=True,
        routes=routes(matter),
        onsite_steps=steps,
        materials=mats,
        later_days=later,
        needs_authorisation=applicant_kind == ApplicantKind.AGENT,
        **base,
    )


#: the decision a refusal gives, per the decision an approval gives
REFUSED_DECISION = {
    "registered": "not_registered",
    "licensed": "not_licensed",
    "filed": "not_filed",
    "done": "not_done",
}


def decision_kind(matter: Any, *, approved: bool = True) -> str:
    """What deciding the matter is: 准予登记 for a registration (设立、变更、参保登记…),
    准予备案 for a filing, 准予许可 for a licence or an approval, 予以办理 otherwise (a card,
    a certificate: 老年优待证 is issued, not licensed); the matching 不予… when refused."""
    if getattr(matter, "founding", False) or "登记" in (matter.name or ""):
        kind = "registered"
    elif matter.result_type == "filing":
        kind = "filed"
    elif matter.result_type in ("licence", "approval"):
        kind = "licensed"
    else:
        kind = "done"
    return kind if approved else REFUSED_DECISION[kind]


def kind_refusal(*, matter: Any, applicant_kind: str) -> str:
    """Why this kind of applicant may not apply for the matter ("" when it may)."""
    if applicant_kind in applicant_kinds(matter):
        return ""
    if applicant_kind == ApplicantKind.COMPANY and getattr(matter, "founding", False):
        return str(_("本事项用于设立新企业：请以“设立企业（尚未登记）”身份申请。"))
    if applicant_kind == ApplicantKind.FOUNDER:
        return str(_("本事项不是企业设立登记，不能以设立企业身份申请。"))
    if applicant_kind == ApplicantKind.AGENT and getattr(matter, "founding", False):
        return str(_("本事项不接受代办设立：没有可提交的授权委托书。"))
    return str(
        _("事项“%(matter)s”的服务对象是%(audience)s，与申请人类型不符。")
        % {"matter": matter.name, "audience": matter.get_audience_display()}
    )


def kind_require(*, matter: Any, applicant_kind: str) -> None:
    """Raise ValidationFailed (422) when this kind of applicant may not apply."""
    from onetrip.errors import ValidationFailed

    refusal = kind_refusal(matter=matter, applicant_kind=applicant_kind)
    if refusal:
        raise ValidationFailed(
            refusal,
            code="audience_mismatch",
            fields={"applicant.kind": [str(_("与事项服务对象不符"))]},
        )


def rules_require(*, matter: Any, applicant_kind: str) -> MatterRules:
    """The rule set, or a ValidationFailed (422) when this kind of applicant may not apply."""
    kind_require(matter=matter, applicant_kind=applicant_kind)
    return matter_rules(matter=matter, applicant_kind=applicant_kind)
