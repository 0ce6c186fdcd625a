from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "onetrip.audit"
    label = "audit"
    verbose_name = "审计"
