from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "onetrip.safety"
    label = "safety"
    verbose_name = "平安365"
