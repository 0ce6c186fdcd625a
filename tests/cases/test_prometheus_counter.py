"""Case state changes are counted for Prometheus (onetrip.ops.counters), after the commit."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.helpers import window_case
from tests.ops.test_prometheus import sample, scrape

pytestmark = pytest.mark.django_db

NAME = "onetrip_case_transitions_total"


def test_counts_case_transitions(client, cw, django_capture_on_commit_callbacks):
    before = scrape(client)
    with django_capture_on_commit_callbacks(execute=True):
        window_case(cw, day=dt.date(2026, 3, 2))
    after = scrape(client)
    assert sample(after, NAME, state="accepted") == sample(before, NAME, state="accepted") + 1
    assert sample(after, NAME) > sample(before, NAME)


def test_a_rolled_back_change_is_not_counted(client, cw, django_capture_on_commit_callbacks):
    before = sample(scrape(client), NAME)
    with django_capture_on_commit_callbacks(execute=False):  # never committed
        window_case(cw, day=dt.date(2026, 3, 2))
    assert sample(scrape(client), NAME) == before
