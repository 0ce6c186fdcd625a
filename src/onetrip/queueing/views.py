"""Pages: kiosk, ticket slip, public ticket status, clerk console, hall board. Thin: they call
the services and selectors and show DomainError messages next to the controls."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from onetrip.access import require_role
from onetrip.catalogue.models import ServicePoint
from onetrip.db import parse_id
from onetrip.errors import DomainError
from onetrip.pages import forbidden_page
from onetrip.qr import qr_svg
from onetrip.queueing import selectors, services
from onetrip.queueing.models import Queue, Ticket, TicketChannel, TicketStatus, Window
from onetrip.queueing.transitions import WINDOW_ROLES, allowed_actions
from onetrip.roles import Role
from onetrip.throttles import throttled_view


def _point(code: str) -> ServicePoint:
    return get_object_or_404(ServicePoint, code=code, is_active=True)


# ------------------------------------------------------------------ kiosk


def _chosen_queue(request, point: ServicePoint) -> Queue:
    """The queue of this point the form posted (``queue``), else the refusal to show."""
    queue = Queue.objects.filter(point=point, pk=parse_id(request.POST.get("queue")) or 0).first()
    if queue is None:
        raise DomainError(_("请选择要办理的业务队列。"), code="queue_required")
    return queue


def _kiosk_context(point, **extra) -> dict:
    now = timezone.now()
    is_open = selectors.point_is_open(point=point, at=now)
    return {
        "point": point,
        "queues": selectors.queue_summaries(point=point) if is_open else [],
        "is_open": is_open,
        "next_opening": None if is_open else selectors.point_next_opening(point=point, at=now),
        "error": None,
        **extra,
    }


@throttled_view("ticket", phone_field="phone")
def kiosk(request, code: str):
    """The kiosk device (portrait touch screen, no site chrome): take a ticket or check in an
    appointment. Outside opening hours it takes nothing and says when the point opens."""
    point = _point(code)
    error, status = None, 200
    if request.method == "POST":
        try:
            ticket = services.ticket_issue(
                queue=_chosen_queue(request, point),
                phone=request.POST.get("phone", "").strip(),
                channel=TicketChannel.KIOSK,
            )
        except DomainError as exc:
            error, status = exc.message, exc.status
        else:
            return redirect("queueing:kiosk_ticket", code=point.code, token=ticket.token)
    return render(request, "queueing/kiosk.html", _kiosk_context(point, error=error), status=status)


@require_POST
def kiosk_check_in(request, code: str):
    """An appointment's check-in at the kiosk: its QR (the scanner types the code) or the
    phone it was booked with."""
    point = _point(code)
    try:
        _appointment, ticket = services.appointment_check_in(
            point=point, code=request.POST.get("code", "")
        )
    except DomainError as exc:
        return render(
            request,
            "queueing/kiosk.html",
            _kiosk_context(point, check_in_error=exc.message),
            status=exc.status,
        )
    return redirect("queueing:kiosk_ticket", code=point.code, token=ticket.token)


@login_required
@require_POST
def guide_ticket(request, code: str):
    """Window zero issues the ticket its pre-check pointed to (the pre-check result page posts
    here): the ticket carries the pre-check, so the window that calls it shows the result."""
    point = _point(code)
    try:
        ticket = services.ticket_issue(
            queue=_chosen_queue(request, point),
            phone=request.POST.get("phone", "").strip(),
            channel=TicketChannel.GUIDE,
            precheck_token=request.POST.get("precheck", ""),
            actor=request.user,
        )
    except DomainError as exc:
        return forbidden_page(request, exc.message, status=exc.status)
    return redirect("queueing:kiosk_ticket", code=point.code, token=ticket.token)


def kiosk_ticket(request, code: str, token: str):
    ticket = get_object_or_404(
        Ticket.objects.select_related("queue", "point", "window"), token=token, point__code=code
    )
    # the slip's QR opens the ticket's status page and nothing else (no case, no messages)
    status_url = request.build_absolute_uri(reverse("queueing:ticket_status", args=[ticket.token]))
    return render(
        request,
        "queueing/kiosk_ticket.html",
        {
            "ticket": ticket,
            "status": selectors.ticket_public_status(ticket=ticket),
            "status_url": status_url,
            "qr": qr_svg(status_url, box_size=6),
        },
    )


def ticket_status(request, token: str):
    ticket = get_object_or_404(
        Ticket.objects.select_related("queue", "point", "window"), token=token
    )
    template = (
        "queueing/_ticket_status.html"
        if request.headers.get("HX-Request")
        else "queueing/status.html"
    )
    return render(
        request,
        template,
        {"ticket": ticket, "status": selectors.ticket_public_status(ticket=ticket)},
    )


# ------------------------------------------------------------------ hall board


def board(request, code: str):
    point = _point(code)
    return render(request, "queueing/board.html", {"point": point})


# ------------------------------------------------------------------ clerk console


def _staff_window(request, window_id: int) -> Window:
    require_role(request.user, *WINDOW_ROLES)
    window = get_object_or_404(Window.objects.select_related("point", "clerk"), pk=window_id)
    if not selectors.staff_can_manage_point(user=request.user, point=window.point):
        raise Http404
    return window


@login_required
def console_index(request):
    try:
        require_role(request.user, *WINDOW_ROLES)
    except DomainError as exc:
        return forbidden_page(request, exc.message, status=exc.status)
    windows = selectors.windows_for_staff(user=request.user)
    points = {w.point for w in windows}
    return render(
        request,
        "queueing/console_index.html",
        {
            "windows": windows,
            "shares": [(p, selectors.window_share(point=p)) for p in sorted(points, key=str)],
        },
    )


def _digest(parts) -> str:
    return hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).hexdigest()


def _can_operate(request, window: Window) -> bool:
    """The window takes actions only while open, from the clerk who opened it or a manager
    (as the services check): otherwise its console shows no action buttons."""
    return window.is_open and (
        window.clerk_id == request.user.pk or request.user.has_role(Role.MANAGER)
    )


def _row_actions(ticket: Ticket, *, window: Window, can_act: bool, busy: bool) -> set[str]:
    """The buttons a listed ticket gets: what its state allows (the transition table) and the
    window can do now."""
    allowed = set(allowed_actions(ticket.status))
    shown = set()
    if can_act:
        shown |= allowed & {"park", "walk_out"}
        if not busy:
            shown |= allowed & {"call"}
    # Resuming needs no open window, only that the ticket is not parked at another window.
    if "resume" in allowed and ticket.window_id in (None, window.pk):
        shown.add("resume")
    return shown


@dataclass(frozen=True)
class ListedTicket:
    """A ticket of the console's waiting or parked list and the buttons its row shows."""

    ticket: Ticket
    actions: set[str]


def _live_context(request, window: Window) -> dict:
    """What the polled part of the console shows (waiting and parked lists) and the two
    versions the page carries: ``live_state`` (window and current ticket: a change re-renders
    the whole panel) and ``live_list`` (the lists: a change re-renders the lists only)."""
    current = selectors.window_current(window=window)
    waiting = selectors.window_waiting_list(window=window)
    parked = selectors.window_parked_list(window=window)
    can_act = _can_operate(request, window)

    def listed(tickets: list[Ticket]) -> list[ListedTicket]:
        busy = current is not None
        return [
            ListedTicket(t, _row_actions(t, window=window, can_act=can_act, busy=busy))
            for t in tickets
        ]

    return {
        "window": window,
        "current": current,
        "can_act": can_act,
        "waiting": listed(waiting),
        "parked": listed(parked),
        "live_state": _digest(
            [
                window.is_open,
                window.clerk_id,
                current.pk if current else "",
                current.status if current else "",
            ]
        ),
        "live_list": _digest(
            [f"{t.pk}:{t.status}:{t.priority}:{t.queue_id}" for t in (*waiting, *parked)]
        ),
    }


def _panel_context(request, window: Window, error=None, notice=None, live=None):
    if live is None:
        window.refresh_from_db()
        live = _live_context(request, window)
    ctx = live
    current = ctx["current"]
    return {
        **ctx,
        "actions": allowed_actions(current.status) if current and ctx["can_act"] else [],
        "queues": Queue.objects.filter(point_id=window.point_id).order_by("position", "code"),
        "error": error,
        "notice": notice,
    }


@never_cache  # Back from the case intake must show the window as it is now
@login_required
def console_window(request, window_id: int):
    try:
        window = _staff_window(request, window_id)
    except DomainError as exc:
        return forbidden_page(request, exc.message, status=exc.status)
    ctx = _panel_context(request, window)
    if request.headers.get("HX-Request"):
        return render(request, "queueing/_console_panel.html", ctx)
    return render(request, "queueing/console.html", ctx)


@never_cache
def console_live(request, window_id: int):
    """htmx polling (every few seconds) of the console's lists: 204 when nothing changed, the
    lists alone when only they changed, the whole panel (retargeted) when the window or its
    current ticket changed. The forms of the panel are never re-rendered otherwise."""
    if not request.user.is_authenticated:
        response = HttpResponse(status=401)
        response["HX-Refresh"] = "true"  # the full page then asks the clerk to sign in
        return response
    try:
        window = _staff_window(request, window_id)
    except DomainError as exc:
        return forbidden_page(request, exc.message, status=exc.status)
    ctx = _live_context(request, window)
    if ctx["live_state"] != request.GET.get("s"):
        response = render(
            request, "queueing/_console_panel.html", _panel_context(request, window, live=ctx)
        )
        response["HX-Retarget"] = "#panel"
        response["HX-Reswap"] = "innerHTML"
        return response
    if ctx["live_list"] == request.GET.get("l"):
        return HttpResponse(status=204)
    return render(request, "queueing/_console_live.html", ctx)


ACTIONS = {
    "open": lambda w, u, t, p: services.window_open(window=w, user=u),
    "close": lambda w, u, t, p: services.window_close(window=w, user=u),
    "call-next": lambda w, u, t, p: services.ticket_call_next(window=w, user=u),
    "call": lambda w, u, t, p: services.ticket_call(window=w, user=u, ticket=t),
    "recall": lambda w, u, t, p: services.ticket_recall(window=w, user=u, ticket=t),
    "no-show": lambda w, u, t, p: services.ticket_no_show(window=w, user=u, ticket=t),
    "return": lambda w, u, t, p: services.ticket_return(window=w, user=u, ticket=t),
    "start": lambda w, u, t, p: services.ticket_start(window=w, user=u, ticket=t),
    "finish": lambda w, u, t, p: services.ticket_finish(window=w, user=u, ticket=t),
    "park": lambda w, u, t, p: services.ticket_park(
        window=w, user=u, ticket=t, note=p.get("note", "")
    ),
    "resume": lambda w, u, t, p: services.ticket_resume(window=w, user=u, ticket=t),
    "walk-out": lambda w, u, t, p: services.ticket_walk_out(ticket=t, actor=u),
    "transfer": lambda w, u, t, p: services.ticket_transfer(
        window=w,
        user=u,
        ticket=t,
        to_queue=get_object_or_404(Queue, pk=parse_id(p.get("queue")) or 0, point_id=w.point_id),
    ),
}


@login_required
@require_POST
def console_action(request, window_id: int, action: str):
    try:
        window = _staff_window(request, window_id)
    except DomainError as exc:
        return forbidden_page(request, exc.message, status=exc.status)
    if action not in ACTIONS:
        raise Http404
    ticket = None
    if request.POST.get("ticket"):
        ticket = get_object_or_404(
            Ticket, pk=parse_id(request.POST["ticket"]) or 0, point_id=window.point_id
        )
    error = notice = None
    try:
        result = ACTIONS[action](window, request.user, ticket, request.POST)
    except DomainError as exc:
        error = exc.message
    else:
        if action == "finish" and request.POST.get("open_case"):
            url = f"/cases/new/?ticket={result.pk}"
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
        if isinstance(result, Ticket):
            notice = _("%(number)s：%(status)s") % {
                "number": result.number,
                "status": TicketStatus(result.status).label,
            }
    if request.headers.get("HX-Request"):
        return render(
            request,
            "queueing/_console_panel.html",
            _panel_context(request, window, error, notice),
            status=200,
        )
    if error:
        messages.error(request, error)
    elif notice:
        messages.success(request, notice)
    return redirect("queueing:console_window", window_id=window.pk)
