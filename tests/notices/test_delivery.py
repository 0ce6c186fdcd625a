"""Sending, background delivery, retries with back-off, giving up, resending."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from onetrip.audit.models import AuditEvent
from onetrip.errors import Conflict, ValidationFailed
from onetrip.notices import senders
from onetrip.notices.models import Notice, NoticeStatus
from onetrip.notices.services import (
    notice_attempt,
    notice_resend,
    notice_send,
    notices_retry_due,
)
from onetrip.notices.texts import TEMPLATES, notice_render
from tests.notices.conftest import PHONE

pytestmark = pytest.mark.django_db


def test_send_is_delivered_by_the_task(sms, world):
    notice = sms()
    assert notice.status == NoticeStatus.SENT
    assert notice.attempts == 1
    assert notice.text == "您的 A023 号前面还有 3 位，请回到 上城区市民中心 等候叫号。"
    assert notice.subject == "即将叫号"
    assert notice.sender == "console"  # settings.ONETRIP_SMS_BACKEND
    assert notice.provider_id == f"console-{notice.pk}"
    assert notice.sent_at is not None and notice.next_attempt_at is None
    assert notice.district == world.district
    event = AuditEvent.objects.get(subject_type="notice", subject_id=str(notice.pk))
    assert (event.action, event.from_state, event.to_state) == ("notice_sent", "sending", "sent")


def test_nothing_is_sent_when_the_change_rolls_back(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                notice_send(
                    channel="sms",
                    to=PHONE,
                    template="sms_login_code",
                    context={"code": "123456", "minutes": 5},
                )
                raise RuntimeError("the case change failed")
    assert callbacks == []
    assert Notice.objects.count() == 0


def test_failing_sender_retries_with_growing_delay_then_gives_up(sms, settings):
    settings.ONETRIP_NOTICE_SENDERS = {"sms": "failing"}
    settings.ONETRIP_NOTICE_MAX_ATTEMPTS = 5
    before = timezone.now()
    notice = sms()
    assert notice.status == NoticeStatus.FAILED and notice.attempts == 1
    assert "simulated gateway failure" in notice.last_error
    first_delay = notice.next_attempt_at - before
    assert dt.timedelta(seconds=29) <= first_delay <= dt.timedelta(seconds=35)

    # Not due yet: the sweep leaves it alone.
    assert notices_retry_due(now=notice.next_attempt_at - dt.timedelta(seconds=1)) == 0
    notice.refresh_from_db()
    assert notice.attempts == 1

    delays = []
    while notice.status == NoticeStatus.FAILED:
        due = notice.next_attempt_at
        assert notices_retry_due(now=due) == 1
        notice.refresh_from_db()
        if notice.next_attempt_at:
            delays.append((notice.next_attempt_at - due).total_seconds())
    assert delays == [60, 120, 240]
    assert notice.status == NoticeStatus.GIVEN_UP
    assert notice.attempts == 5 and notice.next_attempt_at is None
    actions = list(
        AuditEvent.objects.filter(subject_type="notice", subject_id=str(notice.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["notice_failed"] * 4 + ["notice_given_up"]
    # Given up: the sweep never touches it again.
    assert notices_retry_due(now=timezone.now() + dt.timedelta(days=2)) == 0


def test_resend_by_hand_after_the_gateway_is_fixed(
    sms, settings, world, django_capture_on_commit_callbacks
):
    settings.ONETRIP_NOTICE_SENDERS = {"sms": "failing"}
    settings.ONETRIP_NOTICE_MAX_ATTEMPTS = 1
    notice = sms()
    assert notice.status == NoticeStatus.GIVEN_UP
    settings.ONETRIP_NOTICE_SENDERS = {"sms": "outbox"}
    with django_capture_on_commit_callbacks(execute=True):
        notice_resend(notice=notice, actor=world.manager)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT and notice.sender == "outbox"
    assert notice.attempts == 2
    resent = AuditEvent.objects.get(action="notice_resent", subject_id=str(notice.pk))
    assert resent.actor == world.manager and resent.from_state == "given_up"
    with pytest.raises(Conflict) as info:
        notice_resend(notice=notice, actor=world.manager)
    assert info.value.code == "not_resendable"


def test_a_failed_manual_resend_gives_up_again(
    sms, settings, world, django_capture_on_commit_callbacks
):
    settings.ONETRIP_NOTICE_SENDERS = {"sms": "failing"}
    settings.ONETRIP_NOTICE_MAX_ATTEMPTS = 2
    notice = sms()
    assert notice.status == NoticeStatus.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        notice_resend(notice=notice, actor=world.manager)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.GIVEN_UP and notice.attempts == 2


def test_an_attempt_is_never_made_twice(sms, settings):
    settings.ONETRIP_NOTICE_SENDERS = {"sms": "outbox"}
    notice = sms()
    again = notice_attempt(notice_id=notice.pk)
    assert again.status == NoticeStatus.SENT and again.attempts == 1
    assert AuditEvent.objects.filter(action="notice_sent", subject_id=str(notice.pk)).count() == 1


def test_claim_refuses_a_notice_that_is_not_due(world):
    notice = Notice.objects.create(
        channel="sms",
        sender="outbox",
        recipient=PHONE,
        template="case_decided",
        text="x",
        status=NoticeStatus.FAILED,
        attempts=1,
        next_attempt_at=timezone.now() + dt.timedelta(minutes=1),
    )
    assert notice_attempt(notice_id=notice.pk).attempts == 1
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.FAILED


def test_retry_command_sends_due_notices(world):
    notice = Notice.objects.create(
        channel="sms",
        sender="outbox",
        recipient=PHONE,
        template="case_decided",
        text="x",
        status=NoticeStatus.FAILED,
        attempts=1,
        next_attempt_at=timezone.now() - dt.timedelta(seconds=5),
    )
    fresh = Notice.objects.create(  # its own task is still queued: left alone
        channel="sms",
        sender="outbox",
        recipient=PHONE,
        template="x",
        text="y",
        next_attempt_at=timezone.now(),
    )
    call_command("notices_retry", stdout=open("/dev/null", "w"))
    notice.refresh_from_db()
    fresh.refresh_from_db()
    assert notice.status == NoticeStatus.SENT and notice.attempts == 2
    assert fresh.status == NoticeStatus.PENDING and fresh.attempts == 0


def test_a_sender_registered_by_a_plugin_is_used(sms):
    seen = []

    @senders.register("test-gateway")
    def gateway(notice):
        seen.append(notice.text)
        return "gw-1"

    try:
        notice = sms(sender="test-gateway")
    finally:
        senders.SENDERS.remove("test-gateway")
    assert notice.status == NoticeStatus.SENT and notice.provider_id == "gw-1"
    assert seen == [notice.text]


def test_template_errors_are_clear_and_store_nothing(world):
    with pytest.raises(ValidationFailed) as info:
        notice_send(channel="sms", to=PHONE, template="no_such", context={})
    assert info.value.code == "unknown_template" and "case_accepted" in str(info.value)
    with pytest.raises(ValidationFailed) as info:
        notice_send(
            channel="sms", to=PHONE, template="case_accepted", context={"case_number": "SC-1"}
        )
    message = str(info.value)
    assert info.value.code == "template_context_missing"
    assert "case_accepted" in message and "matter" in message and "due_date" in message
    assert set(info.value.fields) == {"matter", "due_date", "url"}
    with pytest.raises(ValidationFailed) as info:
        notice_send(channel="sms", to="12345", template="sms_login_code", context={})
    assert info.value.code == "bad_recipient"
    with pytest.raises(ValidationFailed):
        notice_send(channel="email", to="not-an-email", template="case_decided", context={})
    with pytest.raises(ValidationFailed):
        notice_send(channel="fax", to=PHONE, template="case_decided", context={})
    assert Notice.objects.count() == 0


def test_every_template_renders_in_chinese():
    for code, tpl in TEMPLATES.items():
        title, text = notice_render(template=code, context={f: "X" for f in tpl.fields})
        assert title and text and "{" not in text
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text), code


def test_demo_senders_deliver_without_a_task_worker(sms, settings):
    """The demo serves without a task worker: console/outbox SMS (registration codes) must still
    reach /demo/sms/, not stay pending in the database queue forever."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    notice = sms(template="sms_login_code", context={"code": "123456", "minutes": 10})
    assert notice.status == NoticeStatus.SENT
    assert notice.sent_at is not None


def test_other_senders_still_go_through_the_task_queue(sms, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    senders.register("slow-gateway")(lambda notice: "gw-2")
    try:
        notice = sms(sender="slow-gateway")
    finally:
        senders.SENDERS.remove("slow-gateway")
    assert notice.status == NoticeStatus.PENDING  # waits for `onetrip db_worker`
