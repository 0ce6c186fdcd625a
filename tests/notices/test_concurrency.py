"""Two workers racing for the same notice: it is sent once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from onetrip.notices import senders
from onetrip.notices.models import Notice, NoticeStatus
from onetrip.notices.services import notice_attempt


@pytest.mark.django_db(transaction=True)
def test_two_workers_send_a_notice_once():
    notice = Notice.objects.create(
        channel="sms", sender="race", recipient="13812345678", template="t", text="x"
    )
    calls = []
    started = threading.Event()

    @senders.register("race")
    def race(n):
        calls.append(n.pk)
        started.set()
        threading.Event().wait(0.3)  # a slow gateway: the other worker arrives meanwhile
        return "ok"

    results = []

    def worker():
        try:
            results.append(notice_attempt(notice_id=notice.pk).status)
        finally:
            connection.close()

    try:
        threads = [threading.Thread(target=worker) for _ in range(2)]
        threads[0].start()
        started.wait(5)
        threads[1].start()
        for t in threads:
            t.join(10)
    finally:
        senders.SENDERS.remove("race")
    assert calls == [notice.pk]
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT and notice.attempts == 1
    assert sorted(results) == ["sending", "sent"]  # the loser saw it taken and left it
