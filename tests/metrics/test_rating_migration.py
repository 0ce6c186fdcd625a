"""The 好差评 migration keeps the 1–5 ratings already given: each becomes the case's
completion rating with the same level, comment and time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from onetrip.metrics.models import Rating

BEFORE = [("metrics", "0003_rating_rollups")]
AFTER = [("metrics", "0004_haocha_ping")]


@pytest.mark.django_db(transaction=True)
def test_existing_ratings_survive_as_completion_ratings(history):
    case = history.c6
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("metrics", "Rating")
    at = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    old.objects.create(case_id=case.pk, score=2, comment="等太久", at=at)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    kept = Rating.objects.get(case=case)
    assert (kept.stage, kept.score, kept.comment, kept.at) == ("complete", 2, "等太久", at)
    assert kept.get_score_display() == "不满意"
    assert kept.efficiency is None and kept.staff is None
