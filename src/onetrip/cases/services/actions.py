"""What each case action does besides moving the state (``HANDLERS``, one per action of
``states.TRANSITIONS``): the dates it sets, the rows it writes, the event data it returns."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from onetrip.access import signed_in
from onetrip.cases import states as S
from onetrip.cases.models import (
    Case,
    CaseMaterial,
    DeliveryMethod,
    MaterialStatus,
    SupplementNotice,
    VisitKind,
)
from onetrip.cases.services.base import BAD, working_days_after, working_days_between
from onetrip.cases.services.visits import visit_record
from onetrip.catalogue.rules import decision_kind, later_days
from onetrip.errors import ValidationFailed

if TYPE_CHECKING:
    from onetrip.people.models import User

MAX_EXTENSION_DAYS = 30


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


def _do_accept(case, *, today, note, data, actor, now, materials=None):
    # ``materials``: the rows of a case not yet written (the one-statement intake)
    if materials is None:
        materials = list(case.materials.all())
    bad = [
        # a shared-data source that did not answer is named, with the way on: the paper copy
        f"{cm.name}（{cm.reason}）"
        if cm.reason and cm.status == MaterialStatus.MISSING
        else cm.name
        for cm in materials
        if cm.required and cm.status in BAD
    ]
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
    days = later_days(case.matter) or 0
    for cm in (cm for cm in materials if cm.status == MaterialStatus.LATER):
        if cm.later_due is None or cm.later_due > case.promised_due:
            cm.later_due = working_days_after(start=today, days=days)
            if cm.pk is not None:
                cm.save(update_fields=["later_due"])


def _notice_item(cm: CaseMaterial) -> dict[str, Any]:
    """One line of a one-time notice (一次性告知书): a material still missing or defective."""
    return {
        "material": cm.pk,
        "name": cm.name,
        "status": cm.status,
        "reason": cm.reason,
        "form": cm.form,
        "count": cm.material.count if cm.material else 1,
    }


def _notice_write(
    case: Case, *, items: list[dict[str, Any]], today: dt.date, actor: User | None, **texts: str
) -> SupplementNotice:
    """The case's notice of this supplement round (``texts``: its note / manager_reason),
    due within the supplement state's limit."""
    limit = S.STATES[S.State.SUPPLEMENT_REQUESTED].limit_days
    assert limit is not None  # the supplement state has a limit in the table
    return SupplementNotice.objects.create(
        case=case,
        round=case.supplement_rounds,
        items=items,
        due=working_days_after(start=today, days=limit),
        created_by=signed_in(actor),
        **texts,
    )


def _do_request_supplement(case, *, today, note, data, actor, now, materials=None):
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
        _notice_item(cm)
        for cm in case.materials.select_related("material")
        if cm.status in BAD and (cm.required or cm.pk in flagged)
    ]
    _notice_write(
        case,
        items=everything,
        today=today,
        actor=actor,
        note=note if case.supplement_rounds == 1 else "",
        manager_reason=note if case.supplement_rounds > 1 else "",
    )
    return {"round": case.supplement_rounds, "items": len(everything)}


def _do_notify_missing(case, *, today, note, data, actor, now, materials=None):
    """The one-time notice at the window (一次性告知): an intake that is not complete is not
    refused — every missing or defective required material is listed at once, the applicant
    is told by SMS with the tracking link and completes it from the tracking page (no second
    visit where the matter allows); the case is then accepted. Counts as the first notice."""
    rows = list(case.materials.select_related("material"))
    bad = [cm for cm in rows if cm.required and cm.status in BAD]
    if not bad:
        raise ValidationFailed(
            _("材料齐全，无需出具一次性告知书，请直接受理。"), code="materials_complete"
        )
    for cm in bad:
        if not cm.reason:
            cm.reason = _("未提交该材料") if cm.status == MaterialStatus.MISSING else cm.reason
            cm.save(update_fields=["reason", "updated_at"])
    case.supplement_rounds += 1
    items = [_notice_item(cm) for cm in bad]
    _notice_write(case, items=items, today=today, actor=actor, note=note)
    return {"round": case.supplement_rounds, "items": len(items), "at_window": True}


def _do_resubmit(case, *, today, note, data, actor, now, materials=None):
    bad = [cm.name for cm in case.materials.all() if cm.required and cm.status in BAD]
    if bad:
        raise ValidationFailed(
            _("仍有材料未补齐：%(names)s。") % {"names": "、".join(bad)},
            code="supplement_incomplete",
        )
    case.supplement_notices.filter(answered_at__isnull=True).update(answered_at=now)
    return {"paused_working_days": _unpause(case, today)}


def _do_suspend(case, *, today, note, data, actor, now, materials=None):
    case.previous_state = case.state
    case.paused_since = today
    case.suspension_reason = note


def _do_resume(case, *, today, note, data, actor, now, materials=None):
    return {"paused_working_days": _unpause(case, today)}


def _do_extend(case, *, today, note, data, actor, now, materials=None):
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


def _do_decide(case, *, today, note, data, actor, now, materials=None):
    case.decided_at = now
    case.decision_reason = note
    case.decision = decision_kind(case.matter, approved=False)


def result_documents(case: Case) -> list[dict[str, str]]:
    """What an approval issues (stored on the case): the matter's result document with its
    number — for a company being founded, its business licence, numbered by the credit code
    the registration issues (``people.services.credit_code_for``), and the code itself."""
    from onetrip.people.services import credit_code_for

    matter = case.matter
    title = matter.result_name or matter.name
    company = case.company
    if matter.founding and company is not None:
        code = company.credit_code or credit_code_for(company=company)
        return [
            {"kind": matter.result_type, "title": title, "number": code},
            {"kind": "credit_code", "title": str(_("统一社会信用代码")), "number": code},
        ]
    prefix = {"licence": "XK", "card": "KZ", "filing": "BA", "certificate": "ZM"}.get(
        matter.result_type, "WS"
    )
    return [{"kind": matter.result_type, "title": title, "number": f"{prefix}{case.number}"}]


def _do_approve(case, *, today, note, data, actor, now, materials=None):
    """准予…: the decision per the matter's result, the documents issued; a company being
    founded is registered (it gets its credit code) in the same transaction."""
    from onetrip.people.services import company_credit_code_issue

    case.decided_at = now
    case.decision_reason = note
    case.decision = decision_kind(case.matter, approved=True)
    case.documents = result_documents(case)
    if case.matter.founding and case.company_id and not case.company.credit_code:
        case.company = company_credit_code_issue(company=case.company, actor=actor)
        _share_new_licence(case, today=today)
    return {"decision": case.decision, "documents": case.documents}


def _share_new_licence(case: Case, *, today: dt.date) -> None:
    """The new business licence joins the shared data, so no later matter asks for it."""
    from onetrip.sharing.services import shared_document_issue

    company = case.company
    if company is None or not company.credit_code:
        return
    shared_document_issue(
        kind="business_licence",
        holder_number=company.credit_code,
        holder_name=company.name,
        title=case.matter.result_name or str(_("营业执照")),
        number=company.credit_code,
        source_department=case.department,
        issued_on=today,
    )


def _do_refuse(case, *, today, note, data, actor, now, materials=None):
    case.refusal_reason = note


def _same_visit(case, point, now: dt.datetime) -> bool:
    """An instant matter (即办件) handed over where and on the day the applicant came: issued on
    the spot in the same visit, not another one. (A committed matter's pickup is a new trip.)"""
    from django.utils import timezone

    if case.matter.kind != "instant":
        return False

    from onetrip.cases.models import Visit

    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return Visit.objects.filter(
        case=case, point_id=getattr(point, "pk", None) or case.point_id, at__gte=start, at__lte=now
    ).exists()


def _do_deliver(case, *, today, note, data, actor, now, materials=None):
    method = data.get("method")
    if method not in DeliveryMethod.values:
        raise ValidationFailed(
            _("请选择送达方式。"), code="invalid_delivery_method", fields={"method": [_("必填")]}
        )
    case.delivery_method = method
    case.delivery_note = (note or "")[:200]
    case.delivered_at = now
    if method == DeliveryMethod.WINDOW and not _same_visit(
        case, getattr(actor, "point", None), now
    ):
        visit_record(
            case=case,
            kind=VisitKind.PICKUP,
            actor=actor,
            point=getattr(actor, "point", None),
            at=now,
        )
    return {"method": method}


def _do_submit(case, *, today, note, data, actor, now, materials=None):
    case.submitted_at = now


def _do_close(case, *, today, note, data, actor, now, materials=None):
    case.closed_at = now


def _do_withdraw(case, *, today, note, data, actor, now, materials=None):
    case.paused_since = None


def _do_nothing(case, **kwargs):
    return None


#: Each handler: ``(case, *, today, note, data, actor, now, materials=None)``, applies the action
#: to the instance and returns the event's extra data (or None). It may write only the tables
#: its transition declares (``states.Transition.writes``); ``materials`` are the material rows
#: of a case not written yet (the one-statement intake), else None (read them from the case).
HANDLERS = {
    "submit": _do_submit,
    "start_review": _do_nothing,
    "accept": _do_accept,
    "refuse": _do_refuse,
    "request_supplement": _do_request_supplement,
    "notify_missing": _do_notify_missing,
    "resubmit": _do_resubmit,
    "suspend": _do_suspend,
    "resume": _do_resume,
    "extend": _do_extend,
    "approve": _do_approve,
    "reject": _do_decide,
    "deliver": _do_deliver,
    "close": _do_close,
    "withdraw": _do_withdraw,
}
