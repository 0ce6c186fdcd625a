"""Recovery from the admin: unlock a locked-out login, reset a lost authenticator."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from onetrip.people.admin import UserAdmin
from onetrip.people.models import User
from onetrip.signin.selectors import login_locked_out, otp_device_for
from onetrip.signin.services import login_unlock, otp_devices_reset

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _user_action(
    name: str,
    description: StrOrPromise,
    act: Callable[[User, User], int],
    message: Callable[[int], str],
) -> Callable[..., None]:
    """An admin action that runs ``act(user, actor)`` on each selected user and reports how
    many it changed (``message(n)``)."""

    def action(modeladmin, request, queryset) -> None:
        count = sum(1 for user in queryset if act(user, request.user))
        modeladmin.message_user(request, message(count) % {"n": count}, messages.SUCCESS)

    action.__name__ = action.__qualname__ = name
    return admin.action(description=description)(action)


unlock_logins = _user_action(
    "unlock_logins",
    _("解除登录锁定（密码错误次数过多）"),
    lambda user, actor: login_unlock(username=user.username, actor=actor),
    lambda n: ngettext("已解除 %(n)d 个账号的登录锁定。", "已解除 %(n)d 个账号的登录锁定。", n),
)
reset_second_factor = _user_action(
    "reset_second_factor",
    _("重置双因素认证（下次登录重新绑定验证器）"),
    lambda user, actor: otp_devices_reset(user=user, actor=actor),
    lambda n: ngettext("已重置 %(n)d 个账号的验证器。", "已重置 %(n)d 个账号的验证器。", n),
)


admin.site.unregister(User)


@admin.register(User)
class SigninUserAdmin(UserAdmin):
    actions = [unlock_logins, reset_second_factor]
    list_display = (*UserAdmin.list_display, "locked_out", "second_factor")  # type: ignore[assignment]

    @admin.display(description=_("登录锁定"), boolean=True)
    def locked_out(self, obj):
        return login_locked_out(username=obj.username)

    @admin.display(description=_("双因素认证"), boolean=True)
    def second_factor(self, obj):
        return otp_device_for(user=obj) is not None
