"""Working-day arithmetic over the calendar kept in the database.

Deadlines count working days: statutory holidays are skipped and shifted weekend working days
count. A computation that reaches a year with no published schedule raises ``NoSchedule``:
never guess from weekends alone.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from onetrip.errors import DomainError


class NoSchedule(DomainError):
    status = 409
    code = "no_workday_schedule"


def _year_table(year: int) -> dict[dt.date, bool]:
    from onetrip.workdays.models import DayException, ScheduleYear

    if not ScheduleYear.objects.filter(year=year).exists():
        raise NoSchedule(
            _("%(year)s 年的节假日安排尚未录入工作日历，无法计算期限。请管理员先录入该年安排。")
            % {"year": year}
        )
    return dict(DayException.objects.filter(date__year=year).values_list("date", "is_workday"))


class _Calendar:
    """Per-call cache of year tables, so a long count reads each year once."""

    def __init__(self) -> None:
        self.years: dict[int, dict[dt.date, bool]] = {}

    def is_workday(self, day: dt.date) -> bool:
        table = self.years.get(day.year)
        if table is None:
            table = self.years[day.year] = _year_table(day.year)
        if day in table:
            return table[day]
        return day.isoweekday() <= 5


def is_workday(*, day: dt.date) -> bool:
    return _Calendar().is_workday(day)


def working_days_after(*, start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (start itself not counted).

    ``days == 0`` means the same day if it is a working day, else the next working day.
    """
    cal = _Calendar()
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


def working_days_between(*, start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end < start:
        return -working_days_between(start=end, end=start)
    cal = _Calendar()
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if cal.is_workday(day):
            count += 1
    return count
