"""The volunteer's own record and the volunteer register (six roles)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from onetrip.catalogue.models import PointLevel, ServicePoint
from onetrip.errors import DomainError
from onetrip.safety import selectors as sel
from onetrip.safety import services
from onetrip.safety.models import Volunteer, VolunteerRole
from onetrip.safety.services.intake import as_id
from onetrip.safety.views.common import district_for


@login_required
def my_record(request):
    volunteer = Volunteer.objects.filter(user=request.user).select_related("community").first()
    if volunteer is None:
        return redirect("safety:volunteer_register")
    return render(request, "safety/volunteer.html", sel.volunteer_record(volunteer=volunteer))


@login_required
def register(request):
    if Volunteer.objects.filter(user=request.user).exists():
        return redirect("safety:volunteer")
    district = district_for(request)
    communities = ServicePoint.objects.filter(district=district, level=PointLevel.COMMUNITY)
    error = None
    status = 200
    if request.method == "POST":
        community = communities.filter(pk=as_id(request.POST.get("community")) or 0).first()
        try:
            if community is None:
                raise DomainError(_("请选择社区。"), code="community_required", status=422)
            services.volunteer_register(
                community=community,
                name=request.POST.get("name", ""),
                phone=request.POST.get("phone", ""),
                roles=request.POST.getlist("roles"),
                user=request.user,
            )
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, _("已登记为平安志愿者。"))
            return redirect("safety:volunteer")
    return render(
        request,
        "safety/volunteer_register.html",
        {"communities": communities, "roles": VolunteerRole.choices, "error": error},
        status=status,
    )


@login_required
def volunteers_overview(request):
    if not request.user.has_role(*sel.COMMAND_ROLES):
        return redirect("safety:workspace")
    district_id = sel.user_district_id(request.user)
    return render(
        request,
        "safety/volunteers.html",
        {"totals": sel.volunteer_totals(district_id=district_id), "roles": VolunteerRole.choices},
    )
