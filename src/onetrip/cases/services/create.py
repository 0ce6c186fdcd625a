"""Opening a case: the checks (scope, the creator's role), the case row, its materials (given,
or resolved through the material resolvers), the creation event, the window visit, submit and accept."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from onetrip.cases import states as S
from onetrip.cases.models import Case, CaseMaterial, Channel, MaterialStatus, VisitKind
from onetrip.cases.selectors import _ancestors_for
from onetrip.cases.services.base import _event, _now, service
from onetrip.cases.services.materials import _apply_material
from onetrip.cases.services.numbering import _next_number
from onetrip.cases.services.transitions import case_transition
from onetrip.cases.services.visits import visit_record
from onetrip.catalogue.models import Audience, Matter, PointLevel, ServicePoint
from onetrip.catalogue.resolvers import resolve_material
from onetrip.catalogue.rules import Route, routes
from onetrip.clock import local_today
from onetrip.errors import Forbidden, ValidationFailed
from onetrip.roles import Role

if TYPE_CHECKING:
    from onetrip.people.models import User


def _check_scope(
    *, matter: Matter, point: ServicePoint, channel: str, applicant, company, forward: bool = False
) -> None:
    if not matter.is_active:
        raise ValidationFailed(_("该事项已停用。"), code="matter_inactive")
    if matter.district_id != point.district_id:
        raise ValidationFailed(
            _("该事项不属于本区县，不能在此受理。"),
            code="matter_out_of_scope",
            fields={"matter": [_("事项不在本区县")]},
        )
    if (applicant is None) == (company is None):
        raise ValidationFailed(
            _("办件须有且仅有一个申请人（个人或企业）。"),
            code="applicant_required",
            fields={"applicant": [_("必填")]},
        )
    if matter.audience == Audience.INDIVIDUAL and company is not None:
        raise ValidationFailed(
            _("该事项仅面向个人办理。"), code="audience_mismatch", fields={"applicant": [_("个人")]}
        )
    if matter.audience == Audience.COMPANY and applicant is not None:
        raise ValidationFailed(
            _("该事项仅面向企业办理。"), code="audience_mismatch", fields={"applicant": [_("企业")]}
        )
    being_founded = getattr(company, "being_founded", None)
    if being_founded is not None and being_founded != bool(getattr(matter, "founding", False)):
        raise ValidationFailed(
            _("本事项用于设立新企业，已登记的企业不能申请。")
            if matter.founding
            else _("企业尚未设立登记，不能办理本事项：请先办理设立登记。"),
            code="founding_mismatch",
            fields={"applicant": [_("申请人类型不符")]},
        )
    if channel not in Channel.values:
        raise ValidationFailed(_("受理渠道无效。"), code="invalid_channel")
    if channel == Channel.ONLINE:
        if getattr(matter, "realname_onsite", False):
            raise ValidationFailed(
                _("本事项需法定代表人到窗口现场实名核验，不能网上办理。"),
                code="realname_onsite_required",
            )
        if Route.ONLINE not in routes(matter):  # Ⅰ/Ⅱ: consultation or pre-check online only
            raise ValidationFailed(_("该事项不支持网上办理。"), code="channel_not_offered")
        return
    offered: dict[str, bool] = {
        PointLevel.DISTRICT: matter.level_district,
        PointLevel.STREET: matter.level_street,
        PointLevel.COMMUNITY: matter.level_community,
    }
    level_ok = offered.get(point.level, False)
    if not level_ok and not forward:
        raise ValidationFailed(
            _("“%(point)s”不能受理该事项。") % {"point": point.name},
            code="level_not_offered",
            fields={"matter": [_("本网点不可办理")]},
        )


def _creator_role(*, actor: User, point: ServicePoint, applicant, company, channel: str) -> str:
    if not getattr(actor, "is_authenticated", False):
        raise Forbidden(_("请先登录。"), code="not_authenticated", status=401)
    if actor.is_superuser:
        return S.MANAGER
    if actor.has_role(Role.CLERK, Role.SOCIAL_WORKER, Role.MANAGER) and actor.point_id:
        if actor.point_id in _ancestors_for(actor, point.pk):
            for role in (Role.CLERK, Role.SOCIAL_WORKER, Role.MANAGER):
                if actor.has_role(role):
                    return role
    if (
        channel == Channel.DOOR
        and actor.has_role(Role.SPECIALIST)
        and actor.point_id
        and actor.point_id in _ancestors_for(actor, point.pk)
    ):
        return S.SPECIALIST
    if channel in (Channel.ONLINE, Channel.AGENT):
        if applicant is not None and applicant.user_id == actor.pk:
            return S.APPLICANT
        if company is not None and company.users.filter(pk=actor.pk).exists():
            return S.APPLICANT
        if company is not None and actor.has_role(Role.AGENT) and actor.agency_id:
            return S.AGENT
    raise Forbidden(_("您无权为该申请人在此网点创建办件。"), code="wrong_role")


@service()
def case_create(
    *,
    matter: Matter,
    actor: User,
    channel: str,
    point: ServicePoint | None = None,
    applicant=None,
    company=None,
    agency=None,
    ticket=None,
    materials: dict[int, dict[str, Any]] | None = None,
    submit: bool = True,
    accept: bool = False,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
    number: str | None = None,
    forward: bool = False,
    agent=None,
) -> Case:
    """Open a case. ``materials`` maps a catalogue Material id to ``{status, count, form,
    commitment_signed, reason}``; materials not mentioned are resolved through the material resolvers
    (government-held, shared data) or recorded as missing.

    ``submit`` moves it to submitted; ``accept`` (window intake) then accepts it on the spot.
    ``number``: one taken beforehand (``case_open``), else the next of the district's day.
    ``forward`` (一岗受理): a community social worker starts a matter the community may not
    accept on the resident's behalf; it is submitted, not accepted, and the responsible front
    office above the community accepts it. The resident's one trip is the community visit.
    ``agent``: the agent (a user of an agency) who brings the application to the window; an
    agent applying themselves is the ``actor``. Either way the agency must hold the company's
    authorisation on file, or the matter's one-off authorisation (its ``agent_only``
    material) must be handed in.
    """
    now = _now(now)
    today = today or local_today(now)
    case, role, known, materials = _prepare(
        matter=matter,
        actor=actor,
        channel=channel,
        point=point,
        applicant=applicant,
        company=company,
        agency=agency,
        ticket=ticket,
        materials=materials,
        now=now,
        forward=forward,
        agent=agent,
    )
    if forward:
        accept = False
    point, channel = case.point, case.channel
    case.number = number or _next_number(district=case.district, day=today)
    case.save()
    rows = _material_rows(case=case, known=known, materials=materials, today=today)
    CaseMaterial.objects.bulk_create(rows)
    created: dict[str, Any] = {"channel": channel}
    if forward:
        created["forwarded"] = True
    if matter.realname_onsite:  # the window verified the representative in person
        created["realname_verified"] = True
    _event(
        case=case,
        actor=actor,
        role=role,
        action="create",
        from_state="",
        to_state=S.State.DRAFT,
        data=created,
        now=now,
    )
    if _opened_in_person(role=role, channel=channel):
        visit_record(
            case=case,
            kind=VisitKind.TICKET if ticket is not None else VisitKind.WINDOW,
            actor=actor,
            point=point,
            ticket=ticket,
            at=now,
        )
    if submit or accept:
        case = case_transition(case=case, action="submit", actor=actor, now=now, today=today)
    if accept:
        case = case_transition(case=case, action="accept", actor=actor, now=now, today=today)
    return case


def _opened_in_person(*, role: str, channel: str) -> bool:
    """Staff opened the case with the applicant in front of them: the opening is a visit."""
    return role in (S.CLERK, S.SOCIAL_WORKER, S.MANAGER) and channel in (
        Channel.WINDOW,
        Channel.STREET,
        Channel.COMMUNITY,
    )


def _prepare(
    *,
    matter: Matter,
    actor: User,
    channel: str,
    point: ServicePoint | None = None,
    applicant=None,
    company=None,
    agency=None,
    ticket=None,
    materials: dict[int, dict[str, Any]] | None = None,
    now: dt.datetime,
    forward: bool = False,
    agent=None,
) -> tuple[Case, str, dict[int, Any], dict[int, dict[str, Any]]]:
    """The checks of a new case and its unsaved instance (no number yet): (case, the
    creator's role, the matter's materials by id, the given materials). Writes nothing."""
    if point is None:
        point = matter.district if channel == Channel.ONLINE else getattr(actor, "point", None)
    if point is None:
        raise ValidationFailed(
            _("请指定受理网点。"), code="point_required", fields={"point": [_("必填")]}
        )
    _check_scope(
        matter=matter,
        point=point,
        channel=channel,
        applicant=applicant,
        company=company,
        forward=forward,
    )
    role = _creator_role(
        actor=actor, point=point, applicant=applicant, company=company, channel=channel
    )
    if forward and not (role == S.SOCIAL_WORKER and point.level == PointLevel.COMMUNITY):
        raise Forbidden(
            _("只有社区全能社工可以代居民发起并转办本社区不能受理的事项。"),
            code="forward_not_allowed",
        )
    if role == S.AGENT:
        agency, agent = actor.agency, actor
        channel = Channel.AGENT
    elif agent is not None:
        if not (agent.has_role(Role.AGENT) and agent.agency_id):
            raise ValidationFailed(
                _("代办人不是登记的中介代办员。"), code="not_an_agent", fields={"agent": [""]}
            )
        agency = agent.agency
    if getattr(matter, "realname_onsite", False) and channel in (Channel.ONLINE, Channel.AGENT):
        raise ValidationFailed(
            _("本事项需法定代表人到窗口现场实名核验，不能网上办理。"),
            code="realname_onsite_required",
        )
    if agency is not None and agency.district_id != point.district_id:
        raise ValidationFailed(_("代办机构不属于本区县。"), code="agency_out_of_scope")
    if ticket is not None:
        if role not in (S.CLERK, S.SOCIAL_WORKER, S.MANAGER):
            raise Forbidden(_("只有窗口工作人员可以从号票创建办件。"), code="wrong_role")
        if ticket.point_id not in _point_subtree(actor):
            raise ValidationFailed(
                _("该号票不属于您的网点。"), code="ticket_out_of_scope", fields={"ticket": [""]}
            )
        if ticket.status not in ("serving", "done"):
            raise ValidationFailed(_("号票尚未办理，不能据此受理。"), code="ticket_not_served")
    materials = dict(materials or {})
    listed = getattr(matter, "intake_materials", None)  # read along with the matter
    known = {m.pk: m for m in (matter.materials.all() if listed is None else listed)}
    unknown = [k for k in materials if k not in known]
    if unknown:
        raise ValidationFailed(
            _("材料 %(ids)s 不属于该事项。") % {"ids": ", ".join(map(str, unknown))},
            code="material_not_in_matter",
            fields={"materials": [_("材料不属于该事项")]},
        )

    if agent is not None:
        _check_authorisation(
            matter=matter,
            agent=agent,
            company=company,
            given=materials,
            known=known,
            on=local_today(now),
        )

    case = Case(
        number="",
        district=point.district,
        matter=matter,
        department=matter.department,
        applicant=applicant,
        company=company,
        agency=agency,
        agent=agent,
        channel=channel,
        point=point,
        ticket=ticket,
        created_by=actor,
        state=S.State.DRAFT,
        state_changed_at=now,
    )
    return case, role, known, materials


def _check_authorisation(*, matter: Matter, agent, company, given, known, on: dt.date) -> None:
    """An agent applies for a company only with its authorisation: on file with the agency
    (a letter valid on ``on``, or ``Agency.clients``) or, one-off, the matter's ``agent_only``
    material handed in now."""
    from onetrip.people.services import agent_authorised

    if company is None:
        raise ValidationFailed(
            _("中介代办只能为企业申请。"), code="agent_for_company_only", fields={"applicant": [""]}
        )
    if agent_authorised(agent=agent, company=company, on=on):
        return
    one_off = [pk for pk, m in known.items() if getattr(m, "agent_only", False)]
    if any(
        (given.get(pk) or {}).get("status", "received") == "received"
        for pk in one_off
        if pk in given
    ):
        return
    raise Forbidden(
        _("代办机构未取得“%(company)s”的授权委托，不能代为申请：请提交授权委托书。")
        % {"company": company.name},
        code="authorisation_required",
    )


def _material_rows(
    *, case: Case, known: dict[int, Any], materials: dict[int, dict[str, Any]], today: dt.date
) -> list[CaseMaterial]:
    """The case's material rows (unsaved): given ones as given, the others resolved through
    the material resolvers (government-held, shared data) or missing."""
    rows = []
    for m in known.values():
        required = m.required
        if getattr(m, "agent_only", False):  # the authorisation: for agents only
            required = case.agent_id is not None or case.agent is not None
        cm = CaseMaterial(
            case=case,
            material=m,
            position=m.position,
            name=m.name,
            required=required,
            form=m.form,
            status=MaterialStatus.MISSING,
        )
        given = materials.get(m.pk)
        if given is not None:
            _apply_material(
                case=case,
                cm=cm,
                status=given.get("status", MaterialStatus.RECEIVED),
                count=given.get("count"),
                form=given.get("form"),
                commitment_signed=bool(given.get("commitment_signed")),
                reason=given.get("reason", ""),
                today=today,
            )
        else:
            found = resolve_material(case, m)
            if found is not None and found.unavailable:
                # a shared-data source did not answer: not refused for it — the clerk is told
                # which source and why, and takes the paper copy
                cm.reason = found.source[:300]
            elif found is not None:
                cm.status = MaterialStatus.GOVERNMENT_HELD
                cm.source = (f"{found.source} {found.number}").strip()[:200]
        rows.append(cm)
    return rows


def _point_subtree(actor: User) -> set[int]:
    from onetrip.cases.selectors import point_subtree_ids

    if actor.is_superuser and actor.point_id is None:
        return set(ServicePoint.objects.values_list("pk", flat=True))
    return point_subtree_ids(actor.point)
