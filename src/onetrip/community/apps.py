from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "onetrip.community"
    label = "community"
    verbose_name = "社区服务综合体"
