from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="ScheduleYear",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("year", models.PositiveSmallIntegerField(unique=True, verbose_name="年份")),
                ("source", models.CharField(default="chinese-calendar", max_length=100, verbose_name="来源")),
                ("published_at", models.DateField(blank=True, null=True, verbose_name="国务院通知发布日期")),
                ("note", models.CharField(blank=True, max_length=200, verbose_name="备注")),
            ],
            options={"verbose_name": "已发布的节假日安排年份", "verbose_name_plural": "已发布的节假日安排年份", "ordering": ["year"]},
        ),
        migrations.CreateModel(
            name="DayException",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("date", models.DateField(unique=True, verbose_name="日期")),
                ("is_workday", models.BooleanField(verbose_name="是否工作日")),
                ("name", models.CharField(blank=True, help_text="例如 春节、国庆节调休上班", max_length=60, verbose_name="名称")),
            ],
            options={"verbose_name": "节假日/调休", "verbose_name_plural": "节假日/调休", "ordering": ["date"]},
        ),
    ]
