"""Staff pages of 好差评: every rating of the cases one may see, with its comment and levels
(/staff/ratings/), and the follow-up of a bad rating with its deadline and actions
(/staff/ratings/<id>/). Thin: reads from ``followups``, writes through ``services``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from onetrip.clock import local_today
from onetrip.errors import DomainError
from onetrip.masking import mask_name
from onetrip.metrics import followups as F
from onetrip.metrics.models import DIMENSIONS
from onetrip.metrics.services import followup_transition
from onetrip.roles import Role

STAFF_ROLES = (Role.CLERK, Role.SOCIAL_WORKER, Role.REVIEWER, Role.MANAGER, Role.ADMIN)


def _require_staff(user) -> None:
    if not user.has_role(*STAFF_ROLES) and not user.is_superuser:
        raise PermissionDenied(_("只有工作人员可以查看评价。"))


def _dims(rating) -> list[tuple[str, str]]:
    out = []
    for field, label in DIMENSIONS:
        value = getattr(rating, field)
        if value:
            out.append((str(label), getattr(rating, f"get_{field}_display")()))
    return out


@login_required
def ratings_list(request):
    _require_staff(request.user)
    qs = F.ratings_visible_to(user=request.user)
    bad = bool(request.GET.get("bad"))
    if bad:
        qs = qs.filter(score__lte=2)
    rows = list(qs[:200])
    for r in rows:
        r.holder_masked = mask_name(r.case.holder_name)
        r.dims = _dims(r)
    district = getattr(request.user.point, "district", None) if request.user.point_id else None
    figures = F.followup_figures(district=district) if district is not None else None
    return render(
        request,
        "ratings/list.html",
        {"ratings": rows, "bad": bad, "figures": figures, "today": local_today()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def followup_detail(request, pk: int):
    _require_staff(request.user)
    fu = F.followups_visible_to(user=request.user).filter(pk=pk).first()
    if fu is None:
        raise Http404
    status = 200
    error = ""
    if request.method == "POST":
        try:
            followup_transition(
                follow_up=fu,
                action=request.POST.get("action", ""),
                actor=request.user,
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("已记录。"))
            return redirect("metrics:followup", pk=fu.pk)
        except DomainError as exc:
            error, status = str(exc.message), exc.status
    return render(
        request,
        "ratings/followup.html",
        {
            "fu": fu,
            "dims": _dims(fu.rating),
            "holder": mask_name(fu.case.holder_name),
            "actions": F.actions_for(user=request.user, follow_up=fu),
            "overdue": fu.state in F.OPEN_STATES and fu.due < local_today(),
            "error": error,
        },
        status=status,
    )
