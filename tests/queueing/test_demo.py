import pytest

from onetrip.demo.queues import load_queues
from onetrip.queueing.models import Queue, Window
from onetrip.queueing.selectors import window_share

pytestmark = pytest.mark.django_db


def test_demo_queues_and_windows_idempotent(world):
    first = load_queues(district=world.district)
    # centre + one street + one community station
    assert first["queues"] == 5 + 2 + 1 and first["windows"] == 10 + 3 + 1
    again = load_queues(district=world.district)
    assert again["queues"] == 0 and again["windows"] == 0
    share = window_share(point=world.district)
    assert share["self_service_share"] > 0.7
    assert Window.objects.get(point=world.district, number="0").kind == "guide"
    assert Queue.objects.get(point=world.district, code="G").applicant_type == "priority"
    assert Window.objects.filter(point=world.district, kind="agent").count() == 2
    assert not Queue.objects.filter(point=world.other_district).exists()
    from onetrip.demo.registry import DEMO_EXTENSIONS

    assert any(e.name == "queueing" for e in DEMO_EXTENSIONS)
