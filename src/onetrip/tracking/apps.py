from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "onetrip.tracking"
    label = "tracking"
    verbose_name = "扫码追踪"
