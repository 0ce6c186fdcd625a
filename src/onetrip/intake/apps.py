from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "onetrip.intake"
    label = "intake"
    verbose_name = "导办"
