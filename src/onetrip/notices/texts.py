"""Message templates (Chinese first), keyed by a stable code: every SMS text of the platform
lives here (the case states name theirs by code, ``cases.states.StateInfo.notify_template``).

Placeholders are ``{name}``; every placeholder must be given in the context, otherwise
rendering fails with a message naming the template and the missing fields. Templates marked
``sensitive`` (login codes) are hidden in staff lists.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onetrip.errors import ValidationFailed
from onetrip.registry import Registry


@dataclass(frozen=True)
class NoticeTemplate:
    code: str
    title: str | Promise
    text: str | Promise
    sensitive: bool = False

    @property
    def fields(self) -> list[str]:
        names = []
        for _literal, name, _spec, _conv in string.Formatter().parse(str(self.text)):
            if name is not None and name not in names:
                names.append(name)
        return names


def _check(code: str, tpl: NoticeTemplate) -> None:
    if not isinstance(tpl, NoticeTemplate) or tpl.code != code:
        raise ImproperlyConfigured(f"notice template {code!r}: a NoticeTemplate of that code")
    try:
        tpl.fields  # noqa: B018 - parses the placeholders: a broken text fails at import
    except ValueError as exc:
        raise ImproperlyConfigured(f"notice template {code!r}: {exc}") from exc


#: Every template, by code (an ``onetrip.registry.Registry``: a code taken twice raises).
TEMPLATES: Registry[NoticeTemplate] = Registry("notice templates", check=_check)


def define(code: str, title: str | Promise, text: str | Promise, *, sensitive=False) -> None:
    """Add a template; other apps define their own at import time."""
    TEMPLATES.add(code, NoticeTemplate(code=code, title=title, text=text, sensitive=sensitive))


define(
    "case_accepted",
    gettext_lazy("办件已受理"),
    gettext_lazy(
        "您的办件 {case_number}（{matter}）已受理，承诺于 {due_date} 前办结。查询进度：{url}"
    ),
)
define(
    "supplement_needed",
    gettext_lazy("需要补正材料"),
    gettext_lazy(
        "您的办件 {case_number}（{matter}）需要补正材料：{missing}。"
        "请于 {due_date} 前一次性补齐，可在线上传：{url}"
    ),
)
define(
    "case_decided",
    gettext_lazy("办件已办结"),
    gettext_lazy("您的办件 {case_number}（{matter}）已办结，结果：{result}。详情：{url}"),
)
define(
    "ready_for_pickup",
    gettext_lazy("办理结果可领取"),
    gettext_lazy("您的办件 {case_number}（{matter}）的办理结果已可领取，请到 {place} 领取。"),
)
define(
    "case_submitted",
    gettext_lazy("已提交"),
    gettext_lazy(
        "您的办件 {case_number}（{matter}）已提交，工作人员将在1个工作日内完成受理审核。"
        " 查询进度：{tracking_url}"
    ),
)
define(
    "case_refused",
    gettext_lazy("不予受理"),
    gettext_lazy(
        "您的申请 {case_number}（{matter}）不予受理，理由：{note} 查询进度：{tracking_url}"
    ),
)
define(
    "case_suspended",
    gettext_lazy("中止（暂停计时）"),
    gettext_lazy(
        "您的办件 {case_number} 因“{note}”中止办理，期限暂停计算。 查询进度：{tracking_url}"
    ),
)
define(
    "case_delivered",
    gettext_lazy("已送达"),
    gettext_lazy("您的办件 {case_number} 办理结果已送达（{delivery}）。 查询进度：{tracking_url}"),
)
define(
    "case_withdrawn",
    gettext_lazy("已撤回"),
    gettext_lazy("您的办件 {case_number} 已撤回。 查询进度：{tracking_url}"),
)
define(
    "ticket_almost_due",
    gettext_lazy("即将叫号"),
    gettext_lazy("您的 {ticket} 号前面还有 {ahead} 位，请回到 {place} 等候叫号。"),
)
define(
    "sms_login_code",
    gettext_lazy("登录验证码"),
    gettext_lazy("您的登录验证码是 {code}，{minutes} 分钟内有效。请勿告诉他人。"),
    sensitive=True,
)
define(
    "message_reply",
    gettext_lazy("工作人员回复"),
    gettext_lazy("工作人员回复了您关于办件 {case_number} 的留言：{excerpt} 查看：{url}"),
)
define(
    "case_overdue",
    gettext_lazy("办件超期"),
    gettext_lazy("办件 {case_number}（{matter}）已超过期限 {due_date}，请尽快处理。"),
)
define(
    "case_due_soon",
    gettext_lazy("办件即将到期"),
    gettext_lazy("办件 {case_number}（{matter}）将于 {due_date} 到期，请及时处理。"),
)


define(
    "appointment_booked",
    gettext_lazy("预约成功"),
    gettext_lazy(
        "您已预约 {place} {queue}，时段 {when}。请于时段开始前后到自助取号机扫码签到。"
        "查看、改约或取消：{url}"
    ),
)
define(
    "appointment_reminder",
    gettext_lazy("预约提醒"),
    gettext_lazy(
        "提醒：您明天 {when} 在 {place} 办理 {queue}，请带齐材料，到自助取号机扫码签到。"
        "改约或取消：{url}"
    ),
)
define(
    "rating_invite",
    gettext_lazy("邀请评价"),
    gettext_lazy(
        "您的办件 {case_number}（{matter}）已办结，请对本次服务作出评价（好差评），"
        "您的意见会得到回访：{url}"
    ),
)
define(
    "rating_followup_report",
    gettext_lazy("差评整改反馈"),
    gettext_lazy("关于您对办件 {case_number}（{matter}）的评价，处理情况：{note}。详情：{url}"),
)

define(
    "community_promoted",
    gettext_lazy("候补成功"),
    gettext_lazy(
        "您候补的“{title}”（{place}，{when}）已有空位，已为您自动预约成功。"
        "如不能参加请及时取消：{url}"
    ),
)
define(
    "community_slot_cancelled",
    gettext_lazy("活动取消"),
    gettext_lazy("很抱歉，“{title}”（{place}，{when}）已取消：{reason}"),
)
define(
    "community_topic_agenda",
    gettext_lazy("议题已列入议程"),
    gettext_lazy("您在{place}提出的议题“{title}”已列入议程，将在议事会上讨论。详情：{url}"),
)
define(
    "community_topic_decided",
    gettext_lazy("议题已形成决定"),
    gettext_lazy(
        "您提出的议题“{title}”议事会已形成决定：{decision}（责任人：{owner}，期限：{due}）。"
        "落实情况在综合体页面公开：{url}"
    ),
)


def notice_render(
    *, template: str, context: dict[str, Any], language: str = "zh-hans"
) -> tuple[str, str]:
    """``(title, text)`` of a template filled with ``context``; clear errors otherwise."""
    tpl = TEMPLATES.find(template)
    if tpl is None:
        raise ValidationFailed(
            _("未知的消息模板“%(code)s”。可用模板：%(known)s")
            % {"code": template, "known": "、".join(sorted(TEMPLATES.ids()))},
            code="unknown_template",
        )
    context = context or {}
    missing = [name for name in tpl.fields if name not in context]
    if missing:
        raise ValidationFailed(
            _("消息模板“%(code)s”缺少参数：%(missing)s（需要：%(needed)s）。")
            % {"code": template, "missing": "、".join(missing), "needed": "、".join(tpl.fields)},
            code="template_context_missing",
            fields={name: _("缺少此参数。") for name in missing},
        )
    with translation.override(language):
        text = str(tpl.text).format_map({k: str(v) for k, v in context.items()})
        title = str(tpl.title)
    return title, text
