from django.apps import AppConfig


class QueueingConfig(AppConfig):
    name = "onetrip.queueing"
    label = "queueing"
    verbose_name = "排队叫号"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from onetrip.queueing.notify import connect
        from onetrip.queueing.selectors import forget_cached_rows

        connect()

        for model in ("queueing.Queue", "queueing.Window", "catalogue.ServicePoint"):
            post_save.connect(forget_cached_rows, sender=model, dispatch_uid=f"forget-{model}")
            post_delete.connect(forget_cached_rows, sender=model, dispatch_uid=f"forget-{model}-d")
