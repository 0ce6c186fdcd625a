import django.db.models.deletion
from django.db import migrations, models


def link_days(apps, schema_editor):
    ScheduleYear = apps.get_model("workdays", "ScheduleYear")
    DayException = apps.get_model("workdays", "DayException")
    for schedule in ScheduleYear.objects.all():
        DayException.objects.filter(date__year=schedule.year).update(schedule=schedule)
    # Exceptions for a year nobody declared (should not exist): give them a year of their own.
    for day in DayException.objects.filter(schedule__isnull=True):
        schedule, _ = ScheduleYear.objects.get_or_create(
            year=day.date.year, defaults={"source": "legacy"}
        )
        DayException.objects.filter(pk=day.pk).update(schedule=schedule)


class Migration(migrations.Migration):
    dependencies = [("workdays", "0002_seed_from_chinese_calendar")]
    operations = [
        migrations.AddField(
            model_name="scheduleyear",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, null=True, verbose_name="更新时间"),
        ),
        migrations.AddField(
            model_name="dayexception",
            name="schedule",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="days",
                to="workdays.scheduleyear",
                verbose_name="所属年份",
            ),
        ),
        migrations.RunPython(link_days, migrations.RunPython.noop),
    ]
