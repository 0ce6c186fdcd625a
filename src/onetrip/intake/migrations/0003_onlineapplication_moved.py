"""The online application (网上办) moves from the tracking app to intake (issue #11): state
only, the table ``tracking_onlineapplication`` stays where it is."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0002_founder_kind_door"),
        ("tracking", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OnlineApplication",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("form_data", models.JSONField(default=dict, verbose_name="申请表内容")),
                        (
                            "delivery",
                            models.CharField(
                                choices=[
                                    ("post", "邮寄送达"),
                                    ("home", "送达上门"),
                                    ("e_certificate", "电子证照（在线下载）"),
                                ],
                                max_length=16,
                                verbose_name="送达方式",
                            ),
                        ),
                        (
                            "delivery_address",
                            models.CharField(blank=True, max_length=200, verbose_name="送达地址"),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="提交时间"),
                        ),
                        (
                            "applied_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="申请账号",
                            ),
                        ),
                        (
                            "case",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="online",
                                to="cases.case",
                                verbose_name="办件",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "网上申请",
                        "verbose_name_plural": "网上申请",
                        "db_table": "tracking_onlineapplication",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
