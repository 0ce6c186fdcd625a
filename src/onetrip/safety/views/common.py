"""Helpers shared by the safety pages."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from onetrip.catalogue.models import ServicePoint
from onetrip.errors import NotFound


def district_for(request) -> ServicePoint:
    """The staff member's district, else ?district=code, else the deployment's first district."""
    from onetrip.catalogue.selectors import district_resolve

    code = request.GET.get("district") or request.POST.get("district")
    try:
        district = district_resolve(code=code, user=request.user)
    except NotFound:
        raise Http404 from None
    if district is None:
        raise Http404
    return district


def forbidden(request, message):
    return render(request, "safety/forbidden.html", {"message": message}, status=403)
