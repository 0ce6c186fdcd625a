from django.apps import AppConfig


class HomeVisitsConfig(AppConfig):
    name = "onetrip.homevisits"
    label = "homevisits"
    verbose_name = "上门服务"
