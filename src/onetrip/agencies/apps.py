from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "onetrip.agencies"
    label = "agencies"
    verbose_name = "中介代办"

    def ready(self) -> None:
        from onetrip.agencies import receivers  # noqa: F401
