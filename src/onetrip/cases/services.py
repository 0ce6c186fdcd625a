"""Writes for cases. ``case_transition`` is the single path for state changes.

Every service takes ``today``/``now`` optionally so tests (and replays) never depend on the
wall clock; by default they are the current time and the current date in Asia/Shanghai.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import secrets
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from onetrip.audit.models import AuditEvent
from onetrip.audit.services import audit_record
from onetrip.cases import states as S
from onetrip.cases.hooks import resolve_material, resolves_without_writes
from onetrip.cases.models import (
    Case,
    CaseCounter,
    CaseEvent,
    CaseFile,
    CaseMaterial,
    Channel,
    DeliveryMethod,
    DepartmentHead,
    MaterialStatus,
    SupplementNotice,
    Visit,
    VisitKind,
)
from onetrip.cases.selectors import (
    _ancestors_for,
    case_for_transition,
    case_materials_json_sql,
    case_roles,
    intake_read,
    local_today,
    material_rows_from_json,
    overdue_q,
    transition_refusal,
)
from onetrip.cases.signals import case_state_changed
from onetrip.catalogue.models import Audience, Matter, PointLevel, ServicePoint
from onetrip.db import InsertParts
from onetrip.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from onetrip.workdays.selectors import WorkdayCalendar
from onetrip.workdays.selectors import working_days_after as _working_days_after
from onetrip.workdays.selectors import working_days_between as _working_days_between

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
SNIFF = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
MAX_EXTENSION_DAYS = 30
EDITABLE_STATES = (S.State.DRAFT, S.State.SUBMITTED, S.State.SUPPLEMENT_REQUESTED)
BAD = (MaterialStatus.MISSING, MaterialStatus.DEFECTIVE)


class IllegalTransition(Conflict):
    code = "illegal_transition"


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


# One working-day calendar per service call (a case creation that also submits and accepts
# computes up to five dates): each scheduled year is read once instead of once per date.
# Never kept beyond the outermost service call, so administrators' edits are seen next time.
_CALENDAR: ContextVar[WorkdayCalendar | None] = ContextVar("cases_calendar", default=None)


@contextmanager
def _shared_calendar():
    if _CALENDAR.get() is not None:
        yield
        return
    token = _CALENDAR.set(WorkdayCalendar())
    try:
        yield
    finally:
        _CALENDAR.reset(token)


def working_days_after(*, start: dt.date, days: int) -> dt.date:
    return _working_days_after(start=start, days=days, calendar=_CALENDAR.get())


def working_days_between(*, start: dt.date, end: dt.date) -> int:
    return _working_days_between(start=start, end=end, calendar=_CALENDAR.get())


def _roles_of(*, case: Case, actor: Any, tracking_token: str | None) -> set[str]:
    """The actor's roles on the case. With no actor but a tracking token, the bearer of the
    case's live token acts as the applicant (the public tracking page); otherwise the system."""
    if actor is None and tracking_token is not None:
        live = case.token_revoked_at is None and secrets.compare_digest(
            case.tracking_token.encode(), str(tracking_token).encode()
        )
        return {S.APPLICANT} if live else set()
    return {S.SYSTEM} if actor is None else case_roles(user=actor, case=case)


# -- numbering -------------------------------------------------------------------------------


def _next_number(*, district: ServicePoint, day: dt.date) -> str:
    """``SC-20171012-00042`` from a per-(district, day) counter row: one UPDATE … RETURNING
    (the row stays locked until the case's transaction ends, so numbers never repeat)."""
    table = CaseCounter._meta.db_table
    sql = f"UPDATE {table} SET last = last + 1 WHERE district_id = %s AND day = %s RETURNING last"
    with connection.cursor() as cur:
        cur.execute(sql, [district.pk, day])
        row = cur.fetchone()
        if row is None:
            CaseCounter.objects.bulk_create(
                [CaseCounter(district=district, day=day, last=0)], ignore_conflicts=True
            )
            cur.execute(sql, [district.pk, day])
            row = cur.fetchone()
    return f"{district.code.upper()}-{day:%Y%m%d}-{int(row[0]):05d}"


def _snapshot(case: Case) -> dict[str, Any]:
    return {
        f.name: getattr(case, f.attname) for f in Case._meta.concrete_fields if not f.primary_key
    }


def _changed(case: Case, before: dict[str, Any]) -> list[str]:
    fields = Case._meta
    return [
        name
        for name, value in before.items()
        if getattr(case, fields.get_field(name).attname) != value
    ]


# -- events ----------------------------------------------------------------------------------


def _event(
    *,
    case: Case,
    actor: Any,
    role: str,
    action: str,
    from_state: str,
    to_state: str,
    note: str = "",
    data: dict | None = None,
    now: dt.datetime,
) -> CaseEvent:
    user = actor if getattr(actor, "is_authenticated", False) else None
    event = CaseEvent.objects.create(
        case=case,
        at=now,
        actor=user,
        role=role,
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data or {},
    )
    audit_record(
        actor=user,
        role=role,
        subject_type="case",
        subject_id=case.number,
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note,
        point=case.point,
        data=data,
    )
    return event


def _send_changed(
    case: Case, from_state: str, to_state: str, action: str, actor: Any, note: str = ""
) -> None:
    transaction.on_commit(
        partial(
            case_state_changed.send,
            sender=Case,
            case=case,
            from_state=from_state,
            to_state=to_state,
            action=action,
            actor=actor,
            note=note,
        )
    )


# -- creation --------------------------------------------------------------------------------


def _check_scope(*, matter: Matter, point: ServicePoint, channel: str, applicant, company) -> None:
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
    if channel not in Channel.values:
        raise ValidationFailed(_("受理渠道无效。"), code="invalid_channel")
    if channel == Channel.ONLINE:
        if not matter.channel_online:
            raise ValidationFailed(_("该事项不支持网上办理。"), code="channel_not_offered")
        return
    level_ok = {
        PointLevel.DISTRICT: matter.level_district,
        PointLevel.STREET: matter.level_street,
        PointLevel.COMMUNITY: matter.level_community,
    }.get(point.level, False)
    if not level_ok:
        raise ValidationFailed(
            _("“%(point)s”不能受理该事项。") % {"point": point.name},
            code="level_not_offered",
            fields={"matter": [_("本网点不可办理")]},
        )


def _creator_role(*, actor: Any, point: ServicePoint, applicant, company, channel: str) -> str:
    if not getattr(actor, "is_authenticated", False):
        raise Forbidden(_("请先登录。"), code="not_authenticated", status=401)
    if actor.is_superuser:
        return S.MANAGER
    if actor.has_role("clerk", "social_worker", "manager") and actor.point_id:
        if actor.point_id in _ancestors_for(actor, point.pk):
            for role in (S.CLERK, S.SOCIAL_WORKER, S.MANAGER):
                if actor.has_role(role):
                    return role
    if channel in (Channel.ONLINE, Channel.AGENT):
        if applicant is not None and applicant.user_id == actor.pk:
            return S.APPLICANT
        if company is not None and company.users.filter(pk=actor.pk).exists():
            return S.APPLICANT
        if company is not None and actor.has_role("agent") and actor.agency_id:
            return S.AGENT
    raise Forbidden(_("您无权为该申请人在此网点创建办件。"), code="wrong_role")


def _later_due(*, case: Case, today: dt.date) -> dt.date:
    days = case.matter.promised_limit_days - 1
    if days < 1:
        raise ValidationFailed(_("该事项承诺时限过短，不适用容缺受理。"), code="later_not_allowed")
    return working_days_after(start=today, days=days)


def _apply_material(
    *,
    case: Case,
    cm: CaseMaterial,
    status: str,
    count: int | None,
    form: str | None,
    commitment_signed: bool,
    reason: str,
    today: dt.date,
) -> None:
    if status not in MaterialStatus.values:
        raise ValidationFailed(
            _("材料状态“%(s)s”无效。") % {"s": status},
            code="invalid_material_status",
            fields={"status": [_("无效")]},
        )
    if status == MaterialStatus.LATER:
        if cm.material is None or not cm.material.later_allowed:
            raise ValidationFailed(
                _("“%(name)s”不是可容缺后补的材料。") % {"name": cm.name},
                code="later_not_allowed",
            )
        if case.bad_credit:
            raise ValidationFailed(
                _("申请人在失信名单中，不适用容缺受理。"), code="later_refused_bad_credit"
            )
        if not commitment_signed:
            raise ValidationFailed(
                _("容缺受理须由申请人签署承诺书。"),
                code="commitment_required",
                fields={"commitment_signed": [_("必填")]},
            )
        cm.later_due = _later_due(case=case, today=today)
        cm.commitment_signed = True
    elif status == MaterialStatus.GOVERNMENT_HELD:
        if cm.material is None or resolve_material(case, cm.material) is None:
            raise ValidationFailed(
                _("“%(name)s”未能从政府共享数据中获取，须由申请人提交。") % {"name": cm.name},
                code="not_government_held",
            )
    elif status == MaterialStatus.DEFECTIVE and not reason:
        raise ValidationFailed(
            _("请写明“%(name)s”不符合要求的原因。") % {"name": cm.name},
            code="reason_required",
            fields={"reason": [_("必填")]},
        )
    if count is not None:
        if count < 0 or count > 99:
            raise ValidationFailed(_("份数无效。"), code="invalid_count")
        cm.count = count
    elif status == MaterialStatus.RECEIVED and not cm.count:
        cm.count = cm.material.count if cm.material else 1
    if form:
        cm.form = form
    if status != MaterialStatus.LATER:
        cm.later_due = None
    cm.status = status
    cm.reason = reason or ("" if status not in BAD else cm.reason)


@_shared_calendar()
@transaction.atomic
def case_create(
    *,
    matter: Matter,
    actor: Any,
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
) -> Case:
    """Open a case. ``materials`` maps a catalogue Material id to ``{status, count, form,
    commitment_signed, reason}``; materials not mentioned are resolved through the hooks
    (government-held, shared data) or recorded as missing.

    ``submit`` moves it to submitted; ``accept`` (window intake) then accepts it on the spot.
    """
    return _create(
        matter=matter,
        actor=actor,
        channel=channel,
        point=point,
        applicant=applicant,
        company=company,
        agency=agency,
        ticket=ticket,
        materials=materials,
        submit=submit,
        accept=accept,
        now=now,
        today=today,
    )


def _prepare(
    *,
    matter: Matter,
    actor: Any,
    channel: str,
    point: ServicePoint | None = None,
    applicant=None,
    company=None,
    agency=None,
    ticket=None,
    materials: dict[int, dict[str, Any]] | None = None,
    now: dt.datetime,
) -> tuple[Case, str, dict[int, Any], dict[int, dict[str, Any]]]:
    """The checks of a new case and its unsaved instance (no number yet): (case, the
    creator's role, the matter's materials by id, the given materials). Writes nothing."""
    if point is None:
        point = matter.district if channel == Channel.ONLINE else getattr(actor, "point", None)
    if point is None:
        raise ValidationFailed(
            _("请指定受理网点。"), code="point_required", fields={"point": [_("必填")]}
        )
    _check_scope(matter=matter, point=point, channel=channel, applicant=applicant, company=company)
    role = _creator_role(
        actor=actor, point=point, applicant=applicant, company=company, channel=channel
    )
    agent = None
    if role == S.AGENT:
        agency, agent = actor.agency, actor
        channel = Channel.AGENT
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


def _material_rows(
    *, case: Case, known: dict[int, Any], materials: dict[int, dict[str, Any]], today: dt.date
) -> list[CaseMaterial]:
    """The case's material rows (unsaved): given ones as given, the others resolved through
    the hooks (government-held, shared data) or missing."""
    rows = []
    for m in known.values():
        cm = CaseMaterial(
            case=case,
            material=m,
            position=m.position,
            name=m.name,
            required=m.required,
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
            if found is not None:
                cm.status = MaterialStatus.GOVERNMENT_HELD
                cm.source = (f"{found.source} {found.number}").strip()[:200]
        rows.append(cm)
    return rows


def _create(
    *,
    matter: Matter,
    actor: Any,
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
) -> Case:
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
    )
    point, channel = case.point, case.channel
    case.number = number or _next_number(district=case.district, day=today)
    case.save()
    rows = _material_rows(case=case, known=known, materials=materials, today=today)
    CaseMaterial.objects.bulk_create(rows)
    _event(
        case=case,
        actor=actor,
        role=role,
        action="create",
        from_state="",
        to_state=S.State.DRAFT,
        data={"channel": channel},
        now=now,
    )
    if role in (S.CLERK, S.SOCIAL_WORKER, S.MANAGER) and channel in (
        Channel.WINDOW,
        Channel.STREET,
        Channel.COMMUNITY,
    ):
        _visit_record(
            case=case,
            kind=VisitKind.TICKET if ticket is not None else VisitKind.WINDOW,
            actor=actor,
            point=point,
            ticket=ticket,
            at=now,
        )
    if submit or accept:
        case = _transition(case=case, action="submit", actor=actor, now=now, today=today)
    if accept:
        case = _transition(case=case, action="accept", actor=actor, now=now, today=today)
    return case


def applicant_resolve(
    *, kind: str, number: str, name: str = "", phone: str = "", actor: Any = None, link_user=None
):
    """The applicant (person) or company with this ID number / credit code, registered when new
    (a name is then required). Numbers are checked with their check digits."""
    from onetrip.people.services import applicant_register, company_register

    number, applicant, company = _registered_holder(kind=kind, number=number)
    if applicant is not None or company is not None:
        return applicant, company
    if not (name or "").strip():
        raise ValidationFailed(
            _("新申请人须填写姓名。") if kind == "individual" else _("新企业须填写企业名称。"),
            code="applicant_name_required",
            fields={"applicant.name": [_("必填")]},
        )
    if kind == "individual":
        return applicant_register(
            name=name, id_number=number, phone=phone, actor=actor, user=link_user
        ), None
    return None, company_register(name=name, credit_code=number, phone=phone, actor=actor)


def _clean_holder_number(*, kind: str, number: str) -> str:
    """An ID number (individual) or credit code (company) checked by its check digits, cleaned;
    no database access."""
    from onetrip.people.validators import clean_credit_code, clean_id_number

    if kind == "individual":
        return clean_id_number(number, field="applicant.number")
    if kind == "company":
        return clean_credit_code(number, field="applicant.number")
    raise ValidationFailed(
        _("申请人类型须为个人或企业。"),
        code="invalid_applicant_kind",
        fields={"applicant.kind": [_("无效")]},
    )


def _registered_holder(*, kind: str, number: str) -> tuple[str, Any, Any]:
    """(cleaned number, applicant, company): who is already registered under this ID number /
    credit code ((number, None, None) when nobody is)."""
    from onetrip.people.models import Applicant, Company

    number = _clean_holder_number(kind=kind, number=number)
    if kind == "individual":
        return number, Applicant.objects.filter(id_number=number).first(), None
    return number, None, Company.objects.filter(credit_code=number).first()


@_shared_calendar()
def case_open(
    *,
    actor: Any,
    matter_code: str,
    applicant_kind: str,
    applicant_number: str,
    applicant_name: str = "",
    applicant_phone: str = "",
    channel: str = Channel.WINDOW,
    point: ServicePoint | None = None,
    district: ServicePoint | None = None,
    ticket=None,
    materials: list[dict[str, Any]] | None = None,
    submit: bool = True,
    accept: bool = False,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
) -> Case:
    """Validate raw input (matter code in the scope, applicant numbers) and open a case.
    Used by the API and the intake page; everything rolls back on any error.

    The case number comes from one counter row per district and day, which every window of
    the district would otherwise hold locked for the whole intake transaction (the case, its
    materials, events, visit, submission and acceptance): intake would be serialised district
    wide. So a window intake on PostgreSQL, not called inside someone else's transaction, takes
    its number like a database sequence — in its own one-statement transaction, after the
    checks that need no writes (point, matter, the caller's role, the applicant's number, the
    materials list) and just before the intake transaction. Numbers stay unique and never go
    backwards; an intake refused after that point (e.g. materials incomplete at acceptance)
    leaves a gap in the day's numbers. Online and agent applications, SQLite and callers that
    hold a transaction take the number inside the transaction, gap-free."""
    now = _now(now)
    today = today or local_today(now)
    matter = holder = None
    if point is None and channel != Channel.ONLINE and getattr(actor, "point_id", None):
        if connection.vendor == "postgresql":  # point, matter and applicant in one query
            id_number = _checked_id_number(kind=applicant_kind, number=applicant_number)
            point, matter, applicant = intake_read(
                point_id=actor.point_id,
                matter_code=matter_code,
                user=actor,
                id_number=id_number,
                year=today.year,
                calendar=_CALENDAR.get(),
            ) or (None, None, None)
            if id_number:
                holder = (applicant, None)
        else:
            point = (
                ServicePoint.objects.select_related("district").filter(pk=actor.point_id).first()
            )
    scope = point.district if point is not None else district
    if scope is None:
        raise ValidationFailed(
            _("请指定受理网点或区县。"), code="point_required", fields={"point": [_("必填")]}
        )
    if matter is None:
        matter = (
            Matter.objects.select_related("department", "district")
            .filter(district=scope, code=matter_code or "")
            .first()
        )
    if matter is None:
        raise ValidationFailed(
            _("本区县没有事项“%(code)s”。") % {"code": matter_code},
            code="matter_not_found",
            fields={"matter": [_("事项不存在")]},
        )
    given: dict[int, dict[str, Any]] = {}
    for item in materials or []:
        try:
            given[int(item["material"])] = item
        except (KeyError, TypeError, ValueError):
            raise ValidationFailed(
                _("材料项无效。"), code="invalid_material", fields={"materials": [_("无效")]}
            ) from None
    number = None
    if (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and channel not in (Channel.ONLINE, Channel.AGENT)
        and point is not None
    ):
        opened = _open_in_one_statement(
            actor=actor,
            matter=matter,
            point=point,
            channel=channel,
            applicant_kind=applicant_kind,
            applicant_number=applicant_number,
            holder=holder,
            ticket=ticket,
            given=given,
            submit=submit,
            accept=accept,
            now=now,
            today=today,
        )
        if opened is not None:
            return opened
        _clean_holder_number(kind=applicant_kind, number=applicant_number)
        _check_scope(
            matter=matter,
            point=point,
            channel=channel,
            applicant=object() if applicant_kind == "individual" else None,
            company=object() if applicant_kind == "company" else None,
        )
        _creator_role(actor=actor, point=point, applicant=None, company=None, channel=channel)
        number = _next_number(district=point.district, day=today)  # autocommit: lock ends here
    with transaction.atomic():
        link_user = None
        if channel == Channel.ONLINE and applicant_kind == "individual":
            from onetrip.people.models import Applicant

            if not Applicant.objects.filter(user=actor).exists():
                link_user = actor
        applicant, company = applicant_resolve(
            kind=applicant_kind,
            number=applicant_number,
            name=applicant_name,
            phone=applicant_phone,
            actor=actor,
            link_user=link_user,
        )
        return _create(
            matter=matter,
            actor=actor,
            channel=channel,
            point=point if channel != Channel.ONLINE else matter.district,
            applicant=applicant,
            company=company,
            ticket=ticket,
            materials=given,
            submit=submit,
            accept=accept,
            now=now,
            today=today,
            number=number,
        )


def _checked_id_number(*, kind: str, number: str) -> str:
    """The cleaned ID number of an individual applicant, or "" (a company, or a number that
    fails its check: the intake reports that later, in its usual order)."""
    if kind != "individual":
        return ""
    try:
        return _clean_holder_number(kind=kind, number=number)
    except DomainError:
        return ""


def _open_in_one_statement(
    *,
    actor: Any,
    matter: Matter,
    point: ServicePoint,
    channel: str,
    applicant_kind: str,
    applicant_number: str,
    holder: tuple | None,
    ticket,
    given: dict[int, dict[str, Any]],
    submit: bool,
    accept: bool,
    now: dt.datetime,
    today: dt.date,
) -> Case | None:
    """PostgreSQL, a window intake outside a caller's transaction (every web request), for an
    applicant already registered and materials that resolve without writing (see
    ``hooks.resolves_without_writes``): everything is checked and decided in memory by the same
    functions as the ORM path (``_prepare``, ``_material_rows``, ``_decide`` for submit and
    accept), then ONE statement takes the day's number from the counter and writes the case,
    its materials, one CaseEvent and one audit record per step (create, submit, accept) and the
    visit. The counter row is locked only while that statement runs, and a refusal (e.g.
    materials incomplete at acceptance) happens before it, so it costs no number. Returns None
    when the intake needs the ORM path (new applicant, a resolver that may write)."""
    if holder is None:
        holder = _registered_holder(kind=applicant_kind, number=applicant_number)[1:]
    applicant, company = holder
    if applicant is None and company is None:
        return None
    case, role, known, materials = _prepare(
        matter=matter,
        actor=actor,
        channel=channel,
        point=point,
        applicant=applicant,
        company=company,
        ticket=ticket,
        materials=given,
        now=now,
    )
    if any(pk not in materials and not resolves_without_writes(m) for pk, m in known.items()):
        return None
    rows = _material_rows(case=case, known=known, materials=materials, today=today)
    user = actor if getattr(actor, "is_authenticated", False) else None
    visit = None
    if role in (S.CLERK, S.SOCIAL_WORKER, S.MANAGER) and case.channel in (
        Channel.WINDOW,
        Channel.STREET,
        Channel.COMMUNITY,
    ):
        visit = Visit(
            kind=VisitKind.TICKET if ticket is not None else VisitKind.WINDOW,
            at=now,
            point=case.point,
            ticket=ticket,
            recorded_by=user,
        )
        case.visit_count = 1
    steps = [(role, "create", "", S.State.DRAFT, {"channel": case.channel})]
    told = []
    actions = (["submit"] if submit or accept else []) + (["accept"] if accept else [])
    case._unsaved_materials = rows
    try:
        for action in actions:
            r, from_state, to_state, data_out = _decide(
                case,
                action=action,
                actor=actor,
                note="",
                now=now,
                today=today,
                tracking_token=None,
                data={},
            )
            steps.append((r, action, from_state, to_state, data_out))
            told.append((copy.copy(case), from_state, to_state, action))
    finally:
        del case._unsaved_materials
    quote = connection.ops.quote_name
    counter = quote(CaseCounter._meta.db_table)
    number_sql = (
        "%s || CASE WHEN n.last < 100000 THEN lpad(n.last::text, 5, '0') ELSE n.last::text END"
    )
    prefix = f"{case.district.code.upper()}-{today:%Y%m%d}-"
    row = InsertParts(case, exprs={"number": (number_sql, [prefix])})
    ctes = [
        f"n AS (INSERT INTO {counter} (district_id, day, last) VALUES (%s, %s, 1)"
        f" ON CONFLICT (district_id, day) DO UPDATE SET last = {counter}.last + 1"
        " RETURNING last)",
        f"c AS ({row.insert_select('n', 'id, number')})",
    ]
    params: list[Any] = [case.district_id, today, *row.params]

    # Each INSERT reads the row the one before returned, so the rows get their ids in this
    # order (materials by position, events create → submit → accept), as the ORM path's do.
    def chain(name: str, objs: list, column: str, first: str, returning: str) -> None:
        source, value = "c", first
        for i, obj in enumerate(objs):
            part = InsertParts(obj, exprs={column: (value, [])})
            ctes.append(f"{name}{i} AS ({part.insert_select(source, f'id, {returning}')})")
            params.extend(part.params)
            source, value = f"{name}{i}", f"{name}{i}.{returning}"

    chain("m", rows, "case_id", "c.id", "case_id")
    events = [
        CaseEvent(at=now, actor=user, role=r, action=a, from_state=f, to_state=t, note="", data=d)
        for r, a, f, t, d in steps
    ]
    chain("e", events, "case_id", "c.id", "case_id")
    audits = [
        AuditEvent(
            actor=user,
            role=r,
            subject_type="case",
            action=a,
            from_state=f,
            to_state=t,
            note="",
            point=case.point,
            data=d,
        )
        for r, a, f, t, d in steps
    ]
    chain("a", audits, "subject_id", "c.number", "subject_id")
    if visit is not None:
        chain("v", [visit], "case_id", "c.id", "case_id")
    material_ids = ", ".join(f"(SELECT id FROM m{i})" for i in range(len(rows)))
    sql = f"WITH {', '.join(ctes)} SELECT c.id, c.number{', ' if rows else ''}{material_ids} FROM c"
    with connection.cursor() as cur:
        cur.execute(sql, params)
        case.pk, case.number, *ids = cur.fetchone()
    case._state.adding = False
    case._state.db = connection.alias
    for cm, pk in zip(rows, ids, strict=True):
        cm.pk, cm.case_id = pk, case.pk
        cm._state.adding = False
    # the reply's materials, as ``selectors.case_material_rows`` would read them back
    rows.sort(key=lambda cm: (cm.position, cm.pk))
    case._material_rows = [
        {
            "id": cm.pk,
            "name": cm.name,
            "required": cm.required,
            "status": cm.status,
            "count": cm.count,
            "reason": cm.reason,
            "later_due": cm.later_due,
            "files": 0,
        }
        for cm in rows
    ]
    for snapshot, from_state, to_state, action in told:
        snapshot.pk, snapshot.number = case.pk, case.number
        snapshot._state.adding = False
        snapshot.__dict__.pop("_unsaved_materials", None)
        _send_changed(snapshot, from_state, to_state, action, actor, "")
    return case


def _point_subtree(actor: Any) -> set[int]:
    from onetrip.cases.selectors import point_subtree_ids

    if actor.is_superuser and actor.point_id is None:
        return set(ServicePoint.objects.values_list("pk", flat=True))
    return point_subtree_ids(actor.point)


# -- visits ----------------------------------------------------------------------------------


@transaction.atomic
def visit_record(
    *,
    case: Case,
    kind: str,
    actor: Any,
    point: ServicePoint | None = None,
    ticket=None,
    at: dt.datetime | None = None,
) -> Visit:
    """Record one in-person visit; ``case.visit_count`` is kept equal to the visits recorded."""
    return _visit_record(case=case, kind=kind, actor=actor, point=point, ticket=ticket, at=at)


def _visit_record(*, case, kind, actor, point=None, ticket=None, at=None) -> Visit:
    """``visit_record`` without its own savepoint, for services already in a transaction."""
    if kind not in VisitKind.values:
        raise ValidationFailed(_("到场类型无效。"), code="invalid_visit_kind")
    if ticket is not None and Visit.objects.filter(case=case, ticket=ticket).exists():
        raise Conflict(_("该号票的到场已记录。"), code="visit_exists")
    visit = Visit.objects.create(
        case=case,
        kind=kind,
        at=_now(at),
        point=point or case.point,
        ticket=ticket,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    table = Case._meta.db_table
    with connection.cursor() as cur:  # count and read back in one statement
        cur.execute(
            f"UPDATE {table} SET visit_count = visit_count + 1 WHERE id = %s RETURNING visit_count",
            [case.pk],
        )
        case.visit_count = int(cur.fetchone()[0])
    return visit


# -- transitions -----------------------------------------------------------------------------


def _unpause(case: Case, today: dt.date) -> int:
    """Move due dates forward by the working days spent paused; returns that number."""
    if case.paused_since is None:
        return 0
    waited = max(working_days_between(start=case.paused_since, end=today), 0)
    if waited and case.promised_due:
        case.promised_due = working_days_after(start=case.promised_due, days=waited)
    if waited and case.legal_due:
        case.legal_due = working_days_after(start=case.legal_due, days=waited)
    case.paused_days += waited
    case.paused_since = None
    return waited


def _clean_items(case: Case, items: Any) -> list[tuple[CaseMaterial, str, str]]:
    if not isinstance(items, list | tuple) or not items:
        raise ValidationFailed(
            _("请至少列出一项需补正的材料。"), code="items_required", fields={"items": [_("必填")]}
        )
    by_id = {cm.pk: cm for cm in case.materials.select_related("material")}
    cleaned = []
    for item in items:
        try:
            cm = by_id[int(item["material"])]
        except (KeyError, TypeError, ValueError):
            raise ValidationFailed(
                _("补正项中的材料不属于该办件。"),
                code="material_not_in_case",
                fields={"items": [_("材料无效")]},
            ) from None
        status = item.get("status") or MaterialStatus.MISSING
        if status not in BAD:
            raise ValidationFailed(
                _("补正项的状态只能是“缺少”或“不符合要求”。"), code="invalid_material_status"
            )
        reason = (item.get("reason") or "").strip()
        if not reason:
            if status == MaterialStatus.DEFECTIVE:
                raise ValidationFailed(
                    _("请写明“%(name)s”不符合要求的原因。") % {"name": cm.name},
                    code="reason_required",
                    fields={"items": [_("须写明原因")]},
                )
            reason = _("未提交该材料")
        cleaned.append((cm, status, reason[:300]))
    return cleaned


def _do_accept(case, *, today, note, data, actor, now):
    # a case not yet written (the one-statement intake) carries its material rows along
    materials = getattr(case, "_unsaved_materials", None)
    if materials is None:
        materials = list(case.materials.all())
    bad = [cm.name for cm in materials if cm.required and cm.status in BAD]
    if bad:
        raise ValidationFailed(
            _("材料不齐，不能受理：%(names)s。请出具一次性告知书或不予受理。")
            % {"names": "、".join(bad)},
            code="materials_incomplete",
        )
    case.accepted_at = now
    case.accepted_on = today
    case.promised_due = working_days_after(start=today, days=case.matter.promised_limit_days)
    case.legal_due = working_days_after(start=today, days=case.matter.legal_limit_days)
    if case.legal_due < case.promised_due:
        case.legal_due = case.promised_due
    for cm in (cm for cm in materials if cm.status == MaterialStatus.LATER):
        if cm.later_due is None or cm.later_due >= case.promised_due:
            cm.later_due = working_days_after(
                start=today, days=max(case.matter.promised_limit_days - 1, 0)
            )
            if cm.pk is not None:
                cm.save(update_fields=["later_due"])


def _do_request_supplement(case, *, today, note, data, actor, now):
    items = _clean_items(case, data.get("items"))
    if case.supplement_rounds >= 1 and not note:
        raise ValidationFailed(
            _("再次要求补正须由管理者写明理由。"),
            code="manager_reason_required",
            fields={"note": [_("必填")]},
        )
    for cm, status, reason in items:
        cm.status, cm.reason = status, reason
        cm.save(update_fields=["status", "reason", "updated_at"])
    case.supplement_rounds += 1
    case.paused_since = today
    flagged = {cm.pk for cm, _status, _reason in items}
    # The notice lists every required material still missing or defective, plus any optional one
    # the reviewer flagged now; an optional material simply not handed in is not asked for.
    everything = [
        {
            "material": cm.pk,
            "name": cm.name,
            "status": cm.status,
            "reason": cm.reason,
            "form": cm.form,
            "count": cm.material.count if cm.material else 1,
        }
        for cm in case.materials.select_related("material")
        if cm.status in BAD and (cm.required or cm.pk in flagged)
    ]
    SupplementNotice.objects.create(
        case=case,
        round=case.supplement_rounds,
        items=everything,
        note=note if case.supplement_rounds == 1 else "",
        manager_reason=note if case.supplement_rounds > 1 else "",
        due=working_days_after(start=today, days=S.STATES[S.State.SUPPLEMENT_REQUESTED].limit_days),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return {"round": case.supplement_rounds, "items": len(everything)}


def _do_resubmit(case, *, today, note, data, actor, now):
    bad = [cm.name for cm in case.materials.all() if cm.required and cm.status in BAD]
    if bad:
        raise ValidationFailed(
            _("仍有材料未补齐：%(names)s。") % {"names": "、".join(bad)},
            code="supplement_incomplete",
        )
    case.supplement_notices.filter(answered_at__isnull=True).update(answered_at=now)
    return {"paused_working_days": _unpause(case, today)}


def _do_suspend(case, *, today, note, data, actor, now):
    case.previous_state = case.state
    case.paused_since = today
    case.suspension_reason = note


def _do_resume(case, *, today, note, data, actor, now):
    return {"paused_working_days": _unpause(case, today)}


def _do_extend(case, *, today, note, data, actor, now):
    try:
        days = int(data.get("days"))
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ValidationFailed(
            _("延长天数须为1至%(max)s个工作日。") % {"max": MAX_EXTENSION_DAYS},
            code="invalid_days",
            fields={"days": [_("无效")]},
        )
    case.promised_due = working_days_after(start=case.promised_due, days=days)
    case.legal_due = working_days_after(start=case.legal_due, days=days)
    case.extended_days = days
    case.extension_reason = note
    return {"days": days}


def _do_decide(case, *, today, note, data, actor, now):
    case.decided_at = now
    case.decision_reason = note


def _do_refuse(case, *, today, note, data, actor, now):
    case.refusal_reason = note


def _do_deliver(case, *, today, note, data, actor, now):
    method = data.get("method")
    if method not in DeliveryMethod.values:
        raise ValidationFailed(
            _("请选择送达方式。"), code="invalid_delivery_method", fields={"method": [_("必填")]}
        )
    case.delivery_method = method
    case.delivery_note = (note or "")[:200]
    case.delivered_at = now
    if method == DeliveryMethod.WINDOW:
        _visit_record(
            case=case,
            kind=VisitKind.PICKUP,
            actor=actor,
            point=getattr(actor, "point", None),
            at=now,
        )
    return {"method": method}


def _do_submit(case, *, today, note, data, actor, now):
    case.submitted_at = now


def _do_close(case, *, today, note, data, actor, now):
    case.closed_at = now


def _do_withdraw(case, *, today, note, data, actor, now):
    case.paused_since = None


def _do_nothing(case, **kwargs):
    return None


HANDLERS = {
    "submit": _do_submit,
    "start_review": _do_nothing,
    "accept": _do_accept,
    "refuse": _do_refuse,
    "request_supplement": _do_request_supplement,
    "resubmit": _do_resubmit,
    "suspend": _do_suspend,
    "resume": _do_resume,
    "extend": _do_extend,
    "approve": _do_decide,
    "reject": _do_decide,
    "deliver": _do_deliver,
    "close": _do_close,
    "withdraw": _do_withdraw,
}

REFUSALS = {
    "unknown_action": (ValidationFailed, _lazy("未知的操作。")),
    "illegal_transition": (
        IllegalTransition,
        _lazy("办件当前状态“%(state)s”下不能执行“%(action)s”。"),
    ),
    "wrong_role": (Forbidden, _lazy("您在该办件上的角色无权执行“%(action)s”。")),
    "already_extended": (Conflict, _lazy("该办件已延长过一次期限，不能再次延长。")),
    "second_supplement_needs_manager": (
        Forbidden,
        _lazy("该办件已一次性告知过，再次要求补正须由管理者批准并写明理由。"),
    ),
}


@_shared_calendar()
@transaction.atomic
def case_transition(
    *,
    case: Case,
    action: str,
    actor: Any,
    note: str = "",
    now: dt.datetime | None = None,
    today: dt.date | None = None,
    tracking_token: str | None = None,
    **data: Any,
) -> Case:
    """Take ``action`` on ``case`` as ``actor`` (None: the system). Validates the move against
    the transition table, the actor's role on this case and the action's own rules; writes one
    CaseEvent and one audit event; sends ``case_state_changed`` after commit."""
    return _transition(
        case=case,
        action=action,
        actor=actor,
        note=note,
        now=now,
        today=today,
        tracking_token=tracking_token,
        **data,
    )


def _transition(
    *,
    case: Case,
    action: str,
    actor: Any,
    note: str = "",
    now: dt.datetime | None = None,
    today: dt.date | None = None,
    tracking_token: str | None = None,
    **data: Any,
) -> Case:
    """``case_transition`` without its own savepoint, for services already in a transaction."""
    now = _now(now)
    today = today or local_today(now)
    note = (note or "").strip()
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("matter", "department", "applicant", "company", "point", "district")
        .get(pk=case.pk)
    )
    before = _snapshot(case)
    role, from_state, to_state, data_out = _decide(
        case,
        action=action,
        actor=actor,
        note=note,
        now=now,
        today=today,
        tracking_token=tracking_token,
        data=data,
    )
    case.save(update_fields=_changed(case, before))  # the columns this action changed
    _event(
        case=case,
        actor=actor,
        role=role,
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data_out,
        now=now,
    )
    _send_changed(case, from_state, to_state, action, actor, note)
    return case


def _decide(
    case: Case,
    *,
    action: str,
    actor: Any,
    note: str,
    now: dt.datetime,
    today: dt.date,
    tracking_token: str | None,
    data: dict[str, Any],
) -> tuple[str, str, str, dict[str, Any]]:
    """Check ``action`` against the table, the actor's roles on the case and the action's own
    rules, then apply it to the instance (state, dates, handler fields). Writes nothing but
    what the action's handler writes itself. Returns (role, from_state, to_state, event data)."""
    roles = _roles_of(case=case, actor=actor, tracking_token=tracking_token)
    if not roles:
        raise NotFound(_("未找到该办件。"), code="case_not_found")
    refusal = transition_refusal(case=case, action=action, roles=roles)
    if refusal:
        exc, message = REFUSALS[refusal]
        t = S.TRANSITIONS.get(action)
        raise exc(
            str(message) % {"state": S.state_label(case.state), "action": t.label if t else action},
            code=refusal,
        )
    t = S.TRANSITIONS[action]
    if t.needs_note and not note:
        raise ValidationFailed(
            _("“%(action)s”须写明理由。") % {"action": t.label},
            code="note_required",
            fields={"note": [_("必填")]},
        )
    role = next((r for r in t.roles if r in roles), S.SYSTEM)
    from_state = case.state
    extra = HANDLERS[action](case, today=today, note=note, data=data, actor=actor, now=now) or {}
    if t.target == S.PREVIOUS:
        to_state = case.previous_state or S.State.IN_REVIEW
        case.previous_state = ""
    elif t.target == S.SAME:
        to_state = from_state
    else:
        to_state = t.target
    info = S.STATES[to_state]
    if to_state != from_state:
        case.state = to_state
        case.state_changed_at = now
        if info.limit_days is not None:
            case.state_due = working_days_after(start=today, days=info.limit_days)
        elif info.clock_runs:
            case.state_due = case.promised_due
        else:
            case.state_due = None
    elif info.clock_runs:
        case.state_due = case.promised_due
    if case.overdue_at and case.promised_due and case.promised_due >= today:
        case.overdue_at = None
    data_out = {k: v for k, v in extra.items()}
    if case.promised_due:
        data_out["promised_due"] = case.promised_due.isoformat()
    return role, from_state, to_state, data_out


#: Actions whose handlers write nothing but columns of the case row (the one-statement path).
ONE_STATEMENT_ACTIONS = frozenset(
    {
        "submit",
        "start_review",
        "refuse",
        "suspend",
        "resume",
        "extend",
        "approve",
        "reject",
        "deliver",
        "close",
        "withdraw",
    }
)


def case_transition_by_number(
    *,
    number: str,
    action: str,
    actor: Any,
    note: str = "",
    now: dt.datetime | None = None,
    today: dt.date | None = None,
    **data: Any,
) -> Case:
    """``case_transition`` for the case with this number (the API's path): same checks, same
    writes, same errors (a case the actor may not see is not found).

    On PostgreSQL, outside a caller's transaction, an action that writes only the case row
    (``ONE_STATEMENT_ACTIONS``; not a delivery at the window, which records a visit) is
    decided on an unlocked read and written by ONE statement: the case UPDATE, guarded by the
    row version read (``xmin``), with its CaseEvent and audit INSERTs chained to it. If the row
    changed in between, nothing is written and the action is taken again the usual way (row
    lock, fresh read, fresh checks)."""
    if (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and action in ONE_STATEMENT_ACTIONS
        and not (action == "deliver" and data.get("method") == DeliveryMethod.WINDOW)
    ):
        done = _transition_in_one_statement(
            number=number, action=action, actor=actor, note=note, now=now, today=today, data=data
        )
        if done is not None:
            return done
    pk = Case.objects.filter(number=number).values_list("pk", flat=True).first()
    if pk is None:
        raise NotFound(_("未找到该办件。"), code="case_not_found")
    return case_transition(
        case=Case(pk=pk), action=action, actor=actor, note=note, now=now, today=today, **data
    )


@_shared_calendar()
def _transition_in_one_statement(
    *,
    number: str,
    action: str,
    actor: Any,
    note: str,
    now: dt.datetime | None,
    today: dt.date | None,
    data: dict[str, Any],
) -> Case | None:
    """See ``case_transition_by_number``. None: the row changed after it was read."""
    now = _now(now)
    today = today or local_today(now)
    note = (note or "").strip()
    found = case_for_transition(
        number=number, user=actor, year=today.year, calendar=_CALENDAR.get()
    )
    if found is None:
        raise NotFound(_("未找到该办件。"), code="case_not_found")
    case, version = found
    before = _snapshot(case)
    role, from_state, to_state, data_out = _decide(
        case,
        action=action,
        actor=actor,
        note=note,
        now=now,
        today=today,
        tracking_token=None,
        data=data,
    )
    meta = Case._meta
    quote = connection.ops.quote_name
    sets, params = [], []
    for name in _changed(case, before) or ["state"]:
        field = meta.get_field(name)
        sets.append(f"{quote(field.column)} = %s")
        params.append(field.get_db_prep_save(getattr(case, field.attname), connection))
    user = actor if getattr(actor, "is_authenticated", False) else None
    event = InsertParts(
        CaseEvent(
            case=case,
            at=now,
            actor=user,
            role=role,
            action=action,
            from_state=from_state,
            to_state=to_state,
            note=note,
            data=data_out,
        ),
        exprs={"case_id": ("u.id", [])},
    )
    audit = InsertParts(
        AuditEvent(
            actor=user,
            role=role,
            subject_type="case",
            subject_id=case.number,
            action=action,
            from_state=from_state,
            to_state=to_state,
            note=note,
            point=case.point,
            data=data_out,
        )
    )
    sql = (
        f"WITH u AS (UPDATE {quote(meta.db_table)} SET {', '.join(sets)}"
        " WHERE id = %s AND xmin::text = %s RETURNING id),"
        f" e AS ({event.insert_select('u')}),"
        f" a AS ({audit.insert_select('u')})"
        f" SELECT (SELECT count(*) FROM u), {case_materials_json_sql()}"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [*params, case.pk, version, *event.params, *audit.params, case.pk])
        written, materials = cur.fetchone()
    if not written:
        return None
    case._material_rows = material_rows_from_json(materials)
    _send_changed(case, from_state, to_state, action, actor, note)
    return case


# -- materials and uploads -------------------------------------------------------------------


def _material_for_update(
    *, case: Case, actor: Any, case_material_id: Any, tracking_token: str | None = None
):
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("matter", "applicant", "company", "point")
        .get(pk=case.pk)
    )
    if actor is None and tracking_token is None:
        roles: set[str] = set()
    else:
        roles = _roles_of(case=case, actor=actor, tracking_token=tracking_token)
    if not roles:
        raise NotFound(_("未找到该办件。"), code="case_not_found")
    try:
        cm = case.materials.select_related("material").get(pk=int(case_material_id))
    except (CaseMaterial.DoesNotExist, TypeError, ValueError):
        raise ValidationFailed(
            _("该材料不属于此办件。"),
            code="material_not_in_case",
            fields={"material": [_("无效")]},
        ) from None
    return case, cm, roles


def _may_edit(case: Case, cm: CaseMaterial, new_status: str, roles: set[str]) -> None:
    later_in = cm.status == MaterialStatus.LATER and new_status == MaterialStatus.RECEIVED
    if case.state not in EDITABLE_STATES and not (later_in and case.state in S.OPEN):
        raise Conflict(
            _("办件当前状态“%(state)s”下不能修改材料。") % {"state": S.state_label(case.state)},
            code="materials_locked",
        )
    staff = roles & {S.CLERK, S.SOCIAL_WORKER, S.MANAGER, S.REVIEWER}
    if not staff and new_status != MaterialStatus.RECEIVED:
        raise Forbidden(_("申请人只能提交材料，不能更改材料状态。"), code="wrong_role")


@_shared_calendar()
@transaction.atomic
def case_material_update(
    *,
    case: Case,
    case_material_id: int,
    actor: Any,
    status: str,
    count: int | None = None,
    form: str | None = None,
    commitment_signed: bool = False,
    reason: str = "",
    now: dt.datetime | None = None,
    today: dt.date | None = None,
) -> CaseMaterial:
    now = _now(now)
    today = today or local_today(now)
    case, cm, roles = _material_for_update(
        case=case, actor=actor, case_material_id=case_material_id
    )
    _may_edit(case, cm, status, roles)
    old = cm.status
    _apply_material(
        case=case,
        cm=cm,
        status=status,
        count=count,
        form=form,
        commitment_signed=commitment_signed,
        reason=(reason or "").strip(),
        today=today,
    )
    cm.save()
    _event(
        case=case,
        actor=actor,
        role=sorted(roles)[0],
        action="material",
        from_state=case.state,
        to_state=case.state,
        note=f"{cm.name}: {old} → {cm.status}",
        data={"material": cm.pk, "from": old, "to": cm.status},
        now=now,
    )
    return cm


def sniff_upload(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, ext in SNIFF:
        if head.startswith(magic):
            return content_type, ext
    return None


@transaction.atomic
def case_file_upload(
    *,
    case: Case,
    case_material_id: int,
    actor: Any,
    upload: Any,
    now: dt.datetime | None = None,
    tracking_token: str | None = None,
) -> CaseFile:
    """Store an uploaded scan for a material and mark it received.

    Only PDF, JPEG and PNG by their first bytes (the client's name and content type are ignored);
    at most ``MAX_UPLOAD_BYTES``; stored under a random UUID name with the sniffed extension.
    """
    now = _now(now)
    if upload is None:
        raise ValidationFailed(
            _("请选择要上传的文件。"), code="file_required", fields={"file": [_("必填")]}
        )
    size = getattr(upload, "size", None) or 0
    if size > MAX_UPLOAD_BYTES:
        raise ValidationFailed(
            _("文件过大：最大 %(mb)s MB。") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
            code="file_too_large",
            fields={"file": [_("文件过大")]},
            status=413,
        )
    if size == 0:
        raise ValidationFailed(_("文件为空。"), code="file_empty", fields={"file": [_("空文件")]})
    upload.seek(0)
    kind = sniff_upload(upload.read(8))
    if kind is None:
        raise ValidationFailed(
            _("只接受 PDF、JPEG、PNG 文件。"),
            code="file_type_not_allowed",
            fields={"file": [_("文件类型不允许")]},
            status=415,
        )
    case, cm, roles = _material_for_update(
        case=case,
        actor=actor,
        case_material_id=case_material_id,
        tracking_token=tracking_token,
    )
    _may_edit(case, cm, MaterialStatus.RECEIVED, roles)
    content_type, ext = kind
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
        digest.update(chunk)
    upload.seek(0)
    record = CaseFile(
        case_material=cm,
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record.file.save(uuid.uuid4().hex + ext, upload, save=False)
    record.save()
    old = cm.status
    cm.status = MaterialStatus.RECEIVED
    cm.count = max(cm.count, 1)
    cm.later_due = None
    cm.save()
    _event(
        case=case,
        actor=actor,
        role=sorted(roles)[0],
        action="upload",
        from_state=case.state,
        to_state=case.state,
        note=f"{cm.name}: {old} → {cm.status}",
        data={"material": cm.pk, "file": record.pk, "content_type": content_type, "size": size},
        now=now,
    )
    return record


# -- overdue sweep ---------------------------------------------------------------------------


def department_head(*, department) -> Any:
    head = DepartmentHead.objects.filter(department=department).select_related("user").first()
    if head is not None and head.user.is_active:
        return head.user
    from onetrip.people.models import User

    return (
        User.objects.filter(
            is_active=True, groups__name="manager", point__district_id=department.district_id
        )
        .order_by("id")
        .first()
    )


def cases_sweep_overdue(*, today: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """Mark overdue cases (once), escalate each to its department head, audit and signal.

    Each case is handled in its own transaction with ``skip_locked`` so two sweepers (or a
    sweeper and a clerk) never fight over a row. Returns the number of cases marked.
    """
    now = _now(now)
    today = today or local_today(now)
    ids = list(
        Case.objects.filter(overdue_q(today=today), overdue_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    marked = 0
    for pk in ids:
        with transaction.atomic():
            case = (
                Case.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("department", "point")
                .filter(pk=pk, overdue_at__isnull=True)
                .filter(overdue_q(today=today))
                .first()
            )
            if case is None:
                continue
            head = department_head(department=case.department)
            case.overdue_at = now
            case.escalated_to = head
            case.escalated_at = now
            case.save(update_fields=["overdue_at", "escalated_to", "escalated_at"])
            _event(
                case=case,
                actor=None,
                role=S.SYSTEM,
                action="escalate",
                from_state=case.state,
                to_state=case.state,
                note=_("办件超期，已督办至 %(who)s。") % {"who": head or _("（未设部门负责人）")},
                data={
                    "escalated_to": head.pk if head else None,
                    "promised_due": case.promised_due.isoformat() if case.promised_due else None,
                },
                now=now,
            )
            _send_changed(case, case.state, case.state, "escalate", None)
            marked += 1
    return marked


__all__ = [
    "DomainError",
    "IllegalTransition",
    "case_create",
    "case_file_upload",
    "case_material_update",
    "case_transition",
    "case_transition_by_number",
    "cases_sweep_overdue",
    "visit_record",
]
