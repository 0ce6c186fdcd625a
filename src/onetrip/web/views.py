from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onetrip.notices.selectors import demo_inbox_enabled
from onetrip.people.models import Role

#: The entry points of the platform, each shown to the roles that use it (None: everyone).
ENTRY_POINTS: list[tuple[str, object, object, tuple[str, ...] | None]] = [
    (
        "/matters/",
        gettext_lazy("办事指南"),
        gettext_lazy("查事项、材料清单、跑动次数和办理地点"),
        None,
    ),
    ("/apply/", gettext_lazy("网上申请"), gettext_lazy("能网办的事项在线提交，一次都不用跑"), None),
    (
        "/my/cases/",
        gettext_lazy("我的办件"),
        gettext_lazy("查看办理进度、补正材料、下载电子证照"),
        (Role.APPLICANT, Role.AGENT),
    ),
    (
        "/agency/",
        gettext_lazy("代办工作台"),
        gettext_lazy("委托企业、批量申报、合并补正告知、统一送达、代办质量"),
        (Role.AGENT,),
    ),
    (
        "/home-visits/",
        gettext_lazy("上门服务"),
        gettext_lazy("老人、残疾人和企业申请上门；社工、服务专员上门受理、送达到家"),
        (Role.APPLICANT, Role.SOCIAL_WORKER, Role.SPECIALIST, Role.MANAGER),
    ),
    (
        "/nearby/",
        gettext_lazy("就近办"),
        gettext_lazy("离我最近、能办这件事的网点，步行时间和今天的开放时间"),
        None,
    ),
    (
        "/agency/window/",
        gettext_lazy("代办窗口批量受理"),
        gettext_lazy("代办员一次取号、一次到场，多家企业整批受理，后台留置审批"),
        (Role.CLERK,),
    ),
    (
        "/agencies/",
        gettext_lazy("代办机构名录"),
        gettext_lazy("登记、警示与暂停，代办质量排名"),
        (Role.MANAGER,),
    ),
    (
        "/guide/precheck/",
        gettext_lazy("材料预审"),
        gettext_lazy("0号窗口导办：核对材料，一次性告知缺什么"),
        None,
    ),
    (
        "/community/",
        gettext_lazy("社区服务"),
        gettext_lazy("“3+X”社区综合体：活动和场地预约、一坊议事、决定落实跟踪"),
        None,
    ),
    (
        "/community/manage/",
        gettext_lazy("社区综合体工作台"),
        gettext_lazy("发布活动、管理预约和候补、议事会纪要、决定落实"),
        (Role.SOCIAL_WORKER, Role.MANAGER),
    ),
    (
        "/accounts/register/",
        gettext_lazy("注册账号"),
        gettext_lazy("手机号注册，在线办事、扫码追踪"),
        (),
    ),
    (
        "/console/windows/",
        gettext_lazy("窗口工作台"),
        gettext_lazy("叫号、受理、转办"),
        (Role.CLERK, Role.GUIDE, Role.MANAGER),
    ),
    (
        "/backoffice/",
        gettext_lazy("后台审批"),
        gettext_lazy("本部门待审办件，按到期时间排序"),
        (Role.REVIEWER, Role.MANAGER),
    ),
    (
        "/backoffice/instant-checks/",
        gettext_lazy("即办件抽查"),
        gettext_lazy("窗口、社工经授权当场办结的即办件，随机抽查"),
        (Role.REVIEWER,),
    ),
    (
        "/staff/messages/",
        gettext_lazy("群众留言"),
        gettext_lazy("回复扫码追踪页上的咨询和补正问题"),
        (Role.CLERK, Role.REVIEWER, Role.MANAGER),
    ),
    (
        "/staff/notices/",
        gettext_lazy("消息通知"),
        gettext_lazy("短信发送情况，失败重发"),
        (Role.CLERK, Role.MANAGER, Role.ADMIN),
    ),
    (
        "/demo/sms/",
        gettext_lazy("演示短信收件箱"),
        gettext_lazy("演示环境中发出的短信和验证码"),
        None,
    ),
    (
        "/safety/report/",
        gettext_lazy("随手报"),
        gettext_lazy("上报安全隐患、矛盾纠纷、治安和环境问题，可匿名"),
        None,
    ),
    (
        "/safety/",
        gettext_lazy("平安365"),
        gettext_lazy("网格事件：上报、研判分拨、处置、调解、办结"),
        (Role.GRID_WORKER, Role.OPERATOR, Role.REVIEWER, Role.MANAGER),
    ),
    (
        "/safety/volunteer/",
        gettext_lazy("平安志愿者"),
        gettext_lazy("登记成为平安志愿者；培训、巡逻、服务时长和上报记录"),
        (Role.APPLICANT,),
    ),
    (
        "/safety/board/",
        gettext_lazy("指挥大屏"),
        gettext_lazy("平安365 联动指挥中心：未办结事件、剩余时限、四个平台"),
        (Role.OPERATOR, Role.MANAGER),
    ),
    (
        "/metrics/",
        gettext_lazy("改革成效"),
        gettext_lazy("等候时间、一次通过率、零跑动占比、满意度，按网点、部门、事项、代办机构"),
        (Role.MANAGER, Role.ADMIN),
    ),
    (
        "/staff/ratings/",
        gettext_lazy("好差评"),
        gettext_lazy("群众的评价和意见，差评回访整改及期限"),
        (Role.CLERK, Role.REVIEWER, Role.MANAGER),
    ),
    (
        "/simulation/",
        gettext_lazy("服务大厅仿真"),
        gettext_lazy("改变窗口布局和参数，仿真等候时间与一次通过率"),
        (Role.MANAGER, Role.ADMIN),
    ),
    (
        "/admin/",
        gettext_lazy("系统管理"),
        gettext_lazy("事项清单、网点、人员、工作日历"),
        (Role.ADMIN, Role.MANAGER),
    ),
    (
        "/workspace/",
        gettext_lazy("服务专员工作台"),
        gettext_lazy("“一对一”上门服务企业：工具即将提供，先看目前可用的功能"),
        (Role.SPECIALIST,),
    ),
]


#: Where each role lands after signing in: its own workspace, first match wins (a user with
#: several roles lands on the most specific one). Roles whose tools come in later issues land
#: on ``/workspace/``, which says so and lists what they can use today.
ROLE_HOMES: list[tuple[str, str]] = [
    (Role.ADMIN, "/admin/"),
    (Role.MANAGER, "/metrics/"),
    (Role.OPERATOR, "/safety/board/"),
    (Role.GRID_WORKER, "/safety/"),
    (Role.REVIEWER, "/backoffice/"),
    (Role.CLERK, "/console/windows/"),
    (Role.GUIDE, "/guide/precheck/"),
    (Role.SOCIAL_WORKER, "/console/windows/"),
    (Role.SPECIALIST, "/workspace/"),
    (Role.AGENT, "/agency/"),
    (Role.APPLICANT, "/my/cases/"),
]
#: roles whose own tools are still to come (their issues): the workspace says so
TOOLS_PENDING = {
    Role.SPECIALIST: gettext_lazy(
        "服务专员的“一对一”上门服务工具（预约、走访记录、代为申报）将在专门议题中提供。"
        "目前可以查办事指南、做材料预审、回复群众留言。"
    ),
}


def role_home(user) -> str:
    """The signed-in user's workspace URL ("/" for a visitor or a user without a role)."""
    if not getattr(user, "is_authenticated", False):
        return "/"
    if user.is_superuser:
        return "/admin/"
    for role, url in ROLE_HOMES:
        if user.has_role(role):
            return url
    return "/"


class RoleLoginView(auth_views.LoginView):
    """Sign in, then land on one's own workspace (unless a safe ``next`` was asked for)."""

    def get_default_redirect_url(self):
        return role_home(self.request.user)

    def get_context_data(self, **kwargs):
        from django.conf import settings

        from onetrip.signin import oidc

        return {
            **super().get_context_data(**kwargs),
            "oidc_enabled": oidc.enabled(),
            "oidc_provider": settings.ONETRIP_OIDC_PROVIDER_NAME,
            "oidc_failed": self.request.GET.get("oidc") == "failed",
        }


def _links_for(user) -> list[dict]:
    links = []
    for url, title, text, roles in ENTRY_POINTS:
        if url.startswith("/demo/") and not demo_inbox_enabled():
            continue
        if roles is None:
            visible = True
        elif roles == ():  # only for visitors who are not signed in
            visible = not user.is_authenticated
        else:
            visible = user.is_authenticated and user.has_role(*roles)
        if visible:
            links.append({"url": url, "title": title, "text": text})
    return links


@login_required
def workspace(request):
    """The workspace of a role without tools of its own yet: what it can do today."""
    user = request.user
    roles = [r for r in Role if user.has_role(r)]
    pending = [TOOLS_PENDING[r] for r in roles if r in TOOLS_PENDING]
    return render(
        request,
        "onetrip/workspace.html",
        {
            "roles": [r.label for r in roles],
            "pending": pending,
            "links": [link for link in _links_for(user) if link["url"] != "/workspace/"],
        },
    )


def home(request):
    user = request.user
    mine = role_home(user)
    return render(
        request,
        "onetrip/home.html",
        {"links": _links_for(user), "workspace": mine if mine != "/" else None},
    )


def api_not_found(request, *args, **kwargs):
    """Unknown API paths answer in the API's error format, not with an HTML page."""
    return JsonResponse({"code": "not_found", "message": _("接口不存在。")}, status=404)
