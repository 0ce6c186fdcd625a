from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigninConfig(AppConfig):
    name = "onetrip.signin"
    label = "signin"
    verbose_name = _("登录与身份认证")
