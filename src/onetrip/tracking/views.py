"""Pages: the public tracking page, the window QR entry, staff message threads and the
applicant's own cases (online applications: ``intake.apply_views``). Thin: reads via
selectors, writes via services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from onetrip.documents import pdf_response, render_pdf
from onetrip.errors import DomainError, Forbidden, NotFound
from onetrip.intake.models import OnlineApplication
from onetrip.pages import forbidden_page
from onetrip.qr import qr_svg
from onetrip.throttles import RateLimited, limited_response, throttle_request, throttled_view
from onetrip.tracking import selectors as sel
from onetrip.tracking import services

NOT_FOUND_TEMPLATE = "tracking/not_found.html"


def _not_found(request):
    return render(request, NOT_FOUND_TEMPLATE, status=404)


def _limited(request, exc: RateLimited):
    return limited_response(render(request, "tracking/rate_limited.html", status=429), exc)


def _form_errors(exc: DomainError) -> dict[str, str]:
    """What a form shows: each field's first message, and the error itself under ``"_"``."""
    errors = exc.field_errors()
    errors["_"] = str(exc.message)
    return errors


# -- public tracking page --------------------------------------------------------------------


def _rating_state(case, request=None) -> dict:
    """The 好差评 the applicant may give now (stage, levels, dimensions) and those given."""
    from onetrip.metrics.models import DIMENSIONS, Level, Rating
    from onetrip.metrics.services import rating_stage_open

    stage = rating_stage_open(case)
    given = list(Rating.objects.filter(case=case).order_by("at"))
    via = request.GET.get("via", "") if request is not None else ""
    return {
        "open": stage is not None,
        "stage": stage,
        "levels": Level.choices,
        "dimensions": DIMENSIONS,
        "given": given,
        "via": via if via in ("sms", "tracking") else "tracking",
    }


def _case_of(request, token: str, *, counted: bool = False):
    """(case, None) for a live tracking token, else (None, the 429 or 404 page); each request
    counts against the token rate limit unless ``counted`` already."""
    if not counted:
        try:
            throttle_request(request, "token")
        except RateLimited as exc:
            return None, _limited(request, exc)
    try:
        return sel.case_by_token(token=token), None
    except NotFound:
        return None, _not_found(request)


def _tracking_response(request, token: str, *, errors=None, status=200, counted=False):
    case, refused = _case_of(request, token, counted=counted)
    if refused is not None:
        return refused
    if request.method == "GET":
        services.messages_mark_read_by_applicant(case=case)
    return render(
        request,
        "tracking/page.html",
        {
            "case": case,
            "token": token,
            "info": sel.case_public(case=case),
            "rating": _rating_state(case, request),
            "verified": _verified(request, case),
            "errors": errors or {},
            "error_message": (errors or {}).get("_", ""),
        },
        status=status,
    )


def tracking_page(request, token: str):
    return _tracking_response(request, token)


#: Cases whose holder this browser session has proved (last four digits of the phone).
VERIFIED_SESSION_KEY = "tracking_verified_cases"


def _verified(request, case) -> bool:
    return case.pk in request.session.get(VERIFIED_SESSION_KEY, [])


def _tracking_post(request, token: str, action, *, second_factor: bool = True):
    case, refused = _case_of(request, token)
    if refused is not None:
        return refused
    try:
        if second_factor and not _verified(request, case):
            raise Forbidden(
                _("上传材料和留言前，请先输入办件预留手机号的后4位。"),
                code="second_factor_required",
            )
        message = action()
    except NotFound:
        return _not_found(request)
    except DomainError as exc:
        return _tracking_response(
            request, token, errors=_form_errors(exc), status=exc.status, counted=True
        )
    messages.success(request, message)
    return redirect("tracking:page", token=token)


@require_POST
def tracking_verify(request, token: str):
    """The second factor: the last four digits of the holder's phone, remembered for this
    browser session (rate-limited with every tracking request)."""

    def act():
        case = sel.case_by_token(token=token)
        services.second_factor_check(case=case, phone_last4=request.POST.get("phone_last4"))
        done = request.session.get(VERIFIED_SESSION_KEY, [])
        request.session[VERIFIED_SESSION_KEY] = [*done[-19:], case.pk]
        return _("验证通过，现在可以上传材料和留言。")

    return _tracking_post(request, token, act, second_factor=False)


@require_POST
@throttled_view("upload")
def tracking_upload(request, token: str):
    def act():
        services.supplement_upload(
            token=token,
            case_material_id=request.POST.get("material"),
            upload=request.FILES.get("file"),
        )
        return _("材料已上传。")

    return _tracking_post(request, token, act)


@require_POST
def tracking_resubmit(request, token: str):
    def act():
        services.supplement_submit(token=token)
        return _("补正材料已提交，工作人员将继续办理。")

    return _tracking_post(request, token, act)


@require_POST
def tracking_message(request, token: str):
    def act():
        services.message_post_by_token(
            token=token, body=request.POST.get("body", ""), user=request.user
        )
        return _("留言已发送，工作人员回复后会短信通知您。")

    return _tracking_post(request, token, act)


@require_POST
def tracking_rate(request, token: str):
    from onetrip.metrics.models import DIMENSIONS
    from onetrip.metrics.services import rating_submit

    def act():
        rating = rating_submit(
            case=sel.case_by_token(token=token),
            score=request.POST.get("score"),
            comment=request.POST.get("comment", ""),
            dimensions={field: request.POST.get(field) for field, _label in DIMENSIONS},
            stage=request.POST.get("stage") or None,
            via=request.POST.get("via", ""),
            tracking_token=token,
        )
        follow_up = getattr(rating, "follow_up", None) if rating.bad else None
        if follow_up is not None:
            return _("感谢您的评价！我们将在 %(due)s 前回访您并反馈处理情况。") % {
                "due": follow_up.due.isoformat()
            }
        return _("感谢您的评价！")

    return _tracking_post(request, token, act, second_factor=False)


# -- window QR -------------------------------------------------------------------------------


def _window(point_code: str, window_number: str):
    from onetrip.queueing.models import Window

    window = (
        Window.objects.select_related("point")
        .filter(point__code=point_code, number=window_number)
        .first()
    )
    if window is None:
        raise Http404
    return window


@require_http_methods(["GET", "POST"])
def window_entry(request, point_code: str, window_number: str):
    window = _window(point_code, window_number)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            throttle_request(request, "window")
        except RateLimited as exc:
            return _limited(request, exc)
        try:
            case = services.window_lookup(
                point=window.point,
                number=request.POST.get("number", ""),
                phone_last4=request.POST.get("phone_last4", ""),
            )
        except DomainError as exc:
            errors = _form_errors(exc)
            status = 404 if isinstance(exc, NotFound) else 422
        else:
            return redirect("tracking:page", token=case.tracking_token)
    return render(
        request,
        "tracking/window.html",
        {
            "window": window,
            "errors": errors,
            "error_message": errors.get("_", ""),
            "post": request.POST,
        },
        status=status,
    )


def window_qr(request, point_code: str, window_number: str):
    window = _window(point_code, window_number)
    url = request.build_absolute_uri(
        reverse("tracking:window", args=[window.point.code, window.number])
    )
    return HttpResponse(qr_svg(url, box_size=8), content_type="image/svg+xml")


# -- staff messages --------------------------------------------------------------------------


@login_required
def staff_messages(request):
    try:
        threads = list(
            sel.staff_threads(user=request.user, unread_only=bool(request.GET.get("unread")))[:200]
        )
    except Forbidden:
        return forbidden_page(request, _("只有工作人员可以查看留言。"))
    for case in threads:
        case.holder_masked = sel.holder_masked(case)
    return render(request, "tracking/staff_list.html", {"threads": threads})


@login_required
@require_http_methods(["GET", "POST"])
def staff_thread(request, number: str):
    try:
        case = sel.staff_case(user=request.user, number=number)
    except Forbidden:
        return forbidden_page(request, _("只有工作人员可以查看留言。"))
    except NotFound:
        raise Http404 from None
    error = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "reply")
        try:
            if action == "revoke":
                services.tracking_token_revoke(
                    case=case, actor=request.user, reason=request.POST.get("reason", "")
                )
                messages.success(request, _("追踪码已作废，原链接不再可用。"))
            elif action == "renew":
                services.tracking_token_renew(case=case, actor=request.user)
                messages.success(request, _("已生成新的追踪码。"))
            else:
                services.message_reply(
                    case=case, actor=request.user, body=request.POST.get("body", "")
                )
                messages.success(request, _("回复已发送，并已短信通知申请人。"))
        except DomainError as exc:
            error = str(exc.message)
            status = exc.status
        else:
            return redirect("tracking:staff_thread", number=case.number)
    else:
        services.messages_mark_read_by_staff(case=case, actor=request.user)
    case.refresh_from_db()
    online = OnlineApplication.objects.filter(case=case).first()
    return render(
        request,
        "tracking/staff_thread.html",
        {
            "case": case,
            "holder": sel.holder_masked(case),
            "thread": sel.case_messages(case=case),
            "error": error,
            "body": request.POST.get("body", "") if error else "",
            "online": online,
            "tracking_url": request.build_absolute_uri(f"/t/{case.tracking_token}"),
        },
        status=status,
    )


# -- the applicant's own cases ---------------------------------------------------------------


@login_required
def my_cases(request):
    from onetrip.cases import states as S

    rows = []
    for case in sel.my_cases(user=request.user)[:200]:
        rows.append(
            {
                "case": case,
                "state_label": S.state_label(case.state),
                "certificate": sel.e_certificate_ready(case=case),
            }
        )
    return render(request, "tracking/my_cases.html", {"rows": rows})


@login_required
def my_certificate(request, number: str):
    try:
        case = sel.my_case(user=request.user, number=number)
    except NotFound:
        raise Http404 from None
    if not sel.e_certificate_ready(case=case):
        raise Http404
    url = request.build_absolute_uri(f"/t/{case.tracking_token}")
    pdf = render_pdf(
        template="tracking/print_certificate.html",
        context={
            "case": case,
            "holder_name": case.holder_name,
            "holder_number": case.holder_number,
            "qr": qr_svg(url, box_size=4),
            "decided_at": case.decided_at,
        },
    )
    return pdf_response(pdf=pdf, filename=f"e-certificate-{case.number}.pdf", inline=False)
