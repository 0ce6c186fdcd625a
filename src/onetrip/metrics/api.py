"""Figures API: ``GET /api/v1/metrics`` and ``GET /api/v1/metrics/export.xlsx`` (managers, admins)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router

from onetrip.auth import staff_auth
from onetrip.dbrouter import replica_reads
from onetrip.errors import ValidationFailed
from onetrip.metrics import selectors
from onetrip.metrics.exports import metrics_workbook
from onetrip.metrics.schemas import MetricsQuery, ReportOut

router = Router(tags=["metrics"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report(request, q: MetricsQuery, *, trend: bool = False) -> dict[str, Any]:
    if q.since and q.until and q.since > q.until:
        raise ValidationFailed(
            _("起始日期不能晚于截止日期。"), code="bad_period", fields={"since": [_("无效")]}
        )
    scope = selectors.scope_resolve(
        district=selectors.district_for_user(user=request.user, code=q.district),
        **q.dict(exclude={"district"}),
    )
    return selectors.metrics_report(scope, trend=trend)


@router.get("/metrics", auth=staff_auth, response=ReportOut, summary="改革成效指标")
def metrics(request, q: Query[MetricsQuery]) -> dict[str, Any]:
    """All figures of MISSION §11 for the scope (dates inclusive, Asia/Shanghai), with the
    breakdowns by point, department, matter and agency. Managers see their own district."""
    with replica_reads():  # the figures tolerate the replica's lag of a moment
        return _report(request, q)


@router.get("/metrics/export.xlsx", auth=staff_auth, summary="改革成效指标（Excel）")
def metrics_export(request, q: Query[MetricsQuery]):
    """The dashboard's tables as a workbook: summary, one sheet per breakdown, weekly trend
    (when the period is bounded)."""
    with replica_reads():
        report = _report(request, q, trend=bool(q.since and q.until))
    trend = report.get("trend")
    resp = HttpResponse(metrics_workbook(report, trend=trend), content_type=XLSX)
    name = f"metrics-{report['district']['code']}-{q.since or 'all'}-{q.until or 'now'}.xlsx"
    resp["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp
