"""Working-day arithmetic over the calendar kept in the database.

Deadlines count working days: statutory holidays are skipped and shifted weekend working days
count. A computation that reaches a year with no published schedule raises ``NoSchedule``:
never guess from weekends alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from onetrip.errors import DomainError

#: Staff are warned this many days before the last scheduled day of the calendar.
WARN_DAYS_BEFORE_END = 60


class NoSchedule(DomainError):
    """A working-day computation reached a year without a published holiday schedule."""

    status = 409
    code = "no_workday_schedule"
    year: int | None = None


def _no_schedule(year: int) -> NoSchedule:
    exc = NoSchedule(
        _(
            "%(year)s 年的节假日安排尚未录入工作日历，无法计算落在该年的期限。"
            "请管理员在国务院发布该年安排后录入（后台“工作日历”或 workdays_import 命令）。"
        )
        % {"year": year}
    )
    exc.year = year
    return exc


def _year_table(year: int) -> dict[dt.date, bool]:
    """The exceptions of one scheduled year, in ONE query (a LEFT JOIN from the year row).

    No row at all means the year has no schedule; a row of NULLs means a schedule without
    exceptions (possible for a provisional year).
    """
    from onetrip.workdays.models import ScheduleYear

    rows = list(
        ScheduleYear.objects.filter(year=year).values_list("days__date", "days__is_workday")
    )
    if not rows:
        raise _no_schedule(year)
    return {day: workday for day, workday in rows if day is not None}


class WorkdayCalendar:
    """Year tables read once and reused: one per call by default; pass one instance as
    ``calendar=`` to many calls (an overdue sweep over thousands of cases) to read each year
    once for the whole batch. Do not keep one across requests: it does not see later edits."""

    def __init__(self) -> None:
        self.years: dict[int, dict[dt.date, bool]] = {}

    def is_workday(self, day: dt.date) -> bool:
        table = self.years.get(day.year)
        if table is None:
            table = self.years[day.year] = _year_table(day.year)
        if day in table:
            return table[day]
        return day.isoweekday() <= 5


_Calendar = WorkdayCalendar  # older name


def is_workday(*, day: dt.date, calendar: WorkdayCalendar | None = None) -> bool:
    return (calendar or WorkdayCalendar()).is_workday(day)


def working_days_after(
    *, start: dt.date, days: int, calendar: WorkdayCalendar | None = None
) -> dt.date:
    """The date ``days`` working days after ``start`` (start itself not counted).

    ``days == 0`` means the same day if it is a working day, else the next working day.
    Raises NoSchedule when the count reaches a year without a published schedule.
    """
    cal = calendar or WorkdayCalendar()
    day = start
    if days == 0:
        while not cal.is_workday(day):
            day += dt.timedelta(days=1)
        return day
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if cal.is_workday(day):
            counted += 1
    return day


def working_days_between(
    *, start: dt.date, end: dt.date, calendar: WorkdayCalendar | None = None
) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end < start:
        return -working_days_between(start=end, end=start, calendar=calendar)
    cal = calendar or WorkdayCalendar()
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if cal.is_workday(day):
            count += 1
    return count


@dataclass(frozen=True)
class WorkdaysStatus:
    """What the calendar knows, as seen on ``today``."""

    today: dt.date
    years: list[int] = field(default_factory=list)
    provisional_years: list[int] = field(default_factory=list)
    missing_years: list[int] = field(default_factory=list)
    last_day: dt.date | None = None
    days_left: int | None = None
    warning: str | None = None

    @property
    def first_year(self) -> int | None:
        return self.years[0] if self.years else None

    @property
    def last_year(self) -> int | None:
        return self.years[-1] if self.years else None


def workdays_status(*, today: dt.date) -> WorkdaysStatus:
    """Scheduled years, gaps, provisional years and the administrator warning for ``today``."""
    from onetrip.workdays.models import ScheduleYear

    rows = list(ScheduleYear.objects.order_by("year").values_list("year", "source"))
    years = [y for y, _src in rows]
    provisional = [y for y, src in rows if src in ScheduleYear.PROVISIONAL_SOURCES]
    missing: list[int] = []
    last_day = days_left = None
    if years:
        known = set(years)
        missing = [y for y in range(years[0], max(years[-1], today.year) + 1) if y not in known]
        last_day = dt.date(years[-1], 12, 31)
        days_left = (last_day - today).days
    return WorkdaysStatus(
        today=today,
        years=years,
        provisional_years=provisional,
        missing_years=missing,
        last_day=last_day,
        days_left=days_left,
        warning=_warning(today, years, provisional, last_day, days_left),
    )


def _warning(
    today: dt.date,
    years: list[int],
    provisional: list[int],
    last_day: dt.date | None,
    days_left: int | None,
) -> str | None:
    if not years or last_day is None or days_left is None:
        return _("工作日历中没有任何年份的节假日安排，所有按工作日计算的期限都会被拒绝。")
    parts: list[str] = []
    if today.year not in years:
        parts.append(
            _("今年（%(year)s 年）的节假日安排尚未录入工作日历，今年的期限无法计算。")
            % {"year": today.year}
        )
    elif days_left <= WARN_DAYS_BEFORE_END:
        parts.append(
            _(
                "工作日历只录入到 %(last)s（还剩 %(left)s 天）。请在国务院发布 %(next)s 年"
                "节假日安排后尽快录入，否则跨入 %(next)s 年的期限将无法计算。"
            )
            % {"last": last_day.isoformat(), "left": days_left, "next": last_day.year + 1}
        )
    near = [y for y in provisional if today.year <= y <= today.year + 1]
    if near:
        parts.append(
            _("%(years)s 年使用的是演示用临时安排（非官方，仅周末休息），请以国务院通知为准替换。")
            % {"years": "、".join(str(y) for y in near)}
        )
    return " ".join(parts) or None


def schedule_warning(*, today: dt.date) -> str | None:
    """A warning for administrators when the calendar is about to run out, else None."""
    return workdays_status(today=today).warning
