# TicketAlert moved to the queueing app (queueing.notify); the table stays where it is.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('tracking', '0002_onlineapplication_moved'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='TicketAlert')],
            database_operations=[],
        ),
    ]
