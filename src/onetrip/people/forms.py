from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class RegisterForm(forms.Form):
    phone = forms.CharField(label=_("手机号"), max_length=20)
    code = forms.CharField(label=_("短信验证码"), max_length=6)
    name = forms.CharField(label=_("姓名"), max_length=60)
    id_number = forms.CharField(label=_("公民身份号码"), max_length=18)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput, min_length=8)
