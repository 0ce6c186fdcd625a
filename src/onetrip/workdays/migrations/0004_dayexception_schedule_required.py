import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    # Separate from 0003: PostgreSQL refuses ALTER TABLE after row updates with pending
    # deferred foreign-key triggers in the same transaction.
    dependencies = [("workdays", "0003_dayexception_schedule")]
    operations = [
        migrations.AlterField(
            model_name="dayexception",
            name="schedule",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="days",
                to="workdays.scheduleyear",
                verbose_name="所属年份",
            ),
        ),
    ]
