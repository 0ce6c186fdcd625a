from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "onetrip.cases"
    label = "cases"
    verbose_name = "办件"

    def ready(self) -> None:
        from onetrip.cases.notify import connect

        connect()
