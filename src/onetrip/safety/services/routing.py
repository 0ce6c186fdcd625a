"""Routing rules and SLAs: which platform and department an incident goes to, and by when it
must be closed. Pure reads over the rule and SLA tables; the writers call them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings

from onetrip.safety.models import RoutingRule, SlaPolicy, SlaUnit, Urgency
from onetrip.safety.models.incidents import DayType
from onetrip.workdays.selectors import WorkdayCalendar, working_days_after

if TYPE_CHECKING:
    from onetrip.catalogue.models import Department

#: used when a district has no SlaPolicy row for a kind and urgency
DEFAULT_SLA: dict[str, tuple[int, str]] = {
    Urgency.CRITICAL: (2, SlaUnit.HOURS),
    Urgency.URGENT: (24, SlaUnit.HOURS),
    Urgency.NORMAL: (5, SlaUnit.WORKDAYS),
}


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE))


@dataclass(frozen=True)
class Route:
    rule: RoutingRule
    platform: str
    department: Department
    urgency: str
    auto_dispatch: bool


def _hour_matches(rule: RoutingRule, hour: int) -> bool:
    if rule.hour_from <= rule.hour_to:
        return rule.hour_from <= hour < rule.hour_to
    return hour >= rule.hour_from or hour < rule.hour_to  # across midnight


def _place_matches(rule: RoutingRule, cell) -> bool:
    if rule.cell_id and rule.cell_id != cell.pk:
        return False
    if rule.place_id and rule.place_id not in (cell.community_id, cell.community.parent_id):
        return False
    return True


def route_for(
    *,
    district,
    kind: str,
    cell,
    at: dt.datetime,
    urgency: str = Urgency.NORMAL,
    calendar: WorkdayCalendar | None = None,
    rules: list[RoutingRule] | None = None,
) -> Route | None:
    """The first active rule (by position) matching kind, place and local time, or None.

    A rule limited to working days or days off consults the working-day calendar; a year with
    no schedule makes such a rule not match (the remaining rules still apply).
    """
    when = local(at)
    cal = calendar or WorkdayCalendar()
    if rules is None:
        rules = list(
            RoutingRule.objects.filter(district=district, is_active=True)
            .select_related("department")
            .order_by("position", "id")
        )
    for rule in rules:
        if rule.kind and rule.kind != kind:
            continue
        if not _place_matches(rule, cell):
            continue
        if not _hour_matches(rule, when.hour):
            continue
        if rule.day_type != DayType.ANY:
            from onetrip.workdays.selectors import NoSchedule

            try:
                workday = cal.is_workday(when.date())
            except NoSchedule:
                continue
            if workday != (rule.day_type == DayType.WORKDAY):
                continue
        return Route(
            rule=rule,
            platform=rule.platform,
            department=rule.department,
            urgency=rule.urgency or urgency,
            auto_dispatch=rule.auto_dispatch,
        )
    return None


def sla_for(*, district, kind: str, urgency: str) -> tuple[int, str]:
    row = (
        SlaPolicy.objects.filter(district=district, kind=kind, urgency=urgency)
        .values_list("amount", "unit")
        .first()
    )
    return tuple(row) if row else DEFAULT_SLA[urgency]  # type: ignore[return-value]


def sla_due(
    *, start: dt.datetime, amount: int, unit: str, calendar: WorkdayCalendar | None = None
) -> dt.datetime:
    """When an incident started at ``start`` must be closed.

    Hours run round the clock (the command centre works 24/7). Working days skip weekends and
    statutory holidays and count shifted working weekends (the ``workdays`` calendar); the
    deadline is the end (23:59:59 local) of the ``amount``-th working day after the start day.
    Raises ``workdays.selectors.NoSchedule`` when that reaches a year with no schedule.
    """
    if unit == SlaUnit.HOURS:
        return start + dt.timedelta(hours=amount)
    day = working_days_after(start=local(start).date(), days=amount, calendar=calendar)
    end = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=ZoneInfo(settings.TIME_ZONE))
    return end.astimezone(dt.UTC)
