"""Sending notices: render, store, deliver in the background, retry with back-off, resend.

Call ``notice_send`` inside the transaction of the change the applicant is told about; the
delivery task is enqueued only when that transaction commits, so a rolled-back change sends
nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.audit.services import audit_record
from onetrip.db import InsertParts
from onetrip.errors import Conflict, ValidationFailed
from onetrip.notices.models import Channel, Notice, NoticeStatus
from onetrip.notices.senders import get_sender, sender_for_channel
from onetrip.notices.tasks import notice_deliver
from onetrip.notices.texts import notice_render
from onetrip.phones import mobile_clean

#: A claimed notice whose worker died becomes due again after this long.
SENDING_LEASE = dt.timedelta(minutes=5)
#: A fresh notice has its own task queued; the sweep only rescues it after this long.
PENDING_GRACE = dt.timedelta(seconds=60)


def _backoff_base() -> int:
    return int(settings.ONETRIP_NOTICE_BACKOFF_SECONDS)


def _max_attempts() -> int:
    return int(settings.ONETRIP_NOTICE_MAX_ATTEMPTS)


def backoff_delay(attempts: int) -> dt.timedelta:
    """Delay before the next attempt after ``attempts`` failures: 30 s, 60 s, 120 s, … ≤ 6 h."""
    seconds = _backoff_base() * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, 6 * 3600))


def _clean_recipient(channel: str, to: str) -> str:
    to = (to or "").strip()
    if channel not in Channel.values:
        raise ValidationFailed(
            _("未知的通知渠道“%(channel)s”。") % {"channel": channel},
            code="unknown_channel",
            fields={"channel": _("可选：%(c)s") % {"c": "、".join(Channel.values)}},
        )
    if not to:
        raise ValidationFailed(_("缺少接收人。"), fields={"to": _("必填。")})
    if channel == Channel.SMS:
        clean = mobile_clean(to)
        if clean is None:
            raise ValidationFailed(
                _("手机号格式不正确。"),
                code="bad_recipient",
                fields={"to": _("应为 11 位手机号。")},
            )
        to = clean
    elif channel == Channel.EMAIL:
        try:
            validate_email(to)
        except ValidationError:
            raise ValidationFailed(
                _("电子邮件地址格式不正确。"),
                code="bad_recipient",
                fields={"to": _("请检查邮箱地址。")},
            ) from None
    elif len(to) > 200:
        raise ValidationFailed(_("接收人过长。"), code="bad_recipient", fields={"to": "≤ 200"})
    return to


#: Local senders (console, demo outbox) write in-process and cannot hang: they deliver right
#: after commit, so a demo without a task worker still shows its SMS (codes) at /demo/sms/.
INLINE_SENDERS = ("console", "outbox")


def _enqueue_on_commit(notice_id: int, sender: str = "") -> None:
    if sender in INLINE_SENDERS:
        transaction.on_commit(lambda: notice_attempt(notice_id=notice_id))
    else:
        transaction.on_commit(lambda: notice_deliver.enqueue(notice_id=notice_id))


def notice_send(
    *,
    channel: str,
    to: str,
    template: str,
    context: dict[str, Any],
    subject_type: str = "",
    subject_id: Any = "",
    district: Any | None = None,
    sender: str | None = None,
) -> Notice:
    """Render ``template`` with ``context``, store the notice and deliver it after commit.

    ``district`` (a district ServicePoint) scopes the notice for staff lists; ``sender``
    overrides the channel's configured sender (tests, special cases).

    One INSERT, so no transaction of its own: inside the caller's transaction the delivery is
    enqueued when that commits; outside one (a receiver run after commit) right away.
    """
    recipient = _clean_recipient(channel, to)
    title, text = notice_render(template=template, context=context)
    sender_name = sender or sender_for_channel(channel)
    get_sender(sender_name)  # fail now, loudly, on a misconfigured sender name
    notice = Notice(
        district=district,
        channel=channel,
        sender=sender_name,
        recipient=recipient,
        template=template,
        subject=title,
        text=text,
        subject_type=subject_type or "",
        subject_id=str(subject_id or ""),
        max_attempts=_max_attempts(),
        next_attempt_at=timezone.now(),
    )
    if connection.vendor == "postgresql":
        # the same row without compiling an ORM INSERT (every case notice passes here)
        parts = InsertParts(notice)
        with connection.cursor() as cur:
            cur.execute(parts.insert_select("(SELECT 1) s", "id"), parts.params)
            notice.pk = cur.fetchone()[0]
        notice._state.adding = False
        notice._state.db = connection.alias
    else:
        notice.save(force_insert=True)
    _enqueue_on_commit(notice.pk, notice.sender)
    return notice


def _claim(notice_id: int, now: dt.datetime) -> bool:
    """Take the notice for one attempt; False if someone else has it or it is not due.

    A conditional UPDATE, so two workers can never send the same notice at once.
    """
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    claimable = Q(status__in=[NoticeStatus.PENDING, NoticeStatus.FAILED]) | Q(
        status=NoticeStatus.SENDING
    )
    return bool(
        Notice.objects.filter(claimable & due, pk=notice_id).update(
            status=NoticeStatus.SENDING,
            attempts=F("attempts") + 1,
            next_attempt_at=now + SENDING_LEASE,
            updated_at=now,
        )
    )


def notice_attempt(*, notice_id: int, now: dt.datetime | None = None) -> Notice:
    """One delivery attempt (run by the ``notice_deliver`` task).

    Not atomic on purpose: the claim commits before the (slow, external) send, and the
    outcome is written in its own transaction.
    """
    now = now or timezone.now()
    if not _claim(notice_id, now):
        return Notice.objects.get(pk=notice_id)
    notice = Notice.objects.get(pk=notice_id)
    try:
        provider_id = get_sender(notice.sender).send(notice)
    except Exception as exc:  # any sender failure is recorded, never lost
        return _record_failure(notice, now, f"{type(exc).__name__}: {exc}")
    return _record_success(notice, now, str(provider_id or ""))


@transaction.atomic
def _record_success(notice: Notice, now: dt.datetime, provider_id: str) -> Notice:
    updated = Notice.objects.filter(
        pk=notice.pk, status=NoticeStatus.SENDING, attempts=notice.attempts
    ).update(
        status=NoticeStatus.SENT,
        sent_at=now,
        provider_id=provider_id[:100],
        last_error="",
        next_attempt_at=None,
        updated_at=now,
    )
    if updated:
        audit_record(
            notice,
            "notice_sent",
            actor=None,
            from_state=NoticeStatus.SENDING,
            to_state=NoticeStatus.SENT,
            point=notice.district,
            data={"attempt": notice.attempts, "sender": notice.sender},
        )
    notice.refresh_from_db()
    return notice


@transaction.atomic
def _record_failure(notice: Notice, now: dt.datetime, error: str) -> Notice:
    give_up = notice.attempts >= notice.max_attempts
    status = NoticeStatus.GIVEN_UP if give_up else NoticeStatus.FAILED
    next_at = None if give_up else now + backoff_delay(notice.attempts)
    updated = Notice.objects.filter(
        pk=notice.pk, status=NoticeStatus.SENDING, attempts=notice.attempts
    ).update(status=status, last_error=error[:2000], next_attempt_at=next_at, updated_at=now)
    if updated:
        audit_record(
            notice,
            "notice_given_up" if give_up else "notice_failed",
            actor=None,
            from_state=NoticeStatus.SENDING,
            to_state=status,
            note=error[:500],
            point=notice.district,
            data={"attempt": notice.attempts, "next_attempt_at": next_at and next_at.isoformat()},
        )
        if not give_up and next_at is not None:
            _schedule_retry(notice.pk, next_at)
    notice.refresh_from_db()
    return notice


def _schedule_retry(notice_id: int, when: dt.datetime) -> None:
    """With a backend that can defer (the database worker), queue the retry for ``when``;
    otherwise the ``notices_retry`` sweep (cron / worker loop) picks it up when due."""
    backend = notice_deliver.get_backend()
    if getattr(backend, "supports_defer", False):
        transaction.on_commit(
            lambda: notice_deliver.using(run_after=when).enqueue(notice_id=notice_id)
        )


def notices_retry_due(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Enqueue an attempt for every notice that is due (failed with back-off elapsed, pending
    whose task was lost, sending whose worker died). Returns how many were enqueued."""
    now = now or timezone.now()
    due = Q(status__in=[NoticeStatus.FAILED, NoticeStatus.SENDING], next_attempt_at__lte=now) | Q(
        status=NoticeStatus.PENDING, next_attempt_at__lte=now - PENDING_GRACE
    )
    ids = list(
        Notice.objects.filter(due).order_by("next_attempt_at").values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        notice_deliver.enqueue(notice_id=pk, now=now.isoformat())
    return len(ids)


RESENDABLE = (NoticeStatus.FAILED, NoticeStatus.GIVEN_UP, NoticeStatus.PENDING)


@transaction.atomic
def notice_resend(*, notice: Notice, actor: AbstractBaseUser) -> Notice:
    """Staff resend by hand: one more attempt now, through the channel's *current* sender
    (the gateway configuration may have been fixed since). Audited."""
    locked = Notice.objects.select_for_update().get(pk=notice.pk)
    if locked.status not in RESENDABLE:
        raise Conflict(
            _("该通知当前状态为“%(status)s”，不能重发。") % {"status": locked.get_status_display()},
            code="not_resendable",
        )
    before = locked.status
    locked.sender = sender_for_channel(locked.channel)
    locked.status = NoticeStatus.PENDING
    locked.next_attempt_at = timezone.now()
    # One more try than already made, so a manual resend is never refused for the count.
    locked.max_attempts = max(locked.max_attempts, locked.attempts + 1)
    locked.save(update_fields=["sender", "status", "next_attempt_at", "max_attempts", "updated_at"])
    audit_record(
        locked,
        "notice_resent",
        actor=actor,
        from_state=before,
        to_state=NoticeStatus.PENDING,
        point=locked.district,
        data={"sender": locked.sender},
    )
    _enqueue_on_commit(locked.pk, locked.sender)
    return locked
