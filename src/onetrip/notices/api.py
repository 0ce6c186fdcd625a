"""Notices API (staff): list failed/pending notices, resend one by hand."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Query, Router, Schema

from onetrip.auth import staff_auth
from onetrip.notices.models import Notice
from onetrip.notices.selectors import notice_get, notice_list, notice_shown_text
from onetrip.notices.services import notice_resend

router = Router(tags=["notices"])


class NoticeOut(Schema):
    """A notice read from the row; the recipient masked, a login code's text hidden."""

    id: int
    channel: str
    recipient: str
    template: str
    text: str
    status: str
    attempts: int
    max_attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str
    subject_type: str
    subject_id: str
    created_at: dt.datetime
    sent_at: dt.datetime | None

    @staticmethod
    def resolve_recipient(notice: Notice) -> str:
        return notice.masked_recipient

    @staticmethod
    def resolve_text(notice: Notice) -> str:
        return notice_shown_text(notice)


class NoticeFilter(Schema):
    status: str | None = "problem"
    template: str | None = None
    limit: int = Field(100, ge=1, le=500)


@router.get("/notices", response=list[NoticeOut], auth=staff_auth)
def list_notices(request, filters: Query[NoticeFilter]):
    """Notices in the caller's district; ``status=problem`` (default) = not sent or failed,
    ``all``, or one status. Recipients are masked; login codes are hidden."""
    notices = notice_list(
        user=request.user,
        status=filters.status,
        template=filters.template,
        limit=max(1, min(filters.limit, 500)),
    )
    return notices


@router.post("/notices/{notice_id}/resend", response=NoticeOut, auth=staff_auth)
def resend_notice(request, notice_id: int):
    notice = notice_get(user=request.user, notice_id=notice_id)
    notice = notice_resend(notice=notice, actor=request.user)
    notice.refresh_from_db()  # an immediate backend may have delivered it already
    return notice
