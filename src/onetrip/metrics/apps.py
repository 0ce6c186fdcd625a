from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "onetrip.metrics"
    label = "metrics"
    verbose_name = "改革成效"
