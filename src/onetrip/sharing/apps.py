from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "onetrip.sharing"
    label = "sharing"
    verbose_name = "数据共享"

    def ready(self) -> None:
        from django.conf import settings

        from onetrip.sharing.resolvers import register_case_resolver
        from onetrip.sharing.sources import load_configured_sources

        load_configured_sources(settings.ONETRIP_SHARING_SOURCES)
        register_case_resolver()
