"""The online application moved to the intake app (its 0003 takes the model over, same table)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0001_initial"),
        ("intake", "0003_onlineapplication_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="OnlineApplication")],
            database_operations=[],
        ),
    ]
