"""The 平安365 command-centre board (1920×1080 wall screen) and its cheap polling fragment."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.db.models import Subquery
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.catalogue.models import ServicePoint
from onetrip.safety import selectors as sel
from onetrip.safety.views.common import forbidden

FIGURES_DAYS = 30


def _district_id(request):
    user = request.user
    if not user.is_authenticated or not user.has_role(*sel.COMMAND_ROLES):
        return None
    return sel.user_district_id(user)


def _context(district_id: int, now: dt.datetime) -> dict:
    return {
        "rows": sel.board_rows(district_id=district_id, now=now),
        "version": sel.board_version(district_id=district_id, now=now),
        "figures": sel.incident_figures(
            district_id=district_id, start=now - dt.timedelta(days=FIGURES_DAYS), end=now
        ),
        "now": now,
        "days": FIGURES_DAYS,
    }


@login_required
def board(request):
    district_id = _district_id(request)
    if district_id is None:
        return forbidden(request, _("只有指挥中心值班员和管理者可以查看指挥大屏。"))
    now = timezone.now()
    ctx = _context(district_id, now)
    ctx["district"] = ServicePoint.objects.get(pk=district_id)
    return render(request, "safety/board.html", ctx)


@login_required
def board_feed(request):
    """Polled about once a second: one aggregate query answers 204 when nothing changed; the
    rows and figures are only read and sent when the board's fingerprint moved."""
    user = request.user
    if not user.is_authenticated or not user.has_role(*sel.COMMAND_ROLES) or not user.point_id:
        return HttpResponse(status=403)
    now = timezone.now()
    # the user's district as a subquery of the one aggregate: no separate read of their point
    district = Subquery(ServicePoint.objects.filter(pk=user.point_id).values("district_id")[:1])
    version = sel.board_version(district_id=district, now=now)
    if request.GET.get("v") == version:
        return HttpResponse(status=204)
    return render(request, "safety/_board_body.html", _context(sel.user_district_id(user), now))
