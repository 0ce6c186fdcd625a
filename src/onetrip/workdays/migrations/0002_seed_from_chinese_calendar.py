"""Seed the calendar from chinese-calendar for every year it knows (2004–2026 in 1.11)."""

import datetime as dt

from django.db import migrations


def seed(apps, schema_editor):
    import chinese_calendar

    ScheduleYear = apps.get_model("workdays", "ScheduleYear")
    DayException = apps.get_model("workdays", "DayException")
    years = sorted({d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays})
    rows = []
    for year in years:
        if ScheduleYear.objects.filter(year=year).exists():
            continue
        ScheduleYear.objects.create(year=year, source="chinese-calendar")
        day = dt.date(year, 1, 1)
        while day.year == year:
            weekday_says = day.isoweekday() <= 5
            try:
                actual = chinese_calendar.is_workday(day)
            except NotImplementedError:
                break
            if actual != weekday_says:
                _, name = chinese_calendar.get_holiday_detail(day)
                label = chinese_calendar.constants.Holiday(name).chinese if name else ""
                if not actual and not label:
                    label = "节假日"
                if actual:
                    label = f"{label}调休上班" if label else "调休上班"
                rows.append(DayException(date=day, is_workday=actual, name=label[:60]))
            day += dt.timedelta(days=1)
    DayException.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
