"""Pages: the staff notice list with resend (/staff/notices/) and the demo phone inbox
(/demo/sms/)."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from onetrip.errors import Forbidden, NotFound
from onetrip.notices.models import NoticeStatus
from onetrip.notices.selectors import (
    demo_inbox,
    demo_inbox_enabled,
    notice_get,
    notice_list,
    notice_shown_text,
)
from onetrip.notices.services import RESENDABLE, notice_resend
from onetrip.pages import flash_posted, forbidden_page

STATUS_FILTERS = [
    ("problem", gettext_lazy("待处理（未发出/失败）")),
    ("all", gettext_lazy("全部")),
] + [(value, label) for value, label in NoticeStatus.choices]


def _rows(notices):
    for n in notices:
        yield {
            "notice": n,
            "text": notice_shown_text(n),
            "resendable": n.status in RESENDABLE,
        }


def staff_notices(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    status = request.GET.get("status") or "problem"
    try:
        notices = notice_list(user=request.user, status=status)
    except Forbidden as exc:
        return forbidden_page(request, exc.message)
    return render(
        request,
        "notices/staff_list.html",
        {
            "rows": list(_rows(notices)),
            "status": status,
            "filters": [(value, str(label)) for value, label in STATUS_FILTERS],
        },
    )


@require_POST
def staff_notice_resend(request, notice_id: int):
    if not request.user.is_authenticated:
        return redirect_to_login("/staff/notices/")
    try:
        notice = notice_get(user=request.user, notice_id=notice_id)
    except Forbidden as exc:
        return forbidden_page(request, exc.message)
    except NotFound:
        raise Http404 from None

    def resend() -> str:
        sent = notice_resend(notice=notice, actor=request.user)
        sent.refresh_from_db()
        return _("已重新发送，当前状态：%(status)s。") % {"status": sent.get_status_display()}

    flash_posted(request, resend)
    return redirect(request.POST.get("next") or "/staff/notices/")


def demo_sms(request):
    if not demo_inbox_enabled():
        raise Http404
    phone = (request.GET.get("phone") or "").strip()
    context = {"notices": demo_inbox(phone=phone or None), "phone": phone}
    if request.headers.get("HX-Request"):
        return render(request, "notices/_demo_inbox_list.html", context)
    return render(request, "notices/demo_sms.html", context)
