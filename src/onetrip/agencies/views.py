"""Agency pages: the agent's workspace, a batch (thread, notices, joint delivery), the register
and ranking for managers. Thin: services write, selectors read."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onetrip.agencies import selectors, services, spreadsheet
from onetrip.agencies.models import BatchState, JointDelivery
from onetrip.agencies.rules import matter_open_to_agents
from onetrip.errors import DomainError, NotFound
from onetrip.pages import flash_posted
from onetrip.people.models import AgencyStatus
from onetrip.roles import Role

FORM_ROWS = 5


def _period_start(days: int = 90) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def _workspace_context(agency) -> dict:
    from onetrip.catalogue.models import Matter

    matters = [
        m
        for m in Matter.objects.filter(district_id=agency.district_id, is_active=True).order_by(
            "code"
        )
        if matter_open_to_agents(m)
    ]
    return {
        "agency": agency,
        "authorisations": selectors.agency_authorisations(agency=agency),
        "batches": list(selectors.agency_batches(agency=agency)),
        "notices": list(selectors.agency_open_notices(agency=agency)),
        "cases": list(selectors.agency_cases(agency=agency)),
        "quality": selectors.agency_quality(agency=agency, since=_period_start()),
        "history": list(agency.status_history.select_related("actor")[:20]),
        "matters": matters,
        "form_rows": range(1, FORM_ROWS + 1),
        "suspended": agency.status == AgencyStatus.SUSPENDED,
    }


@login_required
def workspace(request):
    """The agent's home: its agency's companies, batches, notices, cases and figures."""
    user = request.user
    if not (user.has_role(Role.AGENT) and user.agency_id):
        if user.has_role(Role.MANAGER):
            return redirect("agencies:register")
        raise Http404(_("您的账号未关联代办机构。"))
    agency = selectors.agency_get(user=user, agency_id=user.agency_id)
    return render(request, "agencies/workspace.html", _workspace_context(agency))


def _agent(request) -> Any:
    """The signed-in agent of an agency (anyone else: 404)."""
    user = request.user
    if not (user.has_role(Role.AGENT) and user.agency_id):
        raise Http404
    return user


def _rows_from_form(request) -> tuple[list[services.BatchRow], str]:
    rows: list[services.BatchRow] = []
    n = 0
    for i in range(1, FORM_ROWS + 1):
        code = (request.POST.get(f"company_{i}") or "").strip()
        matter = (request.POST.get(f"matter_{i}") or "").strip()
        if not code and not matter:
            continue
        n += 1
        mats = request.POST.get(f"materials_{i}")
        rows.append(
            services.BatchRow(
                credit_code=code,
                matter_code=matter,
                materials=spreadsheet.split_materials(mats or ""),
                row=n,
            )
        )
    source = "form"
    upload = request.FILES.get("sheet")
    if upload is not None:
        source = "spreadsheet" if not rows else "mixed"
        sheet_rows = spreadsheet.rows_from_xlsx(upload.read(spreadsheet.MAX_BYTES + 1))
        rows += services.batch_rows(sheet_rows, start=n + 1)
    return rows, source


@login_required
@require_POST
def batch_new(request):
    user = _agent(request)
    try:
        rows, source = _rows_from_form(request)
        batch = services.batch_submit(actor=user, rows=rows, route="online", source=source)
    except DomainError as exc:
        agency = selectors.agency_get(user=user, agency_id=user.agency_id)
        ctx = _workspace_context(agency)
        ctx.update({"batch_error": str(exc.message), "row_errors": exc.fields})
        return render(request, "agencies/workspace.html", ctx, status=exc.status)
    messages.success(request, _("批次 %(n)s 已提交，等待后台审批。") % {"n": batch.number})
    return redirect("agencies:batch", batch.pk)


def batch_template(request):
    resp = HttpResponse(
        spreadsheet.template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    resp["Content-Disposition"] = 'attachment; filename="batch-template.xlsx"'
    return resp


def _batch_or_404(request, pk: int):
    try:
        return selectors.batch_get(user=request.user, batch_id=pk)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _agency_or_404(request, pk: int):
    try:
        return selectors.agency_get(user=request.user, agency_id=pk)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _posted(
    load: Callable[[HttpRequest, int], Any], page: str
) -> Callable[[Callable[[HttpRequest, Any], str]], Callable[..., HttpResponse]]:
    """A posted form on one batch or agency (``load``: it, or a 404): the decorated
    ``write(request, obj)`` runs through ``flash_posted``; back to ``page`` either way."""

    def decorate(write: Callable[[HttpRequest, Any], str]) -> Callable[..., HttpResponse]:
        @login_required
        @require_POST
        @functools.wraps(write)
        def view(request: HttpRequest, pk: int) -> HttpResponse:
            obj = load(request, pk)
            flash_posted(request, lambda: write(request, obj))
            return redirect(page, obj.pk)

        return view

    return decorate


@login_required
def batch_detail(request, pk: int):
    batch = _batch_or_404(request, pk)
    roles = services.batch_roles(user=request.user, batch=batch)
    return render(
        request,
        "agencies/batch.html",
        {
            "batch": batch,
            "cases": selectors.batch_cases(batch=batch),
            "notices": list(batch.notices.order_by("round")),
            "thread": list(batch.messages.select_related("author").order_by("at", "id")),
            "is_staff": "staff" in roles,
            "is_agent": "agent" in roles,
            "ready": batch.state == BatchState.READY,
            "methods": JointDelivery.choices,
        },
    )


@_posted(_batch_or_404, "agencies:batch")
def batch_message(request, batch) -> str:
    services.batch_message_post(batch=batch, actor=request.user, body=request.POST.get("body"))
    return ""


@_posted(_batch_or_404, "agencies:batch")
def batch_deliver(request, batch) -> str:
    services.batch_deliver(
        batch=batch,
        method=request.POST.get("method", ""),
        actor=request.user,
        note=request.POST.get("note", ""),
    )
    return _("已登记统一送达。")


@login_required
def register(request):
    """Managers: the district's agencies with status and the quality ranking."""
    user = request.user
    if not (user.is_superuser or (user.has_role(Role.MANAGER) and user.point_id)):
        raise Http404
    district = user.point.district if user.point_id else None
    if district is None:
        raise Http404
    return render(
        request,
        "agencies/register.html",
        {"ranking": selectors.agency_ranking(district=district, since=_period_start())},
    )


@login_required
def agency_detail(request, pk: int):
    agency = _agency_or_404(request, pk)
    if not request.user.has_role(Role.MANAGER) and not request.user.is_superuser:
        return redirect("agencies:workspace")
    ctx = _workspace_context(agency)
    ctx["statuses"] = AgencyStatus.choices
    ctx["manager_view"] = True
    return render(request, "agencies/workspace.html", ctx)


@_posted(_agency_or_404, "agencies:detail")
def agency_status(request, agency) -> str:
    services.agency_status_set(
        agency=agency,
        status=request.POST.get("status", ""),
        reason=request.POST.get("reason", ""),
        actor=request.user,
    )
    return _("已变更代办机构状态。")


@login_required
def batch_window(request):
    """The agent window (代办窗口): a clerk takes an agent's batch in one visit — one ticket —
    accepting every complete case on the spot."""
    from onetrip.people.models import User

    user = request.user
    if not (user.has_role(Role.CLERK, Role.MANAGER) and user.point_id):
        raise Http404
    agents = list(
        User.objects.filter(
            groups__name=Role.AGENT,
            is_active=True,
            agency__district_id=user.point.district_id,
        )
        .select_related("agency")
        .order_by("username")
    )
    ticket = None
    ticket_id = request.POST.get("ticket") or request.GET.get("ticket")
    if ticket_id:
        from onetrip.queueing.models import Ticket

        ticket = Ticket.objects.filter(pk=ticket_id if str(ticket_id).isdigit() else 0).first()
        if ticket is None:
            raise Http404
    ctx = {
        "agents": agents,
        "ticket": ticket,
        "form_rows": range(1, FORM_ROWS + 1),
        "matters": [],
    }
    if request.method == "POST":
        agent = next((a for a in agents if str(a.pk) == request.POST.get("agent")), None)
        try:
            if agent is None:
                raise NotFound(_("请选择到场的代办员。"), code="agent_required")
            rows, source = _rows_from_form(request)
            batch = services.batch_submit(
                actor=user, agent=agent, route="window", ticket=ticket, rows=rows, source=source
            )
        except DomainError as exc:
            ctx.update({"batch_error": str(exc.message), "row_errors": exc.fields})
            return render(request, "agencies/window.html", ctx, status=exc.status)
        messages.success(request, _("批次 %(n)s 已受理。") % {"n": batch.number})
        return redirect("agencies:batch", batch.pk)
    return render(request, "agencies/window.html", ctx)


@login_required
@require_POST
def authorisation_new(request):
    """An agent files a client company's authorisation letter (PDF/JPEG/PNG) with its validity."""
    from onetrip.people.models import Company

    user = _agent(request)
    agency = selectors.agency_get(user=user, agency_id=user.agency_id)

    def write() -> str:
        code = (request.POST.get("credit_code") or "").strip().upper()
        company = Company.objects.filter(credit_code=code).first() if code else None
        if company is None:
            raise NotFound(_("未找到该企业，请核对统一社会信用代码。"), code="company_not_found")
        try:
            valid_from = dt.date.fromisoformat(request.POST.get("valid_from", ""))
            valid_until = dt.date.fromisoformat(request.POST.get("valid_until", ""))
        except ValueError:
            from onetrip.errors import ValidationFailed

            raise ValidationFailed(_("请填写有效期。"), code="invalid_period") from None
        services.authorisation_create(
            agency=agency,
            company=company,
            valid_from=valid_from,
            valid_until=valid_until,
            reference=request.POST.get("reference", ""),
            letter=request.FILES.get("letter"),
            actor=user,
        )
        return _("已登记授权委托书。")

    flash_posted(request, write)
    return redirect("agencies:workspace")
