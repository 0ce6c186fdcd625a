"""Door-to-door pages, phone first: the list and request form, a visit's page with scheduling,
acceptance at the door (photos, on-screen signature) and home delivery."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onetrip.errors import DomainError, NotFound
from onetrip.homevisits import selectors, services
from onetrip.homevisits.models import HomeVisit, HomeVisitReason, HomeVisitState
from onetrip.pages import flash_posted
from onetrip.roles import Role


def _door_matters(user):
    from onetrip.catalogue.models import Matter
    from onetrip.catalogue.selectors import default_district

    district_id = (
        user.point.district_id if user.point_id else getattr(default_district(), "pk", None)
    )
    return Matter.objects.filter(
        district_id=district_id, is_active=True, channel_door=True
    ).order_by("code")


@login_required
def visit_list(request):
    user = request.user
    staff = user.has_role(Role.SOCIAL_WORKER, Role.SPECIALIST, Role.MANAGER)
    error = None
    status = 200
    if request.method == "POST":
        from onetrip.catalogue.models import Matter
        from onetrip.people.models import Applicant

        matter = _door_matters(user).filter(code=request.POST.get("matter", "")).first()
        applicant = None
        if staff:
            applicant = Applicant.objects.filter(
                id_number=(request.POST.get("id_number") or "").strip().upper()
            ).first()
        else:
            applicant = Applicant.objects.filter(user=user).first()
        try:
            if matter is None:
                raise NotFound(_("请选择提供上门服务的事项。"), code="matter_not_found")
            if applicant is None:
                raise NotFound(_("未找到该居民，请核对身份证号。"), code="applicant_not_found")
            visit = services.home_visit_request(
                actor=user,
                matter=matter if isinstance(matter, Matter) else None,
                applicant=applicant,
                reason=request.POST.get("reason", ""),
                address=request.POST.get("address", ""),
                phone=request.POST.get("phone", ""),
                note=request.POST.get("note", ""),
            )
        except DomainError as exc:
            error, status = str(exc.message), exc.status
        else:
            messages.success(request, _("上门服务申请已提交。"))
            return redirect("homevisits:detail", visit.pk)
    return render(
        request,
        "homevisits/list.html",
        {
            "visits": list(selectors.home_visits_visible_to(user=user).order_by("-id")[:100]),
            "matters": list(_door_matters(user)),
            "reasons": HomeVisitReason.choices,
            "staff": staff,
            "error": error,
        },
        status=status,
    )


def _workers(visit):
    from onetrip.people.models import User

    return User.objects.filter(
        groups__name=services.worker_role(visit),
        is_active=True,
        point__district_id=visit.district_id,
    ).order_by("username")


@login_required
def visit_detail(request, pk: int):
    try:
        visit = selectors.home_visit_get(user=request.user, visit_id=pk)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    user = request.user
    manager = user.is_superuser or user.has_role(Role.MANAGER)
    mine = visit.assigned_to_id == user.pk
    return render(
        request,
        "homevisits/detail.html",
        {
            "visit": visit,
            "manager": manager,
            "mine": mine,
            "can_take": visit.state == HomeVisitState.REQUESTED
            and user.has_role(services.worker_role(visit)),
            "workers": list(_workers(visit)) if manager else [],
            "photos": list(visit.photos.all()),
            "default_when": (timezone.localtime() + dt.timedelta(hours=2)).strftime(
                "%Y-%m-%dT%H:%M"
            ),
            "instant": visit.matter.kind == "instant",
        },
    )


def _int(value) -> int:
    value = str(value or "")
    return int(value) if value.isdigit() and len(value) < 12 else 0


def _when(value: str):
    try:
        return timezone.make_aware(dt.datetime.fromisoformat(value))
    except (TypeError, ValueError):
        return None


def _visit_action(
    act: Callable[[HttpRequest, HomeVisit], str | None],
) -> Callable[..., HttpResponse]:
    """A posted action on a visit the user may see: ``act(request, visit)`` runs through
    ``flash_posted`` (its refusal or the message it returns); back to the visit's page either
    way."""

    @login_required
    @require_POST
    @functools.wraps(act)
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        try:
            visit = selectors.home_visit_get(user=request.user, visit_id=pk)
        except NotFound as exc:
            raise Http404(str(exc)) from exc
        flash_posted(request, lambda: act(request, visit))
        return redirect("homevisits:detail", pk)

    return view


@_visit_action
def visit_schedule(request, visit) -> None:
    from onetrip.people.models import User

    assignee = (
        request.user
        if request.POST.get("take")
        else User.objects.filter(pk=_int(request.POST.get("assignee"))).first()
    )
    if assignee is None:
        raise NotFound(_("请选择上门人员。"), code="assignee_required")
    services.home_visit_schedule(
        visit=visit, actor=request.user, assignee=assignee, when=_when(request.POST.get("when"))
    )


@_visit_action
def visit_accept(request, visit) -> str:
    services.home_visit_accept(
        visit=visit,
        actor=request.user,
        photos=request.FILES.getlist("photos"),
        signature=request.POST.get("signature", ""),
        decide_now=bool(request.POST.get("decide_now")),
    )
    return _("已上门受理。")


@_visit_action
def visit_deliver(request, visit) -> str:
    services.home_visit_deliver(visit=visit, actor=request.user, note=request.POST.get("note", ""))
    return _("已送达上门。")
