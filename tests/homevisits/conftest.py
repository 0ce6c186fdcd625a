import pytest
from django.utils import timezone


@pytest.fixture(autouse=True)
def _frozen(monkeypatch):
    """Deadlines never reach a year the working-day calendar has no schedule for."""
    from tests.cases.conftest import FROZEN_NOW

    monkeypatch.setattr(timezone, "now", lambda: FROZEN_NOW)
    return FROZEN_NOW
