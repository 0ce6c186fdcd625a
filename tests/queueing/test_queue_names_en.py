"""Issue 9 item 9: an English browser got Chinese queue names on the kiosk, the ticket slip and
the ticket's status page. A queue has an English name (``name_en``, set up with the queue; the
demo's come from its queue list) shown when the active language is English; the Chinese name
otherwise, and when no English one was given."""

from __future__ import annotations

import pytest

from onetrip.queueing.selectors import queue_summaries, ticket_public_status
from onetrip.queueing.services import queue_create, ticket_issue

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def queue(hall):
    return queue_create(
        point=hall.point, code="E", name="企业开办", name_en="Business start-up", position=9
    )


@pytest.mark.django_db
def test_kiosk_and_ticket_pages_show_the_queue_in_the_browsers_language(client, hall, queue):
    kiosk_en = client.get(f"/points/{hall.point.code}/kiosk/", **EN).content.decode()
    assert "Business start-up" in kiosk_en and "企业开办" not in kiosk_en
    kiosk_zh = client.get(f"/points/{hall.point.code}/kiosk/", **ZH).content.decode()
    assert "企业开办" in kiosk_zh and "Business start-up" not in kiosk_zh
    ticket = ticket_issue(queue=queue, phone="13800000009")
    slip = client.get(f"/points/{hall.point.code}/kiosk/{ticket.token}/", **EN).content.decode()
    assert "Business start-up" in slip and "企业开办" not in slip
    status = client.get(f"/q/{ticket.token}/", **EN).content.decode()
    assert "Business start-up" in status and "企业开办" not in status
    assert "企业开办" in client.get(f"/q/{ticket.token}/", **ZH).content.decode()


@pytest.mark.django_db
def test_selectors_follow_the_active_language_and_fall_back_to_chinese(hall, queue):
    from django.utils import translation

    ticket = ticket_issue(queue=queue, phone="13800000009")
    with translation.override("en"):
        assert ticket_public_status(ticket=ticket)["queue"] == "Business start-up"
        names = {row["code"]: row["name"] for row in queue_summaries(point=hall.point)}
        assert names["E"] == "Business start-up"
        assert names["A"] == "企业自办"  # no English name given: the Chinese one
    with translation.override("zh-hans"):
        assert ticket_public_status(ticket=ticket)["queue"] == "企业开办"


def test_demo_queues_have_english_names():
    """Every queue the demo sets up (the fixed ones and one per department) has one."""
    from onetrip.demo.files import CATALOGUE_YAML, load_catalogue_data
    from onetrip.demo.queues import (
        CENTRE_QUEUES,
        COMMUNITY_QUEUES,
        STREET_QUEUES,
        english_name,
    )

    for _code, name, _kind, dept in CENTRE_QUEUES + STREET_QUEUES + COMMUNITY_QUEUES:
        english = english_name(name, dept)
        assert english and english.isascii(), name
    for dept in load_catalogue_data(CATALOGUE_YAML)["departments"]:
        english = english_name(dept["name"], dept["code"])
        assert english and english.isascii(), dept
