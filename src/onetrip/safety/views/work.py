"""Staff pages: the workspace list (by relationship), the incident page with its actions, and
the routing rules operators edit."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from onetrip.catalogue.models import Department, PointLevel, ServicePoint
from onetrip.errors import DomainError
from onetrip.roles import Role
from onetrip.safety import selectors as sel
from onetrip.safety import services
from onetrip.safety import states as S
from onetrip.safety.models import (
    GridCell,
    IncidentKind,
    Platform,
    RoutingRule,
    Urgency,
    Volunteer,
    VolunteerRole,
)
from onetrip.safety.services.volunteers import RULE_FIELDS
from onetrip.safety.views.common import forbidden


@login_required
def workspace(request):
    user = request.user
    qs = sel.incidents_visible(user=user)
    show = request.GET.get("show", "open")
    if show == "open":
        qs = qs.filter(state__in=S.OPEN)
    cells = list(GridCell.objects.filter(workers=user).select_related("community"))
    now = timezone.now()
    rows = [
        {"incident": inc, "soon": sel.breach_soon(incident=inc, now=now)}
        for inc in qs.order_by("due_at", "id")[:200]
    ]
    return render(
        request,
        "safety/workspace.html",
        {
            "rows": rows,
            "show": show,
            "cells": cells,
            "is_command": user.has_role(*sel.COMMAND_ROLES),
            "is_grid": user.has_role(Role.GRID_WORKER),
            "now": now,
        },
    )


def _incident_or_404(request, number: str):
    """The incident with this number and the caller's roles towards it; 404 when the caller
    may not see it (its existence is not disclosed)."""
    try:
        return sel.incident_for(number=number, user=request.user)
    except DomainError:
        raise Http404 from None


def _dispatch_choices(incident):
    departments = Department.objects.filter(district=incident.district).order_by("code")
    mediators = Volunteer.objects.filter(
        district=incident.district, is_active=True, roles__role=VolunteerRole.MEDIATOR
    ).order_by("code")[:200]
    return departments, mediators


@login_required
def incident_detail(request, number: str):
    incident, roles = _incident_or_404(request, number)
    departments, mediators = _dispatch_choices(incident)
    return render(
        request,
        "safety/detail.html",
        {
            "incident": incident,
            "roles": roles,
            "reporter": sel.reporter_shown(incident=incident, roles=roles),
            "actions": sel.allowed_actions(incident=incident, roles=roles),
            "timeline": sel.incident_timeline(incident=incident, roles=roles),
            "photos": incident.photos.all(),
            "mediation": getattr(incident, "mediation", None),
            "platforms": Platform.choices,
            "kinds": IncidentKind.choices,
            "urgencies": Urgency.choices,
            "departments": departments,
            "mediators": mediators,
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def incident_act(request, number: str):
    incident, _roles = _incident_or_404(request, number)
    action = request.POST.get("action", "")
    data = {
        k: request.POST.get(k)
        for k in (
            "platform",
            "department",
            "mediator",
            "kind",
            "urgency",
            "parties",
            "mediator_name",
            "agreement",
            "agreed",
        )
        if k in request.POST
    }
    try:
        services.incident_transition(
            incident=incident,
            action=action,
            actor=request.user,
            note=request.POST.get("note", ""),
            data=data,
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        t = S.TRANSITIONS.get(action)
        messages.success(request, _("已完成：%(a)s") % {"a": t.label if t else action})
    return redirect("safety:detail", number=number)


# -- routing rules ---------------------------------------------------------------------------


class RuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = list(RULE_FIELDS)

    def __init__(self, *args, district, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = ServicePoint.objects.filter(
            district=district, level__in=[PointLevel.STREET, PointLevel.COMMUNITY]
        )
        self.fields["cell"].queryset = GridCell.objects.filter(district=district)
        self.fields["department"].queryset = Department.objects.filter(district=district)
        self.fields["kind"].choices = [("", _lazy("任何类型")), *IncidentKind.choices]
        self.fields["urgency"].choices = [("", _lazy("沿用上报")), *Urgency.choices]


def _command_district(request):
    user = request.user
    if not user.has_role(*sel.COMMAND_ROLES) or sel.user_district_id(user) is None:
        return None
    return ServicePoint.objects.get(pk=sel.user_district_id(user))


@login_required
def rules(request):
    district = _command_district(request)
    if district is None:
        return forbidden(request, _("只有指挥中心值班员可以维护分拨规则。"))
    rows = RoutingRule.objects.filter(district=district).select_related(
        "place", "cell", "department"
    )
    return render(request, "safety/rules.html", {"rules": rows, "district": district})


@login_required
def rule_edit(request, pk: int | None = None):
    district = _command_district(request)
    if district is None:
        return forbidden(request, _("只有指挥中心值班员可以维护分拨规则。"))
    rule = get_object_or_404(RoutingRule, pk=pk, district=district) if pk else None
    status = 200
    if request.method == "POST":
        if rule is not None and request.POST.get("delete"):
            services.rule_delete(rule=rule, actor=request.user)
            messages.success(request, _("规则已删除。"))
            return redirect("safety:rules")
        form = RuleForm(request.POST, instance=rule, district=district)
        form.instance.district = district
        if form.is_valid():
            try:
                services.rule_save(rule=form.save(commit=False), actor=request.user)
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("规则已保存。"))
                return redirect("safety:rules")
        status = 422
    else:
        form = RuleForm(instance=rule, district=district)
    return render(request, "safety/rule_form.html", {"form": form, "rule": rule}, status=status)
