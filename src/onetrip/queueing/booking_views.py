"""Pages for appointments: book a slot (phone or account), the appointment's own page with
its check-in QR, cancel and move. Thin: services write, selectors read."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onetrip.catalogue.models import ServicePoint
from onetrip.db import parse_id
from onetrip.errors import DomainError, ValidationFailed
from onetrip.qr import qr_svg
from onetrip.queueing import booking_selectors as sel
from onetrip.queueing import services
from onetrip.queueing.models import AppointmentStatus, Slot
from onetrip.throttles import throttled_view


def _days(slots):
    """Slots grouped by queue, then by local day, for the page."""
    out: dict = {}
    for s in slots:
        local = timezone.localtime(s.starts_at)
        out.setdefault(s.queue, {}).setdefault(local.date(), []).append(s)
    return out


@throttled_view("appointment", phone_field="phone")
def book(request, code: str):
    point = get_object_or_404(ServicePoint, code=code, is_active=True)
    error = None
    phone = request.POST.get("phone", "").strip() if request.method == "POST" else ""
    if not phone and request.user.is_authenticated:
        phone = getattr(request.user, "phone", "") or ""
    status = 200
    if request.method == "POST":
        slot = Slot.objects.filter(point=point, pk=parse_id(request.POST.get("slot")) or 0).first()
        try:
            if slot is None:
                raise ValidationFailed(_("请选择预约时段。"), code="slot_required")
            appointment = services.appointment_book(
                slot=slot, phone=request.POST.get("phone", ""), user=request.user
            )
        except DomainError as exc:
            error, status = exc.message, exc.status
        else:
            return redirect("queueing:appointment", token=appointment.token)
    return render(
        request,
        "queueing/book.html",
        {
            "point": point,
            "queues": _days(sel.bookable_slots(point=point)),
            "error": error,
            "phone": phone,
            "chosen": request.POST.get("slot", ""),
        },
        status=status,
    )


def _appointment(token: str):
    a = sel.appointment_by_token(token=token)
    if a is None:
        raise Http404
    return a


def appointment(request, token: str, *, error=None, status=200):
    a = _appointment(token)
    others = [s for s in sel.bookable_slots(point=a.point) if s.pk != a.slot_id and s.free > 0]
    return render(
        request,
        "queueing/appointment.html",
        {
            "a": a,
            "booked": a.status == AppointmentStatus.BOOKED,
            "qr": qr_svg(a.token, box_size=8),
            "others": _days(others),
            "error": error,
        },
        status=status,
    )


@require_POST
def appointment_cancel(request, token: str):
    a = _appointment(token)
    try:
        services.appointment_cancel(appointment=a)
    except DomainError as exc:
        return appointment(request, token, error=exc.message, status=exc.status)
    return redirect("queueing:appointment", token=token)


@require_POST
def appointment_move(request, token: str):
    a = _appointment(token)
    slot = Slot.objects.filter(
        point_id=a.point_id, pk=parse_id(request.POST.get("slot")) or 0
    ).first()
    try:
        if slot is None:
            raise ValidationFailed(_("请选择新的时段。"), code="slot_required")
        services.appointment_move(appointment=a, to_slot=slot)
    except DomainError as exc:
        return appointment(request, token, error=exc.message, status=exc.status)
    return redirect("queueing:appointment", token=token)
