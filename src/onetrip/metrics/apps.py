from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "onetrip.metrics"
    label = "metrics"
    verbose_name = "改革成效"

    def ready(self) -> None:
        from onetrip.cases.signals import case_state_changed
        from onetrip.metrics.tasks import schedule_refresh
        from onetrip.queueing.signals import ticket_called

        case_state_changed.connect(schedule_refresh, dispatch_uid="metrics_refresh_rollups")
        ticket_called.connect(schedule_refresh, dispatch_uid="metrics_refresh_rollups_ticket")
