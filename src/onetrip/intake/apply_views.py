"""Pages of the online application (网上办, ``/apply/``): the matters the signed-in user may
apply for online — as themselves, a company, a company being founded, or an agent's client —
and the form. Thin: the rule set decides (``apply_selectors``), the service writes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from onetrip.catalogue.models import PointLevel, ServicePoint
from onetrip.errors import DomainError, NotFound
from onetrip.intake import apply_selectors as sel
from onetrip.intake.apply_services import online_apply
from onetrip.intake.models import OnlineDelivery
from onetrip.intake.selectors import form_title_for
from onetrip.intake.services import ONSITE_TEXT
from onetrip.throttles import throttle_request


def _district(request) -> ServicePoint:
    from onetrip.catalogue.selectors import district_resolve

    code = request.GET.get("district") or request.POST.get("district")
    try:
        # the applicant's pages: the district named, else the default (never a staff
        # member's own, so a clerk trying the public form sees what applicants see)
        district = district_resolve(code=code)
    except NotFound:
        raise Http404 from None
    if district is None:
        raise Http404
    return district


def _onsite_texts(rules) -> list[str]:
    return [str(ONSITE_TEXT.get(step, step)) for step in rules.onsite_steps]


@login_required
def apply_list(request):
    """Matters to apply for online, for the ways this user may apply; matters this user may
    apply for only with an on-site step are listed apart, told as the one visit."""
    district = _district(request)
    districts = ServicePoint.objects.filter(level=PointLevel.DISTRICT, is_active=True)
    holders = sel.holders_for(user=request.user)
    online, one_visit = [], []
    for m in sel.online_matters(district=district):
        if any(sel.holder_fits(matter=m, holder=h) for h in holders):
            online.append(m)
            continue
        visit = next((r for h in holders if (r := sel.holder_visit(matter=m, holder=h))), None)
        if visit is not None:
            m.onsite_texts = _onsite_texts(visit)
            one_visit.append(m)
    return render(
        request,
        "intake/apply_list.html",
        {
            "district": district,
            "districts": districts,
            "matters": online,
            "one_visit": one_visit,
            "holders": holders,
        },
    )


def _uploads(request) -> tuple[dict[int, object], list[int]]:
    uploads, later = {}, []
    for name, upload in request.FILES.items():
        if name.startswith("material_"):
            try:
                uploads[int(name.split("_", 1)[1])] = upload
            except ValueError:
                continue
    for value in request.POST.getlist("later"):
        if value.isdigit():
            later.append(int(value))
    return uploads, later


@login_required
@require_http_methods(["GET", "POST"])
def apply_matter(request, code: str):
    district = _district(request)
    matter = sel.online_matters(district=district).filter(code=code).first()
    if matter is None:
        raise Http404
    every = sel.holders_for(user=request.user)
    holders = [h for h in every if sel.holder_fits(matter=matter, holder=h)]
    visit = next((r for h in every if (r := sel.holder_visit(matter=matter, holder=h))), None)
    key = (
        request.POST.get("holder")
        or request.GET.get("as")
        or (holders[0]["key"] if holders else "")
    )
    holder = next((h for h in holders if h["key"] == key), None)
    fields = sel.form_fields_for_holder(matter=matter, holder=holder)
    errors: dict[str, str] = {}
    error_message = ""
    status = 200
    values = sel.form_initial(holder=holder, user=request.user)
    if request.method == "POST":
        data = {f["name"]: request.POST.get(f["name"], "") for f in fields}
        try:
            throttle_request(request, "apply")
            if request.FILES:
                throttle_request(request, "upload")
            uploads, later = _uploads(request)
            case = online_apply(
                actor=request.user,
                matter=matter,
                holder_key=key,
                form_data=data,
                delivery=request.POST.get("delivery", ""),
                delivery_address=request.POST.get("delivery_address", ""),
                uploads=uploads,
                later=later,
                commitment_signed=bool(request.POST.get("commitment_signed")),
            )
        except DomainError as exc:
            errors = exc.field_errors()
            error_message = str(exc.message)
            status = exc.status
        else:
            messages.success(
                request,
                _("申请已提交，办件编号 %(n)s。全程网上办理，无需到现场。") % {"n": case.number},
            )
            return redirect("tracking:my_cases")
        values = data
    rows = [
        {**f, "value": values.get(f["name"], ""), "error": errors.get(f"form.{f['name']}", "")}
        for f in fields
    ]
    plan = sel.material_plan(matter=matter, holder=holder) if holder else []
    chosen_later = set(request.POST.getlist("later")) if request.method == "POST" else None
    for item in plan:
        item["error"] = errors.get(f"material_{item['material'].pk}", "")
        item["later_chosen"] = (
            item["later"] if chosen_later is None else str(item["material"].pk) in chosen_later
        )
    return render(
        request,
        "intake/apply_form.html",
        {
            "matter": matter,
            "district": district,
            "title": form_title_for(matter=matter),
            "holders": holders,
            "holder": holder,
            "rows": rows,
            "plan": plan,
            "has_later": any(item["later"] for item in plan),
            "commitment_signed": request.POST.get("commitment_signed", "")
            if request.method == "POST"
            else "",
            "visit": visit,
            "onsite_texts": _onsite_texts(visit) if visit is not None else [],
            "deliveries": OnlineDelivery.choices,
            "delivery": request.POST.get("delivery", OnlineDelivery.E_CERTIFICATE),
            "delivery_address": request.POST.get("delivery_address", ""),
            "errors": errors,
            "error_message": error_message,
        },
        status=status,
    )
