"""The phone-first report page (grid workers, volunteers, citizens) and the reporter's page."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onetrip.errors import DomainError
from onetrip.roles import Role
from onetrip.safety import selectors as sel
from onetrip.safety import services
from onetrip.safety.models import GridCell, IncidentKind, Urgency
from onetrip.safety.services.intake import MAX_PHOTO_BYTES, MAX_PHOTOS
from onetrip.safety.views.common import district_for
from onetrip.throttles import client_ident, limited_response


def report(request):
    district = district_for(request)
    user = request.user
    cells = list(GridCell.objects.filter(district=district).select_related("community__parent"))
    own = (
        sorted(
            GridCell.objects.filter(district=district, workers=user).values_list("code", flat=True)
        )
        if user.is_authenticated
        else []
    )
    is_grid = user.is_authenticated and user.has_role(Role.GRID_WORKER)
    volunteer = getattr(user, "volunteer", None) if user.is_authenticated else None
    values = {
        "kind": "",
        "urgency": "normal",
        "cell": own[0] if own else "",
        "address": "",
        "lat": "",
        "long": "",
        "description": "",
        "anonymous": "",
        "reporter_name": "",
        "reporter_phone": "",
    }
    error = None
    status = 200
    if request.method == "POST":
        values.update({k: request.POST.get(k, "").strip() for k in values})
        try:
            incident = services.incident_report(
                district=district,
                actor=user,
                kind=values["kind"],
                urgency=values["urgency"],
                description=values["description"],
                cell_code=values["cell"] or None,
                address=values["address"],
                latitude=values["lat"],
                longitude=values["long"],
                photos=request.FILES.getlist("photos"),
                anonymous=bool(values["anonymous"]),
                reporter_name=values["reporter_name"],
                reporter_phone=values["reporter_phone"],
                client_key=client_ident(request),
            )
        except DomainError as exc:
            error = exc
            status = exc.status
        else:
            messages.success(request, _("已上报，编号 %(n)s。") % {"n": incident.number})
            return redirect("safety:mine", token=incident.token)
    response = render(
        request,
        "safety/report.html",
        {
            "district": district,
            "cells": cells,
            "kinds": IncidentKind.choices,
            "urgencies": Urgency.choices,
            "values": values,
            "error": error,
            "is_grid": is_grid,
            "volunteer": volunteer,
            "may_be_anonymous": not is_grid and volunteer is None,
            "max_photos": MAX_PHOTOS,
            "max_mb": MAX_PHOTO_BYTES // (1024 * 1024),
        },
        status=status,
    )
    return limited_response(response, error) if error is not None else response


def reporter_page(request, token: str):
    """The reporter's own page (also for anonymous citizens, who keep the link): progress,
    the result, confirm or ask to reopen."""
    from onetrip.safety.models import Incident

    incident = Incident.objects.filter(token=token).select_related("cell__community").first()
    if incident is None:
        return render(request, "safety/not_found.html", status=404)
    roles = sel.incident_roles(incident=incident, user=request.user, token=token)
    return render(
        request,
        "safety/reporter.html",
        {
            "incident": incident,
            "actions": sel.allowed_actions(incident=incident, roles=roles),
            "timeline": sel.incident_timeline(incident=incident, roles=roles),
            "photos": incident.photos.all(),
        },
    )


@require_POST
def reporter_act(request, token: str):
    from onetrip.safety.models import Incident

    incident = Incident.objects.filter(token=token).first()
    if incident is None:
        return render(request, "safety/not_found.html", status=404)
    action = request.POST.get("action", "")
    if action not in ("confirm", "reopen"):
        messages.error(request, _("未知的操作。"))
        return redirect("safety:mine", token=token)
    try:
        services.incident_transition(
            incident=incident,
            action=action,
            actor=request.user,
            token=token,
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已提交。"))
    return redirect("safety:mine", token=token)


def photo(request, pk: int):
    """A scene photo, for whoever has a role on its incident (or the reporter's link token)."""
    from django.http import FileResponse, Http404

    from onetrip.safety.models import IncidentPhoto

    record = IncidentPhoto.objects.select_related("incident__cell").filter(pk=pk).first()
    if record is None:
        raise Http404
    roles = sel.incident_roles(
        incident=record.incident, user=request.user, token=request.GET.get("t")
    )
    if not roles:
        raise Http404
    response = FileResponse(record.file.open("rb"), content_type=record.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
