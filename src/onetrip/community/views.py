"""Pages of the community complexes: the public complex page (phone first), booking, the
resident's bookings, raising and supporting topics, and the staff page of one complex.

Thin: every write is a service call; a refused write answers its 4xx with the message on the
page and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onetrip.catalogue import selectors as catalogue_selectors
from onetrip.community import selectors as sel
from onetrip.community import services
from onetrip.community import states as S
from onetrip.community.models import Facility, SlotKind
from onetrip.errors import DomainError, Forbidden, NotFound


def _complex_or_404(code: str):
    try:
        return sel.complex_get(code=code)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _error_page(request, complex, exc: DomainError, *, offer_wait_slot=None):
    return render(
        request,
        "community/refused.html",
        {"complex": complex, "error": exc, "offer_wait_slot": offer_wait_slot},
        status=exc.status,
    )


def parse_local(value: Any) -> dt.datetime | None:
    """A ``datetime-local`` form value in Asia/Shanghai; None when absent or malformed."""
    try:
        parsed = dt.datetime.fromisoformat(str(value or "").strip())
    except ValueError:
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def complex_list(request):
    code = request.GET.get("district") or None
    if code is not None and not sel.valid_code(code):
        raise Http404
    try:
        district = catalogue_selectors.district_get(code=code)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    complexes = list(sel.complexes_list(district=district))
    managed = set(sel.complexes_managed_by(user=request.user).values_list("pk", flat=True))
    return render(
        request,
        "community/list.html",
        {"district": district, "complexes": complexes, "managed": managed},
    )


def complex_detail(request, code: str):
    complex = _complex_or_404(code)
    user = request.user
    slots = list(sel.slots_upcoming(complex=complex))
    mine = {}
    if user.is_authenticated:
        for b in sel.bookings_of(user=user).filter(
            slot__in=slots, status__in=(S.BookingStatus.CONFIRMED, S.BookingStatus.WAITING)
        ):
            mine[b.slot_id] = b
    for s in slots:
        s.mine = mine.get(s.pk)  # type: ignore[attr-defined]  # page-only, read by the template
    facilities = sel.facilities_of(complex=complex)
    grouped = sel.topics_by_state(complex=complex)
    roles = sel.complex_roles(user=user, complex=complex)
    return render(
        request,
        "community/complex.html",
        {
            "complex": complex,
            "point": complex.point,
            "core": [f for f in facilities if f.is_core],
            "extra": [f for f in facilities if not f.is_core],
            "slots": slots,
            "topics_open": grouped[S.TopicState.OPEN],
            "topics_agenda": grouped[S.TopicState.AGENDA] + grouped[S.TopicState.SCHEDULED],
            "meetings": list(sel.meetings_upcoming(complex=complex)),
            "held": sel.meetings_held(complex=complex),
            "followed": sel.decisions_followed(complex=complex),
            "done": sel.decisions_done(complex=complex),
            "is_staff": S.STAFF in roles,
            "today": timezone.localdate(),
        },
    )


@require_POST
def slot_book(request, code: str, pk: int):
    complex = _complex_or_404(code)
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("community:complex", args=[code]))
    try:
        slot = sel.slot_get(slot_id=pk, complex=complex)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    try:
        booking = services.booking_create(
            user=request.user, slot=slot, waitlist=request.POST.get("waitlist") == "1"
        )
    except DomainError as exc:
        offer = slot if exc.code == "slot_full" else None
        return _error_page(request, complex, exc, offer_wait_slot=offer)
    if booking.status == S.BookingStatus.CONFIRMED:
        messages.success(request, _("预约成功：%(t)s。") % {"t": slot.title})
    else:
        messages.success(
            request,
            _("已加入“%(t)s”的候补名单（第 %(n)d 位），有空位时自动递补并短信通知您。")
            % {"t": slot.title, "n": sel.waiting_position(booking=booking) or 1},
        )
    return redirect("community:my_bookings")


@login_required
def my_bookings(request):
    bookings = list(sel.bookings_of(user=request.user)[:100])
    for b in bookings:
        b.position = sel.waiting_position(booking=b)
        b.cancellable = (
            b.status
            in (
                S.BookingStatus.CONFIRMED,
                S.BookingStatus.WAITING,
            )
            and b.slot.starts_at > timezone.now()
        )
    return render(request, "community/my_bookings.html", {"bookings": bookings})


@login_required
@require_POST
def booking_cancel(request, pk: int):
    try:
        booking = sel.booking_get_for_user(user=request.user, booking_id=pk)
        services.booking_cancel(
            booking=booking, actor=request.user, note=request.POST.get("note", "")[:300]
        )
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except DomainError as exc:
        return _error_page(request, None, exc)
    messages.success(request, _("已取消预约。"))
    back = request.POST.get("next") or ""
    if back.startswith("/community/") and "//" not in back:
        return redirect(back)
    return redirect("community:my_bookings")


@login_required
def topic_new(request, code: str):
    complex = _complex_or_404(code)
    error = None
    status = 200
    form = {"title": "", "body": ""}
    if request.method == "POST":
        form = {k: request.POST.get(k, "")[:5000] for k in form}
        try:
            topic = services.topic_raise(complex=complex, actor=request.user, **form)
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, _("议题已提出，邀请邻居们来支持吧。"))
            return redirect("community:topic", code=code, pk=topic.pk)
    return render(
        request,
        "community/topic_new.html",
        {
            "complex": complex,
            "form": form,
            "error": error,
            "member": sel.member_of(user=request.user, complex=complex),
        },
        status=status,
    )


def topic_detail(request, code: str, pk: int):
    complex = _complex_or_404(code)
    try:
        topic = sel.topic_get(topic_id=pk, complex=complex)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    return render(
        request,
        "community/topic.html",
        {
            "complex": complex,
            "topic": topic,
            "supported": sel.has_supported(user=request.user, topic=topic),
            "can_support": topic.state
            in (S.TopicState.OPEN, S.TopicState.AGENDA, S.TopicState.SCHEDULED),
            "decisions": list(topic.decisions.prefetch_related("updates").order_by("id")),
        },
    )


@require_POST
def topic_support(request, code: str, pk: int):
    complex = _complex_or_404(code)
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("community:topic", args=[code, pk]))
    try:
        topic = sel.topic_get(topic_id=pk, complex=complex)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    try:
        topic = services.topic_support(topic=topic, actor=request.user)
    except DomainError as exc:
        return _error_page(request, complex, exc)
    messages.success(request, _("感谢支持！目前共 %(n)d 位居民支持。") % {"n": topic.support_count})
    return redirect("community:topic", code=code, pk=pk)


# --------------------------------------------------------------------------- staff


def _staff_complex(request, code: str):
    complex = _complex_or_404(code)
    if S.STAFF not in sel.complex_roles(user=request.user, complex=complex):
        raise Forbidden(_("只有本社区的社工和管理者可以管理这个综合体。"), code="not_allowed")
    return complex


def _manage_context(complex) -> dict[str, Any]:
    now = timezone.now()
    slots = list(sel.slots_upcoming(complex=complex, now=now, days=60))
    for s in slots:
        s.live = list(  # type: ignore[attr-defined]  # page-only, read by the template
            s.bookings.filter(
                status__in=(S.BookingStatus.CONFIRMED, S.BookingStatus.WAITING)
            ).select_related("user")
        )
    grouped = sel.topics_by_state(complex=complex)
    return {
        "complex": complex,
        "facilities": [f for f in sel.facilities_of(complex=complex) if f.bookable],
        "slot_kinds": SlotKind.choices,
        "slots": slots,
        "topics": grouped[S.TopicState.OPEN]
        + grouped[S.TopicState.AGENDA]
        + grouped[S.TopicState.SCHEDULED]
        + grouped[S.TopicState.DECIDED],
        "meetings": list(sel.meetings_upcoming(complex=complex, now=now)),
        "followed": sel.decisions_followed(complex=complex),
    }


@login_required
def my_complex(request):
    """A social worker's (or manager's) way in: straight to the one complex they manage, or the
    list (with its manage links) when they manage several."""
    managed = list(sel.complexes_managed_by(user=request.user)[:2])
    if len(managed) == 1:
        return redirect("community:manage", code=managed[0].point.code)
    if not managed:
        exc = Forbidden(_("只有本社区的社工和管理者可以管理这个综合体。"), code="not_allowed")
        return _error_page(request, None, exc)
    return redirect("community:list")


@login_required
def manage(request, code: str):
    try:
        complex = _staff_complex(request, code)
    except Forbidden as exc:
        return _error_page(request, None, exc)
    return render(request, "community/manage.html", _manage_context(complex))


def _do(what: str, complex, request) -> str:
    """Run one staff action; returns the success message."""
    p = request.POST
    user = request.user
    if what == "slot":
        try:
            facility = complex.facilities.get(pk=int(p.get("facility") or 0))
        except (Facility.DoesNotExist, ValueError, OverflowError):
            raise NotFound(_("请选择本综合体的功能空间。"), code="facility_not_found") from None
        day = p.get("day", "")
        slot = services.slot_create(
            actor=user,
            facility=facility,
            kind=p.get("kind", ""),
            title=p.get("title", ""),
            description=p.get("description", ""),
            starts_at=parse_local(f"{day}T{p.get('start', '')}"),
            ends_at=parse_local(f"{day}T{p.get('end', '')}"),
            capacity=p.get("capacity") or None,
        )
        return _("已发布“%(t)s”。") % {"t": slot.title}
    if what == "slot-action":
        slot = sel.slot_get(slot_id=p.get("slot"), complex=complex)
        services.slot_transition(
            slot=slot, action=p.get("action", ""), actor=user, note=p.get("note", "")
        )
        return _("已更新“%(t)s”。") % {"t": slot.title}
    if what == "meeting":
        m = services.meeting_schedule(
            complex=complex,
            actor=user,
            title=p.get("title", ""),
            starts_at=parse_local(p.get("starts_at")),
            place=p.get("place", ""),
        )
        return _("已安排“%(t)s”。") % {"t": m.title}
    if what == "meeting-action":
        m = sel.meeting_get(meeting_id=p.get("meeting"), complex=complex)
        services.meeting_transition(
            meeting=m,
            action=p.get("action", ""),
            actor=user,
            minutes=p.get("minutes", ""),
            note=p.get("note", ""),
        )
        return _("已更新“%(t)s”。") % {"t": m.title}
    if what == "topic-action":
        topic = sel.topic_get(topic_id=p.get("topic"), complex=complex)
        meeting = (
            sel.meeting_get(meeting_id=p.get("meeting"), complex=complex)
            if p.get("meeting")
            else None
        )
        services.topic_transition(
            topic=topic,
            action=p.get("action", ""),
            actor=user,
            note=p.get("note", ""),
            meeting=meeting,
            text=p.get("text", ""),
            owner_name=p.get("owner_name", ""),
            due_date=p.get("due_date", ""),
        )
        return _("已更新议题“%(t)s”。") % {"t": topic.title}
    if what == "decision-action":
        decision = sel.decision_get(decision_id=p.get("decision"))
        if decision.complex_id != complex.pk:
            raise NotFound(_("没有找到这项决定。"), code="decision_not_found")
        services.decision_transition(
            decision=decision, action=p.get("action", ""), actor=user, note=p.get("note", "")
        )
        return _("已记录落实进展。")
    raise NotFound(_("未知的操作。"), code="unknown_action")


@require_POST
def manage_post(request, code: str, what: str):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("community:manage", args=[code]))
    try:
        complex = _staff_complex(request, code)
        text = _do(what, complex, request)
    except DomainError as exc:
        if exc.status == 403:
            return _error_page(request, None, exc)
        ctx = _manage_context(complex)
        ctx["error"] = exc
        return render(request, "community/manage.html", ctx, status=exc.status)
    messages.success(request, text)
    return redirect("community:manage", code=code)
