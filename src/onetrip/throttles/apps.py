from django.apps import AppConfig


class ThrottlesConfig(AppConfig):
    name = "onetrip.throttles"
    label = "throttles"
    verbose_name = "访问频率限制"
