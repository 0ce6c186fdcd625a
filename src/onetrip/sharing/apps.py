from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "onetrip.sharing"
    label = "sharing"
    verbose_name = "数据共享"
