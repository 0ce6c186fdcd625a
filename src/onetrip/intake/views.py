"""Window-zero pages: the guide's (or self-service) pre-check, the answer page and its one-time
notice PDF, and form help with validation as you type and saved drafts. Thin: services decide."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods, require_POST

from onetrip.catalogue.selectors import district_resolve
from onetrip.documents import pdf_response, render_pdf
from onetrip.errors import DomainError, NotFound
from onetrip.intake.models import ApplicantKind
from onetrip.intake.selectors import (
    form_draft_get,
    form_fields_for,
    form_title_for,
    matter_by_code,
    matter_search,
    precheck_by_token,
)
from onetrip.intake.services import form_check, form_draft_save, precheck_run
from onetrip.roles import Role
from onetrip.throttles import throttled_view

DRAFT_SESSION_KEY = "intake_drafts"


def _district(request):
    code = request.GET.get("district") or request.POST.get("district")
    try:
        return district_resolve(code=code, user=request.user)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _matter(code, district):
    try:
        return matter_by_code(code=code, district=district)
    except DomainError as exc:
        raise Http404(str(exc)) from exc


@require_http_methods(["GET", "POST"])
@throttled_view("precheck")
def precheck_page(request):
    district = _district(request)
    if district is None:
        raise Http404("no district")
    q = request.GET.get("q", "")
    code = request.POST.get("matter") or request.GET.get("matter")
    matter = _matter(code, district) if code else None
    errors: dict[str, list[str]] = {}
    message = ""
    values = {"kind": "", "number": "", "at_hand": set()}
    if matter is not None:
        values["kind"] = "company" if matter.audience == "company" else "person"
    if request.method == "POST" and matter is not None:
        values = {
            "kind": request.POST.get("kind", ""),
            "number": request.POST.get("number", "").strip(),
            "at_hand": {int(v) for v in request.POST.getlist("at_hand") if v.isdigit()},
        }
        try:
            precheck = precheck_run(
                matter=matter,
                applicant_kind=values["kind"],
                holder_number=values["number"] or None,
                materials_at_hand=sorted(values["at_hand"]),
                actor=request.user,
            )
        except DomainError as exc:
            message = str(exc.message)
            errors = exc.field_messages()
        else:
            return redirect("intake:precheck_result", token=precheck.token)
    return render(
        request,
        "intake/precheck.html",
        {
            "district": district,
            "q": q,
            "results": matter_search(district=district, q=q) if (q or matter is None) else [],
            "matter": matter,
            "materials": list(matter.materials.order_by("position", "id")) if matter else [],
            "kinds": _kinds_for(matter),
            "values": values,
            "errors": errors,
            "number_errors": errors.get("applicant.number", []),
            "kind_errors": errors.get("applicant.kind", []),
            "message": message,
        },
        status=422 if message else 200,
    )


def _kinds_for(matter) -> list[tuple[str, Any]]:
    """The kinds of applicant the matter's rule set allows (all of them before one is picked)."""
    if matter is None:
        return ApplicantKind.choices
    from onetrip.catalogue.rules import applicant_kinds

    labels = dict(ApplicantKind.choices)
    return [(k, labels[k]) for k in applicant_kinds(matter)]


def _precheck_context(request, token):
    try:
        precheck = precheck_by_token(token=token)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    return {
        "pc": precheck,
        "matter": precheck.matter,
        "detail": precheck.next_detail,
        "page_url": request.build_absolute_uri(f"/precheck/{precheck.token}/"),
        "now": timezone.now(),
    }


def precheck_result(request, token):
    return render(request, "intake/precheck_result.html", _precheck_context(request, token))


def precheck_summary(request, token):
    """The pre-check in brief for the window console (matter, complete or what is missing):
    staff only; the console loads it beside the ticket the pre-check went with."""
    user = request.user
    if not (user.is_authenticated and user.has_role(Role.GUIDE, Role.CLERK, Role.MANAGER)):
        raise Http404
    return render(request, "intake/_precheck_summary.html", _precheck_context(request, token))


def precheck_notice_pdf(request, token):
    from onetrip.qr import qr_svg

    context = _precheck_context(request, token)
    context["qr"] = qr_svg(context["page_url"], box_size=4)
    pdf = render_pdf(template="intake/notice_print.html", context=context, request=request)
    return pdf_response(pdf=pdf, filename=f"precheck-{context['matter'].code}.pdf")


def _session_draft_token(request, matter) -> str:
    return request.session.get(DRAFT_SESSION_KEY, {}).get(str(matter.pk), "")


@require_http_methods(["GET", "POST"])
def form_page(request, code):
    district = None
    if request.GET.get("district"):
        district = _district(request)
    matter = _matter(code, district)
    fields = form_fields_for(matter=matter)
    data: dict[str, str] = {}
    errors: dict[str, str] = {}
    saved = None
    status = 200
    token = request.GET.get("draft") or _session_draft_token(request, matter)
    if token and request.method == "GET":
        try:
            data = dict(form_draft_get(token=token, matter=matter, user=request.user).data)
        except DomainError:
            token = ""
    if request.method == "POST":
        data = {f["name"]: request.POST.get(f["name"], "") for f in fields}
        action = request.POST.get("action", "save")
        if action == "check":
            _cleaned, errors = form_check(matter=matter, data=data)
            status = 422 if errors else 200
            saved = None if errors else "checked"
        else:
            try:
                draft = form_draft_save(
                    matter=matter,
                    data={k: v for k, v in data.items() if v.strip()},
                    user=request.user,
                    token=_session_draft_token(request, matter) or None,
                )
            except DomainError as exc:
                errors = exc.field_errors()
                status = 422
            else:
                drafts = dict(request.session.get(DRAFT_SESSION_KEY, {}))
                drafts[str(matter.pk)] = draft.token
                request.session[DRAFT_SESSION_KEY] = drafts
                token = draft.token
                saved = "saved"
    rows = [
        {**f, "value": data.get(f["name"], ""), "error": errors.get(f["name"], "")} for f in fields
    ]
    return render(
        request,
        "intake/form.html",
        {
            "matter": matter,
            "title": form_title_for(matter=matter),
            "rows": rows,
            "saved": saved,
            "draft_token": token,
            "error_count": len(errors),
        },
        status=status,
    )


@require_POST
def form_field_validate(request, code, field):
    """htmx: validate one field as the user types; returns the message to show beside it."""
    district = _district(request) if request.GET.get("district") else None
    matter = _matter(code, district)
    names = {f["name"] for f in form_fields_for(matter=matter)}
    if field not in names:
        raise Http404("unknown field")
    _cleaned, errors = form_check(
        matter=matter, data={field: request.POST.get(field, "")}, partial=True
    )
    message = errors.get(field, "")
    return HttpResponse(
        format_html(
            '<span class="field-error{}" id="err-{}" data-testid="err-{}" role="alert">{}</span>',
            "" if message else " ok",
            field,
            field,
            message,
        )
    )
