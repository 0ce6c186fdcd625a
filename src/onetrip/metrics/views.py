"""The district manager's figures page (/metrics/): filters, a before/after comparison of two
periods with plain CSS bars, and tables by point, department, agency and matter."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from onetrip.cases.models import Channel
from onetrip.catalogue.models import Department, PointLevel, ServicePoint
from onetrip.clock import local_today
from onetrip.dbrouter import replica_view
from onetrip.errors import DomainError
from onetrip.metrics import drill, selectors
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
        (_("实名差评回访率"), lambda f: f["followups"]["callback_rate"], "rate", True),
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


#: the figures a breakdown can be ranked by: (key, part, figure, higher is better)
RANKINGS = (
    ("cases", "cases", "cases", True),
    ("first_pass_rate", "cases", "first_pass_rate", True),
    ("one_go_supplement_rate", "cases", "one_go_supplement_rate", True),
    ("zero_visit_share", "cases", "zero_visit_share", True),
    ("overdue_rate", "cases", "overdue_rate", False),
    ("avg_wait_minutes", "waits", "avg_wait_minutes", False),
    ("satisfied_share", "satisfaction", "satisfied_share", True),
)
_ROW_FILTER = {"point": "code", "department": "code", "matter": "code", "agency": "id"}


def ranked(rows: list[dict[str, Any]], rank: str) -> list[dict[str, Any]]:
    """Rows best first by the chosen figure (rows without it last), numbered 1, 2, …"""
    spec = next((r for r in RANKINGS if r[0] == rank), RANKINGS[0])
    _key, part, figure, higher = spec
    with_value = [r for r in rows if r[part][figure] is not None]
    without = [r for r in rows if r[part][figure] is None]
    with_value.sort(key=lambda r: r[part][figure], reverse=higher)
    out = []
    for i, r in enumerate(with_value + without, start=1):
        out.append({**r, "rank": i if r[part][figure] is not None else None})
    return out


def _with_links(rows, by: str, base: dict[str, Any]) -> list[dict[str, Any]]:
    """Each row with the query that narrows the page (and its drill-downs) to it."""
    out = []
    for r in rows:
        q = {**base, by: r[_ROW_FILTER[by]]}
        out.append({**r, "query": urlencode(q)})
    return out


def _district(request):
    try:
        return selectors.district_for_user(user=request.user, code=request.GET.get("district"))
    except DomainError as exc:
        raise PermissionDenied(str(exc)) from exc


def _filters(g) -> dict[str, Any]:
    return {
        "point": g.get("point") or None,
        "department": g.get("department") or None,
        "matter": (g.get("matter") or "").strip() or None,
        "agency": g.get("agency") or None,
        "kind": g.get("kind") or None,
        "channel": g.get("channel") or None,
    }


def _period(scope: selectors.Scope, since: dt.date, until: dt.date) -> selectors.Scope:
    start, end = selectors.period_bounds(since=since, until=until)
    return scope.but(since=start, until=end)


@replica_view
def metrics_page(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    district = _district(request)
    today = local_today()
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
    since, until = min(a_since, b_since), max(a_until, b_until)
    try:
        scope = selectors.scope_resolve(district=district, since=since, until=until, **_filters(g))
    except DomainError as exc:
        errors.append(str(exc))
        scope = selectors.scope_resolve(district=district, since=since, until=until)
    report = selectors.metrics_report(
        scope,
        today=today,
        compare=(_period(scope, a_since, a_until), _period(scope, b_since, b_until)),
        trend=True,
    )
    a, b = report["compare"]["a"], report["compare"]["b"]
    query = {
        "district": district.code,
        "since": since.isoformat(),
        "until": until.isoformat(),
        **{k: v for k, v in scope.filters().items() if v is not None},
    }
    rank = g.get("rank") or "cases"
    breakdowns = {
        by: _with_links(ranked(rows, rank), by, query) for by, rows in report["breakdowns"].items()
    }
    trend = report["trend"]
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
            "trend": trend,
            "trend_charts": (charts := trend_charts(trend)),
            "trend_rows": [
                (week, [c["values"][i] for c in charts]) for i, week in enumerate(trend["weeks"])
            ],
            "breakdowns": breakdowns,
            "matters_top": breakdowns["matter"][:20],
            "rank": rank,
            "rankings": ranking_labels(),
            "kinds": (("person", _("个人")), ("company", _("企业"))),
            "channels": Channel.choices,
            "errors": errors,
            "points": ServicePoint.objects.filter(district=district)
            .exclude(level=PointLevel.CITY)
            .order_by("level", "code"),
            "departments": Department.objects.filter(district=district).order_by("code"),
            "agencies": Agency.objects.filter(district=district).order_by("name"),
            "matter_code": g.get("matter") or "",
            "query": urlencode(query),
            "export_url": "/api/v1/metrics/export.xlsx?" + urlencode(query),
            "api_url": "/api/v1/metrics?" + urlencode(query),
            "safety": _safety_figures(district=district, since=since, until=until),
        },
    )


def _safety_figures(*, district, since: dt.date, until: dt.date) -> dict[str, Any]:
    """平安365 incidents of the period: per platform and per street (from the safety app)."""
    from onetrip.safety.selectors import incident_figures

    start, end = selectors.period_bounds(since=since, until=until)
    assert start is not None and end is not None  # both dates are given
    return incident_figures(district_id=district.pk, start=start, end=end)


def ranking_labels() -> list[tuple[str, str]]:
    labels = {
        "cases": _("办件数"),
        "first_pass_rate": _("首次提交通过率"),
        "one_go_supplement_rate": _("一次性补正率"),
        "zero_visit_share": _("零跑动办件占比"),
        "overdue_rate": _("超期率（低者优先）"),
        "avg_wait_minutes": _("平均等候（短者优先）"),
        "satisfied_share": _("满意率"),
    }
    return [(key, labels[key]) for key, *_rest in RANKINGS]


def trend_charts(trend: dict[str, Any]) -> list[dict[str, Any]]:
    """One small chart per headline figure: its title, unit and weekly values."""
    titles = {
        "avg_wait_minutes": (_("平均等候"), _("分钟")),
        "p90_wait_minutes": (_("90%等候"), _("分钟")),
        "first_pass_rate": (_("首次提交通过率"), "%"),
        "one_go_supplement_rate": (_("一次性补正率"), "%"),
        "zero_visit_share": (_("零跑动办件占比"), "%"),
        "avg_visits": (_("件均跑动次数"), ""),
        "local_share": (_("街道社区办件占比"), "%"),
        "overdue_rate": (_("超期率"), "%"),
        "satisfied_share": (_("满意率"), "%"),
        "cases": (_("办件数"), ""),
        "tickets": (_("叫号数"), ""),
    }
    out = []
    for key, (title, unit) in titles.items():
        values = trend["series"][key]
        if unit == "%":
            values = [None if v is None else round(v * 100, 1) for v in values]
        out.append({"key": key, "title": str(title), "unit": str(unit), "values": values})
    return out


DRILL_LABELS = {
    "all": _lazy("全部办件"),
    "overdue": _lazy("超期办件"),
    "supplemented": _lazy("经补正的办件"),
    "refused": _lazy("不予受理的办件"),
    "first_pass": _lazy("首次提交即通过的办件"),
    "zero_visit": _lazy("零跑动办件"),
    "two_plus_visits": _lazy("跑动2次及以上的办件"),
}
DRILL_LIMIT = 200


def _scope_from_query(request, district):
    g = request.GET
    since, until = _date(g.get("since")), _date(g.get("until"))
    if since and until and since > until:
        raise Http404
    try:
        return selectors.scope_resolve(district=district, since=since, until=until, **_filters(g))
    except DomainError as exc:
        raise Http404 from exc


def _drill_cursor(value: str | None) -> tuple[dt.datetime, int] | None:
    """``?before=<submitted_at ISO>_<id>`` → (time, id); junk → None (the first page)."""
    when, _sep, pk = (value or "").rpartition("_")
    try:
        at = dt.datetime.fromisoformat(when)
        return (at, int(pk)) if at.tzinfo is not None else None
    except ValueError:
        return None


@replica_view
def metrics_cases(request):
    """The cases behind a figure (drill-down), for the same scope as the dashboard: newest
    first, ``DRILL_LIMIT`` a page, deeper pages by keyset (``?before=``: every page costs the
    same); the count is the figure's own, from the roll-ups; ``format=csv`` streams them all."""
    from django.db.models import Q

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    district = _district(request)
    figure = request.GET.get("figure") or "all"
    if figure not in drill.DRILL:
        raise Http404
    scope = _scope_from_query(request, district)
    today = local_today()
    qs = drill.drill_cases(scope, figure=figure, today=today)
    if request.GET.get("format") == "csv":
        from django.http import StreamingHttpResponse

        from onetrip.metrics.exports import drill_csv_lines

        resp = StreamingHttpResponse(drill_csv_lines(qs), content_type="text/csv; charset=utf-8")
        resp["Content-Disposition"] = f'attachment; filename="cases-{figure}.csv"'
        return resp
    total = drill.drill_total(scope, figure=figure, today=today)
    if total is None:
        total = qs.count()
    page = qs
    cursor = _drill_cursor(request.GET.get("before"))
    if cursor is not None:
        at, pk = cursor
        page = qs.filter(Q(submitted_at__lt=at) | Q(submitted_at=at, id__lt=pk))
    cases = list(page[: DRILL_LIMIT + 1])
    more = len(cases) > DRILL_LIMIT
    cases = cases[:DRILL_LIMIT]
    flags = {c.pk: drill.case_flags(case=c, today=today)["overdue"] for c in cases}
    back = request.GET.copy()
    for key in ("figure", "format", "before"):
        back.pop(key, None)
    next_url = None
    if more and cases:
        query = request.GET.copy()
        query["before"] = f"{cases[-1].submitted_at.isoformat()}_{cases[-1].pk}"
        next_url = f"?{query.urlencode()}"
    csv_query = request.GET.copy()
    csv_query.pop("before", None)
    csv_query["format"] = "csv"
    return render(
        request,
        "metrics/cases.html",
        {
            "district": district,
            "scope": scope,
            "figure": figure,
            "label": DRILL_LABELS[figure],
            "total": total,
            "cases": [(c, flags[c.pk]) for c in cases],
            "limit": DRILL_LIMIT,
            "csv_url": f"?{csv_query.urlencode()}",
            "back_query": back.urlencode(),
            "next_url": next_url,
            "paged": cursor is not None,
        },
    )


@replica_view
def metrics_csv(request):
    """One table of the dashboard as CSV (``table``: summary, trend, point, department,
    matter, agency), for the same scope as the page's Excel export."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    from onetrip.metrics.exports import TABLE_KEYS, report_csv

    district = _district(request)
    table = request.GET.get("table") or "summary"
    if table not in TABLE_KEYS:
        raise Http404
    scope = _scope_from_query(request, district)
    today = local_today()
    if table == "trend" and (scope.since is None or scope.until is None):
        raise Http404
    report = selectors.metrics_report(scope, today=today, trend=table == "trend")
    trend = report.get("trend")
    resp = HttpResponse(
        report_csv(report, table, trend=trend), content_type="text/csv; charset=utf-8"
    )
    resp["Content-Disposition"] = f'attachment; filename="metrics-{table}.csv"'
    return resp
