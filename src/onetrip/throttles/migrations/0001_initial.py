from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="ThrottleHistory",
            fields=[
                ("key", models.CharField(max_length=200, primary_key=True, serialize=False)),
                ("stamps", models.JSONField(default=list)),
                ("expires", models.DateTimeField()),
            ],
            options={
                "verbose_name": "访问计数",
                "verbose_name_plural": "访问计数",
            },
        ),
    ]
