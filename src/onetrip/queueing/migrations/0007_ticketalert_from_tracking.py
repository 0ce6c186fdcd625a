# TicketAlert moved here from the tracking app; its table (tracking_ticketalert) is kept as is.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('queueing', '0006_ticket_precheck_token'),
        ('tracking', '0003_ticketalert_to_queueing'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='TicketAlert',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('ahead', models.PositiveSmallIntegerField(default=3)),
                        ('at', models.DateTimeField(auto_now_add=True)),
                        ('ticket', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='alert', to='queueing.ticket')),
                    ],
                    options={
                        'verbose_name': '叫号提醒',
                        'verbose_name_plural': '叫号提醒',
                        'db_table': 'tracking_ticketalert',
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
