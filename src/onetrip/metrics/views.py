"""The district manager's figures page (/metrics/): filters, a before/after comparison of two
periods with plain CSS bars, and tables by point, department, agency and matter."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from onetrip.catalogue.models import Department, PointLevel, ServicePoint
from onetrip.errors import DomainError
from onetrip.metrics import selectors
from onetrip.people.models import Agency


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _num(value: Any, unit: str = "") -> str:
    return "—" if value is None else f"{value}{unit}"


def comparison_rows(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """Figure by figure, the two periods side by side with bar widths (0–100)."""
    minutes = _("分钟")
    specs = [
        (_("平均等候"), lambda f: f["waits"]["avg_wait_minutes"], "min", False),
        (_("90%的人等候不超过"), lambda f: f["waits"]["p90_wait_minutes"], "min", False),
        (_("首次提交通过率"), lambda f: f["cases"]["first_pass_rate"], "rate", True),
        (_("一次性补正率"), lambda f: f["cases"]["one_go_supplement_rate"], "rate", True),
        (
            _("企业一次性补正率"),
            lambda f: f["cases"]["one_go_supplement_rate_companies"],
            "rate",
            True,
        ),
        (_("零跑动办件占比"), lambda f: f["cases"]["zero_visit_share"], "rate", True),
        (_("件均跑动次数"), lambda f: f["cases"]["avg_visits"], "num", False),
        (_("街道社区办件占比"), lambda f: f["cases"]["local_share"], "rate", True),
        (_("超期率"), lambda f: f["cases"]["overdue_rate"], "rate", False),
        (_("满意率"), lambda f: f["satisfaction"]["satisfied_share"], "rate", True),
    ]
    rows = []
    for label, get, kind, higher_better in specs:
        va, vb = get(a), get(b)
        if kind == "rate":
            wa, wb = (v * 100 if v is not None else 0 for v in (va, vb))
            da, db = _pct(va), _pct(vb)
        else:
            top = max(v for v in (va, vb, 0.0001) if v is not None)
            wa, wb = ((v or 0) / top * 100 for v in (va, vb))
            unit = f" {minutes}" if kind == "min" else ""
            da, db = _num(va, unit), _num(vb, unit)
        better = None
        if va is not None and vb is not None and va != vb:
            better = (vb > va) == higher_better
        rows.append(
            {"label": label, "a": da, "b": db, "wa": round(wa), "wb": round(wb), "better": better}
        )
    return rows


def default_periods(*, district, today: dt.date):
    """The comparison the page opens with: before vs after the day window zero opened (the
    first guide pre-check at the district centre), two periods of equal length up to yesterday;
    without such a day in the last year, the four weeks before the last four."""
    from onetrip.intake.selectors import window_zero_opened

    reform = window_zero_opened(district=district)
    yesterday = today - dt.timedelta(days=1)
    if reform is not None and today - dt.timedelta(days=365) <= reform <= today - dt.timedelta(
        days=7
    ):
        b = (reform, min(yesterday, reform + dt.timedelta(days=55)))
        length = b[1] - b[0]
        return (reform - dt.timedelta(days=1) - length, reform - dt.timedelta(days=1)), b
    return (
        (today - dt.timedelta(days=56), today - dt.timedelta(days=29)),
        (today - dt.timedelta(days=28), yesterday),
    )


def metrics_page(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        district = selectors.district_for_user(user=request.user, code=request.GET.get("district"))
    except DomainError as exc:
        raise PermissionDenied(str(exc)) from exc
    today = selectors.now_local().date()
    g = request.GET
    errors = []
    a_default, b_default = default_periods(district=district, today=today)
    a_since = _date(g.get("a_since")) or a_default[0]
    a_until = _date(g.get("a_until")) or a_default[1]
    b_since = _date(g.get("b_since")) or b_default[0]
    b_until = _date(g.get("b_until")) or b_default[1]
    if a_since > a_until or b_since > b_until:
        errors.append(_("起始日期不能晚于截止日期。"))
        a_since, a_until = a_until, a_since
        b_since, b_until = min(b_since, b_until), max(b_since, b_until)
    filters = {
        "point": g.get("point") or None,
        "department": g.get("department") or None,
        "matter": (g.get("matter") or "").strip() or None,
        "agency": g.get("agency") or None,
        "kind": g.get("kind") or None,
        "channel": g.get("channel") or None,
    }
    since, until = min(a_since, b_since), max(a_until, b_until)
    try:
        scope = selectors.scope_resolve(district=district, since=since, until=until, **filters)
    except DomainError as exc:
        errors.append(str(exc))
        scope = selectors.scope_resolve(district=district, since=since, until=until)
    report = selectors.metrics_report(scope, today=today)
    a = selectors.reform_figures(
        scope.but(
            **dict(
                zip(
                    ("since", "until"),
                    selectors.period_bounds(since=a_since, until=a_until),
                    strict=True,
                )
            )
        ),
        today=today,
        fresh=False,
    )
    b = selectors.reform_figures(
        scope.but(
            **dict(
                zip(
                    ("since", "until"),
                    selectors.period_bounds(since=b_since, until=b_until),
                    strict=True,
                )
            )
        ),
        today=today,
    )
    query = {
        "district": district.code,
        "since": since.isoformat(),
        "until": until.isoformat(),
        **{k: v for k, v in scope.filters().items() if v is not None},
    }
    return render(
        request,
        "metrics/metrics.html",
        {
            "district": district,
            "report": report,
            "f": report["figures"],
            "compare": comparison_rows(a, b),
            "a_since": a_since,
            "a_until": a_until,
            "b_since": b_since,
            "b_until": b_until,
            "scope": scope,
            "trend": selectors.weekly_trend(scope, today=today),
            "errors": errors,
            "points": ServicePoint.objects.filter(district=district)
            .exclude(level=PointLevel.CITY)
            .order_by("level", "code"),
            "departments": Department.objects.filter(district=district).order_by("code"),
            "agencies": Agency.objects.filter(district=district).order_by("name"),
            "matter_code": g.get("matter") or "",
            "export_url": "/api/v1/metrics/export.xlsx?" + urlencode(query),
            "api_url": "/api/v1/metrics?" + urlencode(query),
            "matters_top": report["breakdowns"]["matter"][:20],
            "safety": _safety_figures(district=district, since=since, until=until),
        },
    )


def _safety_figures(*, district, since: dt.date, until: dt.date) -> dict[str, Any]:
    """平安365 incidents of the period: per platform and per street (from the safety app)."""
    from onetrip.safety.selectors import incident_figures

    start, end = selectors.period_bounds(since=since, until=until)
    return incident_figures(district_id=district.pk, start=start, end=end)
