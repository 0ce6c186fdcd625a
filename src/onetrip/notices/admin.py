"""Admin for notices: read-only history with masked recipients, and a resend action."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from onetrip.admin_readonly import NoAdd, NoDelete
from onetrip.errors import DomainError
from onetrip.notices.models import Notice
from onetrip.notices.selectors import notice_shown_text
from onetrip.notices.services import notice_resend


@admin.register(Notice)
class NoticeAdmin(NoAdd, NoDelete, admin.ModelAdmin):
    list_display = (
        "created_at",
        "channel",
        "masked_to",
        "template",
        "status",
        "attempts",
        "next_attempt_at",
        "district",
    )
    list_filter = ("status", "channel", "template", "sender", "district")
    search_fields = ("subject_id", "template")
    date_hierarchy = "created_at"
    actions = ["resend"]
    exclude = ("recipient", "text")
    readonly_fields = (
        "district",
        "channel",
        "sender",
        "masked_to",
        "template",
        "subject",
        "shown_text",
        "subject_type",
        "subject_id",
        "status",
        "attempts",
        "max_attempts",
        "next_attempt_at",
        "last_error",
        "provider_id",
        "created_at",
        "sent_at",
    )

    @admin.display(description=_("接收人"))
    def masked_to(self, obj):
        return obj.masked_recipient

    @admin.display(description=_("内容"))
    def shown_text(self, obj):
        return notice_shown_text(obj)

    @admin.action(description=_("重新发送所选通知"))
    def resend(self, request, queryset):
        done = 0
        for notice in queryset:
            try:
                notice_resend(notice=notice, actor=request.user)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"#{notice.pk}: {exc.message}", messages.WARNING)
        if done:
            self.message_user(request, gettext("已重新发送 %(n)s 条。") % {"n": done})
