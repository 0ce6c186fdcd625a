from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "onetrip.ops"
    label = "ops"
    verbose_name = "运行监控"

    def ready(self) -> None:
        from onetrip.ops import counters

        counters.connect()
