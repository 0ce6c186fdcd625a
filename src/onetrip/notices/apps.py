from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "onetrip.notices"
    label = "notices"
    verbose_name = "消息通知"
