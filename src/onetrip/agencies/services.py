"""Writes of the agency workspace: status with reasons, authorisations, batches, their thread,
consolidated supplement notices and joint delivery. One transaction each; nothing is written
when any part of the input is bad."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.access import is_active_user, is_district_manager
from onetrip.agencies.models import (
    AgencyStatusChange,
    Authorisation,
    Batch,
    BatchCase,
    BatchMessage,
    BatchNotice,
    BatchRoute,
    BatchState,
    JointDelivery,
)
from onetrip.agencies.rules import matter_open_to_agents
from onetrip.audit.services import audit_record
from onetrip.clock import local_today
from onetrip.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ValidationFailed,
    limited_text,
    required_text,
)
from onetrip.people.models import Agency, AgencyStatus, Company
from onetrip.people.selectors import authorisation_in_force
from onetrip.roles import Role
from onetrip.uploads import PDF_OR_IMAGE, Refusal, UploadLimits, checked_files

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from onetrip.cases.models import Case
    from onetrip.catalogue.models import Matter
    from onetrip.people.models import User
    from onetrip.queueing.models import Ticket

#: the case states in which a case of a batch is finished (nothing more to decide)
DECIDED = ("approved", "rejected", "refused", "withdrawn", "delivered", "closed")
MAX_BATCH_ROWS = 200


# ------------------------------------------------------------------ register


@transaction.atomic
def agency_status_set(*, agency: Agency, status: str, reason: str, actor: User) -> Agency:
    """Warn, suspend or reinstate an agency, with the reason kept in its history."""
    if not is_district_manager(actor, agency.district_id):
        raise Forbidden(_("只有本区管理者可以变更代办机构状态。"), code="forbidden")
    if status not in AgencyStatus.values:
        raise ValidationFailed(_("状态无效。"), code="invalid_status", fields={"status": [""]})
    reason = required_text(reason, _("请写明理由。"), code="reason_required", field="reason")
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if agency.status == status:
        raise Conflict(_("代办机构已是该状态。"), code="status_unchanged")
    before = agency.status
    agency.status, agency.status_reason = status, reason[:2000]
    agency.save(update_fields=["status", "status_reason"])
    AgencyStatusChange.objects.create(
        agency=agency, from_status=before, to_status=status, reason=reason[:2000], actor=actor
    )
    audit_record(
        agency,
        "agency.status",
        actor=actor,
        from_state=before,
        to_state=status,
        note=reason[:500],
        role=Role.MANAGER,
    )
    return agency


MAX_LETTER_BYTES = 5 * 1024 * 1024
LETTER_LIMITS = UploadLimits(max_count=1, max_bytes=MAX_LETTER_BYTES, types=PDF_OR_IMAGE)


def _letter_refusal(why: Refusal) -> ValidationFailed:
    if why is Refusal.TOO_LARGE:
        return ValidationFailed(
            _("委托书文件过大（不超过 5 MB）。"), code="file_too_large", status=413
        )
    return ValidationFailed(  # empty, or not a PDF, JPEG or PNG
        _("委托书只接受 PDF、JPEG、PNG 文件。"), code="file_type_not_allowed", status=415
    )


def _check_letter(letter: Any) -> None:
    """An authorisation letter is a PDF, JPEG or PNG (by its first bytes), at most 5 MB; it is
    stored under a random name with the sniffed extension."""
    (checked,) = checked_files(uploads=[letter], limits=LETTER_LIMITS, refuse=_letter_refusal)
    letter.name = f"{uuid.uuid4().hex}{checked.ext}"


@transaction.atomic
def authorisation_create(
    *,
    agency: Agency,
    company: Company,
    valid_from: dt.date,
    valid_until: dt.date,
    actor: User,
    reference: str = "",
    letter: Any = None,
) -> Authorisation:
    """Record a company's authorisation letter for an agency (by its agent or a manager)."""
    own_agent = bool(
        getattr(actor, "is_authenticated", False)
        and actor.has_role(Role.AGENT)
        and actor.agency_id == agency.pk
    )
    if not (own_agent or is_district_manager(actor, agency.district_id)):
        raise Forbidden(_("无权为该代办机构登记授权委托。"), code="forbidden")
    if valid_until < valid_from:
        raise ValidationFailed(
            _("有效期结束日期不能早于开始日期。"),
            code="invalid_period",
            fields={"valid_until": [_("早于开始日期")]},
        )
    if letter is not None:
        _check_letter(letter)
    auth = Authorisation(
        agency=agency,
        company=company,
        valid_from=valid_from,
        valid_until=valid_until,
        reference=(reference or "")[:60],
        created_by=actor,
    )
    if letter is not None:
        auth.letter = letter
    auth.save()
    agency.clients.add(company)
    audit_record(
        agency,
        "agency.authorisation",
        actor=actor,
        to_state="valid",
        note=f"{company.pk} {valid_from}..{valid_until}",
    )
    return auth


# ------------------------------------------------------------------ batches


@dataclass
class BatchRow:
    credit_code: str
    matter_code: str
    company_name: str = ""
    #: names of the materials handed in; None: every material to hand in was handed in
    materials: list[str] | None = None
    row: int = 0


class BatchEntry(Protocol):
    """A row as submitted, before it is numbered: a spreadsheet's row or the API's."""

    @property
    def credit_code(self) -> str: ...
    @property
    def matter_code(self) -> str: ...
    @property
    def company_name(self) -> str: ...
    @property
    def materials(self) -> list[str] | None: ...


def batch_rows(entries: Iterable[BatchEntry], *, start: int = 1) -> list[BatchRow]:
    """The entries as a batch's rows, numbered from ``start``."""
    return [
        BatchRow(
            credit_code=e.credit_code,
            matter_code=e.matter_code,
            company_name=e.company_name,
            materials=e.materials,
            row=n,
        )
        for n, e in enumerate(entries, start=start)
    ]


def _valid_authorisation(agency: Agency, company: Company, day: dt.date) -> Authorisation | None:
    return (
        Authorisation.objects.filter(authorisation_in_force(day), agency=agency, company=company)
        .order_by("-valid_until")
        .first()
    )


def _check_rows(*, agency: Agency, rows: list[BatchRow], today: dt.date) -> list[dict]:
    """Every row checked against the register and the catalogue; returns the plan or raises
    one ValidationFailed naming every bad row."""
    from stdnum.cn import uscc
    from stdnum.exceptions import ValidationError as StdnumError

    from onetrip.catalogue.models import Matter

    if not rows:
        raise ValidationFailed(_("批次中没有任何企业。"), code="batch_empty")
    if len(rows) > MAX_BATCH_ROWS:
        raise ValidationFailed(
            _("一个批次最多 %(n)s 行，请分批提交。") % {"n": MAX_BATCH_ROWS},
            code="batch_too_many_rows",
        )
    matters = {
        m.code: m
        for m in Matter.objects.filter(
            district_id=agency.district_id, code__in={r.matter_code for r in rows}
        ).prefetch_related("materials")
    }
    errors: dict[str, list[str]] = {}
    plan = []
    seen: set[tuple[str, str]] = set()
    for i, r in enumerate(rows, start=1):
        n = r.row or i
        bad: list[str] = []
        company = auth = None
        code = (r.credit_code or "").strip().upper()
        try:
            code = uscc.validate(code)
        except StdnumError:
            bad.append(_("统一社会信用代码“%(c)s”无效") % {"c": code[:40]})
        else:
            company = Company.objects.filter(credit_code=code).first()
            if company is None:
                bad.append(_("企业未登记，请先登记企业及其授权委托书"))
            else:
                auth = _valid_authorisation(agency, company, today)
                if auth is None:
                    expired = Authorisation.objects.filter(agency=agency, company=company).exists()
                    bad.append(
                        _("授权委托书已过期或已撤销")
                        if expired
                        else _("本机构没有该企业的授权委托书")
                    )
        matter = matters.get((r.matter_code or "").strip())
        if matter is None or not matter.is_active:
            bad.append(_("事项编码“%(c)s”不存在") % {"c": (r.matter_code or "")[:60]})
        elif not matter_open_to_agents(matter):
            bad.append(_("“%(m)s”不接受中介代办") % {"m": matter.name})
        materials: dict[int, dict[str, Any]] = {}
        if matter is not None and not bad:
            by_name = {m.name: m for m in matter.materials.all()}
            if r.materials is None:
                wanted = [m for m in by_name.values() if not m.government_held]
            else:
                unknown = [name for name in r.materials if name not in by_name]
                if unknown:
                    bad.append(_("材料不属于该事项：%(n)s") % {"n": "、".join(unknown)[:200]})
                wanted = [by_name[name] for name in r.materials if name in by_name]
            materials = {m.pk: {"status": "received"} for m in wanted}
        if company is not None and matter is not None:
            key = (company.credit_code or "", matter.code)
            if key in seen:
                bad.append(_("同一企业同一事项重复"))
            seen.add(key)
        if bad:
            errors[f"row_{n}"] = bad
        else:
            plan.append(
                {
                    "row": n,
                    "company": company,
                    "matter": matter,
                    "auth": auth,
                    "materials": materials,
                }
            )
    if errors:
        raise ValidationFailed(
            _("批次有 %(n)s 行不符合要求，整批未提交：%(rows)s。")
            % {
                "n": len(errors),
                "rows": "；".join(f"{k[4:]}: {'，'.join(v)}" for k, v in errors.items())[:900],
            },
            code="batch_invalid",
            fields=errors,
        )
    return plan


def _complete(matter: Matter, materials: dict[int, Any]) -> bool:
    """Every material the matter requires is handed in or held by the government."""
    return all(
        m.pk in materials or m.government_held or not m.required for m in matter.materials.all()
    )


def _batch_number(batch: Batch, today: dt.date) -> str:
    """PC + the local date + the row id: unique by construction, so two agents submitting at
    the same moment never get the same number (no counter to race on)."""
    return f"PC{today:%Y%m%d}{batch.pk:06d}"


@transaction.atomic
def batch_submit(
    *,
    actor: User,
    rows: list[BatchRow],
    route: str = BatchRoute.ONLINE,
    agent: User | None = None,
    ticket: Ticket | None = None,
    source: str = "form",
) -> Batch:
    """Submit one batch: a case per row (company × matter), each with its own materials and the
    company's authorisation. Online, the agent submits; at the agent window a clerk takes the
    agent's batch in one visit (``agent`` = the agent present, ``ticket`` = their ticket) and
    accepts every complete case on the spot. Any bad row rejects the whole batch."""
    from onetrip.cases.services import case_create, visit_record

    if route not in BatchRoute.values:
        raise ValidationFailed(_("提交方式无效。"), code="invalid_route")
    if route == BatchRoute.ONLINE:
        agent = actor
        if not (getattr(actor, "is_authenticated", False) and actor.has_role(Role.AGENT)):
            raise Forbidden(_("只有代办员可以网上提交代办批次。"), code="wrong_role")
    else:
        if not (
            getattr(actor, "is_authenticated", False)
            and actor.has_role(Role.CLERK, Role.MANAGER)
            and actor.point_id
        ):
            raise Forbidden(_("只有窗口工作人员可以在窗口受理代办批次。"), code="wrong_role")
        if agent is None or not agent.has_role(Role.AGENT):
            raise ValidationFailed(_("请指定到场的代办员。"), code="agent_required")
    if not agent.agency_id:
        raise Forbidden(_("您的账号未关联代办机构。"), code="no_agency")
    agency = Agency.objects.select_for_update().get(pk=agent.agency_id)
    if agency.status == AgencyStatus.SUSPENDED:
        raise Forbidden(
            _("代办机构“%(name)s”已被暂停代办业务，不能提交：%(reason)s")
            % {"name": agency.name, "reason": agency.status_reason or "-"},
            code="agency_suspended",
        )
    today = local_today()
    plan = _check_rows(agency=agency, rows=rows, today=today)
    district = agency.district
    point = district if route == BatchRoute.ONLINE else actor.point
    if point is None or point.district_id != district.pk:
        raise ValidationFailed(_("代办机构不属于本区县。"), code="agency_out_of_scope")
    batch = Batch.objects.create(
        number=f"tmp-{uuid.uuid4().hex[:24]}",
        agency=agency,
        agent=agent,
        district=district,
        point=point,
        route=route,
        source=source[:12],
        ticket=ticket,
        created_by=actor,
        visit_count=1 if route == BatchRoute.WINDOW else 0,
    )
    batch.number = _batch_number(batch, today)
    Batch.objects.filter(pk=batch.pk).update(number=batch.number)
    at_window = route == BatchRoute.WINDOW
    for item in plan:
        # online the agent submits each case; at the window the clerk accepts every complete
        # one on the spot, and the agent's one visit (their ticket) serves every case
        case = case_create(
            matter=item["matter"],
            actor=actor,
            channel="agent",
            point=point,
            company=item["company"],
            agency=agency if at_window else None,
            ticket=ticket if at_window else None,
            materials=item["materials"],
            submit=True,
            accept=at_window and _complete(item["matter"], item["materials"]),
        )
        if at_window:
            visit_record(case=case, kind="window", actor=actor, point=point, ticket=ticket)
        BatchCase.objects.create(
            batch=batch, case=case, row=item["row"], authorisation=item["auth"]
        )
    audit_record(
        batch,
        "batch.submit",
        actor=actor,
        to_state=BatchState.HELD,
        note=f"{len(plan)} cases, {route}",
        data={"agency": agency.pk, "cases": len(plan), "route": route},
    )
    return batch


def _batch_for_update(batch: Batch) -> Batch:
    return Batch.objects.select_for_update().select_related("agency").get(pk=batch.pk)


def batch_roles(*, user: User | AnonymousUser | None, batch: Batch) -> set[str]:
    """'agent' for the agency's own agents; 'staff' for the district's clerks, reviewers and
    managers; empty: no access (the batch is not found for them)."""
    if not is_active_user(user):
        return set()
    roles = set()
    if user.is_superuser:
        return {"staff"}
    if user.has_role(Role.AGENT) and user.agency_id == batch.agency_id:
        roles.add("agent")
    if (
        user.has_role(Role.CLERK, Role.REVIEWER, Role.MANAGER)
        and user.point is not None
        and user.point.district_id == batch.district_id
    ):
        roles.add("staff")
    return roles


@transaction.atomic
def batch_message_post(*, batch: Batch, actor: User, body: str) -> BatchMessage:
    roles = batch_roles(user=actor, batch=batch)
    if not roles:
        raise NotFound(_("未找到该批次。"), code="batch_not_found")
    body = required_text(body, _("请输入留言内容。"), code="body_required", field="body")
    body = limited_text(body, 2000, _("留言不超过2000字。"), code="body_too_long", field="body")
    msg = BatchMessage.objects.create(
        batch=batch, author=actor, role="agent" if "agent" in roles else "staff", body=body
    )
    audit_record(batch, "batch.message", actor=actor)
    return msg


@transaction.atomic
def batch_case_supplement_noted(*, case: Case) -> BatchNotice | None:
    """A case of a batch was asked for a supplement: add it to the batch's open notice for the
    current round (one consolidated notice per round), or open the next round's notice."""
    item = BatchCase.objects.filter(case=case).select_related("batch").first()
    if item is None:
        return None
    batch = _batch_for_update(item.batch)
    notice = batch.notices.filter(answered_at__isnull=True).order_by("-round").first()
    if notice is None:
        last = batch.notices.order_by("-round").values_list("round", flat=True).first() or 0
        notice = BatchNotice.objects.create(batch=batch, round=last + 1, items=[])
    latest = case.supplement_notices.order_by("-round").first()
    entry = {
        "case": case.number,
        "company": case.company.name if case.company is not None else "",
        "matter": case.matter.name,
        "round": latest.round if latest else case.supplement_rounds,
        "items": [
            {"name": i.get("name", ""), "reason": i.get("reason", "")}
            for i in (latest.items if latest else [])
        ],
    }
    notice.items = [e for e in notice.items if e.get("case") != case.number] + [entry]
    notice.save(update_fields=["items"])
    audit_record(batch, "batch.notice", actor=None, to_state=str(notice.round), note=case.number)
    return notice


@transaction.atomic
def batch_refresh(*, batch: Batch, now: dt.datetime | None = None) -> Batch:
    """Close answered notice rounds and move the batch to READY once every case is decided."""
    now = now or timezone.now()
    batch = _batch_for_update(batch)
    states = list(batch.items.values_list("case__state", flat=True))
    waiting = any(s == "supplement_requested" for s in states)
    if not waiting:
        batch.notices.filter(answered_at__isnull=True).update(answered_at=now)
    if batch.state == BatchState.HELD and states and all(s in DECIDED for s in states):
        batch.state, batch.ready_at = BatchState.READY, now
        batch.save(update_fields=["state", "ready_at"])
        audit_record(
            batch, "batch.ready", actor=None, from_state=BatchState.HELD, to_state=BatchState.READY
        )
    return batch


@transaction.atomic
def batch_deliver(*, batch: Batch, method: str, actor: User, note: str = "") -> Batch:
    """Joint delivery (统一送达): every decided case of the batch delivered together, by one
    pickup at the agent window or one postal delivery. A pickup is one visit for the batch;
    it is refused when it would make any case exceed the visits its matter promises."""
    from onetrip.cases.services import case_transition

    if "staff" not in batch_roles(user=actor, batch=batch):
        raise Forbidden(_("只有工作人员可以登记统一送达。"), code="forbidden")
    if method not in JointDelivery.values:
        raise ValidationFailed(
            _("请选择统一送达方式。"), code="invalid_delivery_method", fields={"method": [""]}
        )
    note = (note or "").strip()
    if method == JointDelivery.POST and not note:
        raise ValidationFailed(
            _("邮寄送达请填写邮件号。"), code="tracking_number_required", fields={"note": [""]}
        )
    batch = _batch_for_update(batch)
    if batch.state != BatchState.READY:
        raise Conflict(_("批次中仍有办件未办结，不能统一送达。"), code="batch_not_ready")
    items = list(batch.items.select_related("case__matter"))
    if method == JointDelivery.PICKUP:
        over = [
            i.case.number
            for i in items
            if i.case.state in ("approved", "rejected")
            and i.case.visit_count + 1 > i.case.matter.visits_needed
        ]
        if over:
            raise ValidationFailed(
                _("窗口领取会超出事项承诺的跑动次数（%(cases)s），请改为邮寄送达。")
                % {"cases": "、".join(over)},
                code="promise_exceeded",
            )
    case_method = "window" if method == JointDelivery.PICKUP else "post"
    for i in items:
        if i.case.state in ("approved", "rejected"):
            case_transition(
                case=i.case, action="deliver", actor=actor, note=note[:200], method=case_method
            )
    before = batch.state
    batch.state = BatchState.DELIVERED
    batch.delivered_at = timezone.now()
    batch.delivery_method = method
    batch.delivery_note = note[:200]
    if method == JointDelivery.PICKUP:
        batch.visit_count += 1
    batch.save(
        update_fields=["state", "delivered_at", "delivery_method", "delivery_note", "visit_count"]
    )
    audit_record(
        batch,
        "batch.deliver",
        actor=actor,
        from_state=before,
        to_state=BatchState.DELIVERED,
        note=note[:200],
        data={"method": method, "cases": len(items)},
    )
    return batch
