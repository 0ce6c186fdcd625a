"""One scripted journey through the service functions, for a matter and a kind of applicant:
pre-check at window zero, then the route the pre-check gives (online, or ticket → window, or a
nearby point), the 容缺 materials answered from the tracking page, review, decision, delivery.

Nothing here decides what the matter allows: the catalogue's rule set (``catalogue.rules``)
and the pre-check's answer do; the script only does what an applicant and the staff would."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from onetrip.cases.models import Case, MaterialStatus
from onetrip.cases.services import case_open, case_transition
from onetrip.catalogue.rules import ApplicantKind, matter_rules
from onetrip.intake.services import precheck_run
from onetrip.queueing.models import Queue
from onetrip.queueing.services import ticket_call_next, ticket_issue, ticket_start
from tests.journeys.conftest import NOW, PDF

LATER = dt.timedelta(hours=2)


def upload(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def holder_number(p: SimpleNamespace, kind: str) -> str:
    if kind == ApplicantKind.PERSON:
        return p.person.id_number
    if kind == ApplicantKind.FOUNDER:
        return p.founder.id_number
    if kind == ApplicantKind.AGENT and p.matter.founding:
        return p.founder.id_number
    return p.company.credit_code


def applicant_args(p: SimpleNamespace, kind: str) -> dict[str, Any]:
    """What the window types in for each kind of applicant (case_open's raw input)."""
    if kind == ApplicantKind.PERSON:
        return {"applicant_kind": "person", "applicant_number": p.person.id_number}
    if kind == ApplicantKind.COMPANY:
        return {"applicant_kind": "company", "applicant_number": p.company.credit_code}
    if kind == ApplicantKind.FOUNDER:
        return {
            "applicant_kind": "founder",
            "applicant_number": p.founder.id_number,
            "applicant_name": p.founder.name,
            "company_name": p.new_company_name,
        }
    if p.matter.founding:
        return {
            "applicant_kind": "agent",
            "applicant_number": p.founder.id_number,
            "applicant_name": p.founder.name,
            "company_name": p.new_company_name,
            "agent": p.agent,
        }
    return {"applicant_kind": "agent", "applicant_number": p.company.credit_code, "agent": p.agent}


def online_apply_as(p: SimpleNamespace, kind: str, *, uploads: dict, later: list[int], now):
    """The online application (网上办) through the real service, as the applicant (or the
    agent) sends it from ``/apply/``: the way they apply (themselves, their company, a company
    they found, an agent's client), the form as prefilled with the rest typed from the samples,
    each scan uploaded, the 容缺 materials left for later on the signed commitment."""
    from onetrip.intake.apply_selectors import (
        form_fields_for_holder,
        form_initial,
        holder_fits,
        holders_for,
    )
    from onetrip.intake.apply_services import online_apply

    actor, key = {
        ApplicantKind.PERSON: (p.person_user, "me"),
        ApplicantKind.COMPANY: (p.company_user, f"company-{p.company.pk}"),
        ApplicantKind.FOUNDER: (p.founder_user, "found"),
        ApplicantKind.AGENT: (p.agent, f"client-{p.company.pk}"),
    }[kind]
    holder = {h["key"]: h for h in holders_for(user=actor, on=now.date())}[key]
    assert holder_fits(matter=p.matter, holder=holder), (p.matter.code, kind)
    initial = form_initial(holder=holder, user=actor)
    if kind == ApplicantKind.FOUNDER:
        initial["company_name"] = p.new_company_name
    form = {}  # what the browser posts: the form's fields, prefilled, the rest from samples
    for field in form_fields_for_holder(matter=p.matter, holder=holder):
        form[field["name"]] = initial.get(field["name"]) or (
            field["sample"] if field["required"] else ""
        )
    return online_apply(
        actor=actor,
        matter=p.matter,
        holder_key=key,
        form_data=form,
        delivery="post",
        delivery_address="杭州市上城区解放路 100 号",
        uploads=uploads,
        later=later,
        commitment_signed=bool(later),
        now=now,
    )


def run(p: SimpleNamespace, kind: str) -> SimpleNamespace:
    """The journey; returns what happened (case, route, visits promised)."""
    matter = p.matter
    rules = matter_rules(matter=matter, applicant_kind=kind)
    assert rules.allowed, rules.refusal
    number = holder_number(p, kind)
    first = precheck_run(
        matter=matter,
        applicant_kind=kind,
        holder_number=number,
        materials_at_hand=[],
        actor=p.guide,
        on=NOW.date(),
    )
    # The one-time notice names everything at once: bring exactly that and the check passes.
    bring = [m["id"] for m in first.missing]
    check = precheck_run(
        matter=matter,
        applicant_kind=kind,
        holder_number=number,
        materials_at_hand=bring,
        actor=p.guide,
        on=NOW.date(),
    )
    assert check.complete, check.missing
    later = [m["id"] for m in check.later]
    route = check.next_step
    now = NOW
    if route == "online":
        case = online_apply_as(
            p, kind, uploads={pk: upload() for pk in bring}, later=later, now=now
        )
    elif route in ("ticket", "nearest_point"):
        given = [{"material": pk, "status": "received"} for pk in bring] + [
            {"material": pk, "status": "later", "commitment_signed": True} for pk in later
        ]
        if route == "ticket":
            queue = Queue.objects.get(pk=check.next_detail["queue"]["id"])
            ticket = ticket_issue(queue=queue, phone="13800000009", now=now)
            called = ticket_call_next(window=p.window, user=p.clerk, now=now)
            assert called.pk == ticket.pk
            ticket = ticket_start(window=p.window, user=p.clerk, ticket=called, now=now)
            clerk, channel = p.clerk, "window"
        else:
            point = p.points[check.next_detail["points"][0]["code"]]
            ticket, clerk, channel = None, p.street_clerks[point.code], point.level
        case = case_open(
            actor=clerk,
            matter_code=matter.code,
            channel=channel,
            ticket=ticket,
            materials=given,
            accept=True,
            now=now,
            **applicant_args(p, kind),
        )
    else:  # pragma: no cover - the sample catalogue offers no other route yet
        raise AssertionError(f"route {route} not scripted")
    case = Case.objects.get(pk=case.pk)
    if case.state == "submitted":  # online: the window checks and accepts it, no visit
        case = case_transition(case=case, action="accept", actor=p.clerk, now=now)
    now += LATER
    case = case_transition(case=case, action="start_review", actor=p.reviewer, now=now)
    owed = list(case.materials.filter(status=MaterialStatus.LATER))
    if owed:  # 容缺: the reviewer asks for it once; the applicant answers from the tracking page
        from onetrip.tracking.services import supplement_submit, supplement_upload

        case = case_transition(
            case=case,
            action="request_supplement",
            actor=p.reviewer,
            now=now,
            items=[{"material": cm.pk} for cm in owed],
        )
        for cm in owed:
            supplement_upload(
                token=case.tracking_token, case_material_id=cm.pk, upload=upload(), now=now
            )
        case = supplement_submit(token=case.tracking_token, now=now)
        case = case_transition(case=case, action="start_review", actor=p.reviewer, now=now)
    case = case_transition(case=case, action="approve", actor=p.reviewer, now=now)
    case = case_transition(
        case=case, action="deliver", actor=p.reviewer, now=now, method="post", note="EMS"
    )
    case.refresh_from_db()
    return SimpleNamespace(case=case, route=route, rules=rules, precheck=check)
