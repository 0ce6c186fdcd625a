"""Pages for cases: intake at the window, the case page, the back-office queue, notices and
printable PDFs. Thin: every read goes through selectors, every write through services."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onetrip.cases import lists, services
from onetrip.cases import selectors as sel
from onetrip.cases import states as S
from onetrip.cases.models import Case, DeliveryMethod, MaterialStatus
from onetrip.catalogue.models import Department, Matter, PointLevel
from onetrip.clock import local_today
from onetrip.db import parse_id
from onetrip.documents import pdf_response, render_pdf
from onetrip.errors import DomainError, ValidationFailed
from onetrip.masking import mask_id_number, mask_id_numbers_in, mask_name
from onetrip.pages import flash_posted, forbidden_page
from onetrip.qr import qr_svg
from onetrip.roles import Role

FRONT_ROLES = (Role.CLERK, Role.SOCIAL_WORKER, Role.MANAGER)


def _channel_for(point) -> str:
    return {PointLevel.STREET: "street", PointLevel.COMMUNITY: "community"}.get(
        point.level, "window"
    )


def _matter_search(matters, q: str) -> list:
    from django.db.models import Q

    from onetrip.catalogue.selectors import name_query

    hits = matters.filter(
        name_query(q) | Q(code__icontains=q) | Q(department__name__icontains=q)
    ).select_related("department")
    return list(hits.order_by("code")[:12])


def _matters_for(point):
    level_field = {
        PointLevel.DISTRICT: "level_district",
        PointLevel.STREET: "level_street",
        PointLevel.COMMUNITY: "level_community",
    }.get(point.level)
    qs = Matter.objects.filter(district_id=point.district_id, is_active=True)
    if level_field:
        qs = qs.filter(**{level_field: True})
    return qs.select_related("department").order_by("code")


def _all_matters(point):
    return (
        Matter.objects.filter(district_id=point.district_id, is_active=True)
        .select_related("department")
        .order_by("-level_community", "code")
    )


def _agent_named(username: str):
    """The agency's user named at the window (None: nobody named, or not an agent)."""
    from onetrip.people.models import User

    username = (username or "").strip()
    if not username:
        return None
    return User.objects.filter(username=username, agency__isnull=False).first()


@login_required
def case_new(request):
    user = request.user
    if not user.has_role(*FRONT_ROLES) or user.point_id is None:
        return forbidden_page(request, _("只有窗口工作人员可以受理办件。"))
    point = user.point
    ticket = None
    ticket_param = request.GET.get("ticket") or request.POST.get("ticket")
    ticket_id = parse_id(ticket_param)
    if ticket_param and ticket_id is None:
        raise Http404
    if ticket_id:
        from onetrip.queueing.models import Ticket

        ticket = Ticket.objects.filter(pk=ticket_id).select_related("queue").first()
        if ticket is None or ticket.point_id not in sel.point_subtree_ids(point):
            raise Http404
    # 一岗受理: a community social worker may also start, and forward, any other matter
    post = user.has_role(Role.SOCIAL_WORKER) and point.level == PointLevel.COMMUNITY
    matters = _matters_for(point) if not post else _all_matters(point)
    matter = None
    matter_id = parse_id(request.POST.get("matter") or request.GET.get("matter"))
    if matter_id:
        matter = matters.filter(pk=matter_id).first()
    forward = bool(post and matter is not None and not matter.level_community)
    # the matter is picked by search (name, code, department), not from a long drop-down
    q = request.GET.get("q", "").strip()[:50]
    found = _matter_search(matters, q) if q else []
    if request.headers.get("HX-Request") and request.method == "GET" and "q" in request.GET:
        return render(
            request,
            "cases/_matter_results.html",
            {"found": found, "q": q, "ticket": ticket, "post_worker": post},
        )
    error = None
    if request.method == "POST" and matter is not None:
        materials = []
        for m in matter.materials.all():
            choice = request.POST.get(f"material_{m.pk}", "")
            if choice in MaterialStatus.values:
                materials.append(
                    {
                        "material": m.pk,
                        "status": choice,
                        "commitment_signed": bool(request.POST.get(f"commit_{m.pk}")),
                    }
                )
        try:
            case = services.case_open(
                actor=user,
                matter_code=matter.code,
                applicant_kind=request.POST.get("applicant_kind", ""),
                company_name=request.POST.get("company_name", "").strip(),
                agent=_agent_named(request.POST.get("agent", "")),
                applicant_number=request.POST.get("applicant_number", "").strip(),
                applicant_name=request.POST.get("applicant_name", "").strip(),
                applicant_phone=request.POST.get("applicant_phone", "").strip(),
                channel=_channel_for(point),
                point=point,
                ticket=ticket,
                materials=materials,
                submit=True,
                accept=request.POST.get("do") == "accept" and not forward,
                forward=forward,
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("已创建办件 %(n)s。") % {"n": case.number})
            return redirect("cases:detail", number=case.number)
    materials = list(matter.materials.all()) if matter else []
    for m in materials:  # after an error the form keeps what the clerk chose
        m.chosen = request.POST.get(f"material_{m.pk}", "")
        m.committed = bool(request.POST.get(f"commit_{m.pk}"))
    kinds = []
    if matter is not None:
        from onetrip.catalogue.rules import ApplicantKind, applicant_kinds

        labels = {
            ApplicantKind.PERSON: _("个人（公民身份号码）"),
            ApplicantKind.COMPANY: _("企业（统一社会信用代码）"),
            ApplicantKind.FOUNDER: _("设立企业（设立人公民身份号码 + 拟设立企业名称）"),
            ApplicantKind.AGENT: _("中介代办（企业统一社会信用代码，设立的填设立人身份号码）"),
        }
        kinds = [(k, labels[k]) for k in applicant_kinds(matter)]
    return render(
        request,
        "cases/new.html",
        {
            "kinds": kinds,
            "ticket": ticket,
            "matter_count": matters.count(),
            "found": found,
            "q": q,
            "matter": matter,
            "materials": materials,
            "error": error,
            "post": request.POST,
            "statuses": MaterialStatus.choices,
            "forward": forward,
            "post_worker": post,
        },
    )


def _status_label(code: str) -> str:
    """A case state or, for a material's event, a material status — in words, not codes."""
    if not code:
        return ""
    if code in S.State.values:
        return S.state_label(code)
    return str(dict(MaterialStatus.choices).get(code, code))


def _timeline(case: Case) -> list[dict]:
    """The case's events with their action, states and role in words, not codes."""
    rows = []
    for e in case.events.select_related("actor").order_by("at", "id"):
        transition = S.TRANSITIONS.get(e.action)
        label = transition.label if transition else S.EVENT_LABELS.get(e.action, e.action)
        rows.append(
            {
                "at": e.at,
                "label": label,
                "from_state": _status_label(e.from_state),
                "to_state": _status_label(e.to_state),
                "changed": e.from_state != e.to_state,
                "actor": e.actor,
                "role": S.ROLE_LABELS.get(e.role, e.role),
                "note": e.note,
            }
        )
    return rows


def _case_or_404(request, number: str) -> Case:
    try:
        return sel.case_get_for_user(user=request.user, number=number)
    except DomainError as exc:
        raise Http404 from exc


def _materials_masked(case: Case) -> list:
    """The case's materials for the page; a shared document's number quoted in the source
    (an ID card's number is the holder's ID number) is masked like the holder's."""
    rows = list(case.materials.prefetch_related("files"))
    for cm in rows:
        cm.source = mask_id_numbers_in(cm.source)
    return rows


@login_required
def case_detail(request, number: str):
    case = _case_or_404(request, number)
    roles = sel.case_roles(user=request.user, case=case)
    today = local_today()
    actions = sel.allowed_actions(user=request.user, case=case)
    editable = case.state in services.EDITABLE_STATES
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "state_label": S.state_label(case.state),
            "roles": roles,
            "is_staff_role": bool(roles - {S.APPLICANT, S.AGENT}),
            "actions": [t for t in actions if t.action not in ("request_supplement", "deliver")],
            "can_supplement": any(t.action == "request_supplement" for t in actions),
            "can_deliver": any(t.action == "deliver" for t in actions),
            "materials": _materials_masked(case),
            "events": _timeline(case),
            "visits": case.visits.select_related("point", "ticket"),
            "flags": sel.case_flags(case=case, today=today, soon=sel.soon_date(today=today)),
            "notice": case.supplement_notices.order_by("-round").first(),
            "editable": editable,
            "delivery_methods": DeliveryMethod.choices,
            "statuses": MaterialStatus.choices,
            "holder_name": mask_name(case.applicant.name) if case.applicant else case.holder_name,
            "holder_number": mask_id_number(case.holder_number)
            if not case.holder_being_founded
            else _("设立中，准予登记后核发统一社会信用代码"),
        },
    )


@login_required
@require_POST
def case_act(request, number: str):
    case = _case_or_404(request, number)
    action = request.POST.get("action", "")
    data: dict = {}
    if action == "request_supplement":
        items = []
        for cm in case.materials.all():
            status = request.POST.get(f"sup_{cm.pk}", "")
            if status in (MaterialStatus.MISSING, MaterialStatus.DEFECTIVE):
                items.append(
                    {
                        "material": cm.pk,
                        "status": status,
                        "reason": request.POST.get(f"reason_{cm.pk}", ""),
                    }
                )
        data["items"] = items
    if action == "deliver":
        data["method"] = request.POST.get("method", "")
    if action == "extend":
        data["days"] = request.POST.get("days", "")
    flash_posted(
        request,
        lambda: services.case_transition(
            case=case, action=action, actor=request.user, note=request.POST.get("note", ""), **data
        ),
        done=_("操作已完成。"),
    )
    return redirect("cases:detail", number=case.number)


@login_required
@require_POST
def case_material(request, number: str):
    case = _case_or_404(request, number)

    def save() -> None:
        upload = request.FILES.get("file")
        if upload is None and request.POST.get("upload"):
            raise ValidationFailed(_("请选择要上传的文件。"), code="file_required")
        if upload is not None:
            services.case_file_upload(
                case=case,
                case_material_id=request.POST.get("material"),
                actor=request.user,
                upload=upload,
            )
        else:
            services.case_material_update(
                case=case,
                case_material_id=request.POST.get("material"),
                actor=request.user,
                status=request.POST.get("status", ""),
                commitment_signed=bool(request.POST.get("commitment_signed")),
                reason=request.POST.get("reason", ""),
            )

    flash_posted(request, save, done=_("材料已更新。"))
    return redirect("cases:detail", number=case.number)


def _notice_case(request, number: str) -> Case:
    """The case for the one-time notice: its viewers, or anyone holding the tracking token."""
    token = request.GET.get("t", "")
    if token:
        case = (
            Case.objects.filter(number=number, tracking_token=token, token_revoked_at__isnull=True)
            .select_related("matter", "department", "point", "applicant", "company")
            .first()
        )
        if case is None:
            raise Http404
        return case
    if not request.user.is_authenticated:
        raise Http404
    return _case_or_404(request, number)


def _notice_context(case: Case):
    notice = case.supplement_notices.order_by("-round").first()
    if notice is None:
        raise Http404
    labels = dict(MaterialStatus.choices)
    return {
        "case": case,
        "notice": notice,
        "holder_name": mask_name(case.applicant.name) if case.applicant else case.holder_name,
        "items": [
            {**item, "status_label": labels.get(item.get("status"), item.get("status"))}
            for item in notice.items
        ],
    }


def _case_pdf(case: Case, name: str, context: dict[str, Any]) -> HttpResponse:
    """The printable ``name`` (notice, receipt, result) of the case: ``cases/print_<name>.html``
    as the PDF ``<name>-<number>.pdf``."""
    pdf = render_pdf(template=f"cases/print_{name}.html", context=context)
    return pdf_response(pdf=pdf, filename=f"{name}-{case.number}.pdf")


def case_notice(request, number: str):
    case = _notice_case(request, number)
    ctx = _notice_context(case)
    ctx["token"] = request.GET.get("t", "")
    return render(request, "cases/notice.html", ctx)


def case_notice_pdf(request, number: str):
    case = _notice_case(request, number)
    return _case_pdf(case, "notice", _notice_context(case))


@login_required
def case_receipt_pdf(request, number: str):
    case = _case_or_404(request, number)
    if case.accepted_at is None:
        raise Http404
    url = request.build_absolute_uri(f"/t/{case.tracking_token}")
    ctx = {
        "case": case,
        "qr": qr_svg(url, box_size=4),
        "url": url,
        "holder_name": case.holder_name,
        "materials": case.materials.all(),
    }
    return _case_pdf(case, "receipt", ctx)


@login_required
def case_result_pdf(request, number: str):
    case = _case_or_404(request, number)
    if case.decided_at is None:
        raise Http404
    decision = case.get_decision_display() or S.state_label(
        S.State.APPROVED if case.state != S.State.REJECTED else S.State.REJECTED
    )
    ctx = {"case": case, "holder_name": case.holder_name, "decision_label": decision}
    return _case_pdf(case, "result", ctx)


@login_required
def backoffice(request):
    user = request.user
    if not user.has_role(Role.REVIEWER, Role.MANAGER):
        return forbidden_page(request, _("只有后台审批人员和管理者可以查看工作队列。"))
    departments: list[Department] = []  # read once: the menu and the choice
    if user.department_id:
        departments = list(Department.objects.filter(pk=user.department_id))
    elif user.has_role(Role.MANAGER) and user.point_id:
        departments = list(Department.objects.filter(district_id=user.point.district_id))
    wanted = parse_id(request.GET.get("department"))
    dept = next((d for d in departments if d.pk == wanted), departments[0] if departments else None)
    today = local_today()
    state = request.GET.get("state") or None
    due = request.GET.get("due") or None
    cases, next_after = [], None
    if dept is not None:
        soon = sel.soon_date(today=today)
        queue = lists.backoffice_queue(
            user=user, department=dept, today=today, state=state, due=due
        )
        cases, next_after = lists.backoffice_page(
            queue=queue, after=request.GET.get("after") or None
        )
        detail = reverse("cases:detail", args=["0"])[:-2]  # reversed once, not once a row
        for case in cases:
            case.flags = sel.case_flags(case=case, today=today, soon=soon)
            case.state_text = S.state_label(case.state)
            case.url = f"{detail}{quote(case.number)}/"
    first = request.GET.copy()
    first.pop("after", None)
    first_url = f"?{first.urlencode()}"
    next_url = None
    if next_after:
        query = request.GET.copy()
        query["after"] = next_after
        next_url = f"?{query.urlencode()}"
    return render(
        request,
        "cases/backoffice.html",
        {
            "departments": departments,
            "dept": dept,
            "cases": cases,
            "states": S.State.choices,
            "state": state or "",
            "due": due or "",
            "next_url": next_url,
            "first_url": first_url,
            "paged": bool(request.GET.get("after")),
        },
    )


@login_required
def instant_checks(request):
    """The district reviewer's sample of instant decisions taken on the spot under delegation
    (即办件抽查): a random share of the unchecked ones of their department, and the verdict."""
    user = request.user
    if not (user.is_superuser or (user.has_role(Role.REVIEWER) and user.department_id)):
        return forbidden_page(request, _("只有后台审批人员可以抽查即办件。"))
    district = user.point.district if user.point_id else None
    if district is None:
        raise Http404
    if request.method == "POST":
        case = sel.cases_visible_to(user=user).filter(number=request.POST.get("number")).first()

        def record() -> None:
            if case is None:
                raise DomainError(_("未找到该办件。"), code="case_not_found", status=404)
            services.sample_check_record(
                case=case,
                actor=user,
                verdict=request.POST.get("verdict", ""),
                note=request.POST.get("note", ""),
            )

        flash_posted(request, record, done=_("已记录抽查结论。"))
        return redirect("cases:instant_checks")
    try:
        rate = min(max(float(request.GET.get("rate") or 0.2), 0.01), 1.0)
    except ValueError:
        rate = 0.2
    seed = local_today().toordinal() + user.pk  # the same sample all day for one reviewer
    sample = services.instant_sample(district=district, reviewer=user, rate=rate, seed=seed)
    return render(request, "cases/instant_checks.html", {"sample": sample, "rate": rate})
