"""Importing a year's schedule: validation, all-or-nothing, audit, and the 2027 unlock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from onetrip.audit.models import AuditEvent
from onetrip.errors import Conflict, ValidationFailed
from onetrip.workdays import services
from onetrip.workdays.models import DayException, ScheduleYear
from onetrip.workdays.selectors import NoSchedule, is_workday, working_days_after
from onetrip.workdays.services import schedule_import

D = dt.date
DATA = Path(__file__).parent / "data" / "2027.yaml"
pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        ScheduleYear.objects.count(),
        DayException.objects.count(),
        AuditEvent.objects.count(),
        sorted(DayException.objects.values_list("date", "is_workday", "name")),
    )


def test_import_2027_then_deadline_succeeds():
    with pytest.raises(NoSchedule):
        working_days_after(start=D(2026, 12, 20), days=30)
    call_command("workdays_import", str(DATA), stdout=open("/dev/null", "w"))
    schedule = ScheduleYear.objects.get(year=2027)
    assert schedule.source == "测试用安排（非官方）"
    assert schedule.published_at == D(2026, 11, 10)
    assert schedule.days.filter(is_workday=False).count() == 24
    assert schedule.days.filter(is_workday=True).count() == 4
    # 2026-12-31 (Thu) + 1 working day skips 元旦 1–3 Jan 2027.
    assert working_days_after(start=D(2026, 12, 31), days=1) == D(2027, 1, 4)
    assert working_days_after(start=D(2026, 12, 20), days=30) > D(2027, 1, 4)
    assert is_workday(day=D(2027, 2, 20)) and not is_workday(day=D(2027, 2, 10))
    event = AuditEvent.objects.get(subject_type="workdays.schedule", subject_id="2027")
    assert event.action == "schedule_imported"
    assert "2027-10-09" in event.data["workdays"]


def test_import_existing_year_needs_replace():
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    schedule_import(data=data)
    before = _snapshot()
    with pytest.raises(Conflict) as info:
        schedule_import(data=data)
    assert info.value.code == "schedule_exists"
    assert _snapshot() == before
    data["workdays"] = data["workdays"][:2]
    schedule_import(data=data, replace=True)
    assert ScheduleYear.objects.get(year=2027).days.filter(is_workday=True).count() == 2
    assert AuditEvent.objects.filter(action="schedule_replaced", subject_id="2027").exists()


def test_bad_import_changes_nothing_and_lists_every_problem():
    before = _snapshot()
    bad = {
        "year": 2027,
        "holiday": [],  # typo
        "holidays": [
            {"date": "2027-01-01", "name": "元旦"},
            {"date": "2028-01-03", "name": "跨年"},  # outside the year
            {"date": "2027-10-01", "name": "国庆节"},
            {"date": "2027-06-12", "name": "孤立的周六"},  # plain weekend, no holiday beside
            {"date": "2027-13-01", "name": "坏日期"},
        ],
        "workdays": [
            {"date": "2027-10-01", "name": "国庆也上班"},  # both holiday and workday
            {"date": "2027-03-03", "name": "周三调休"},  # a weekday is already a workday
        ],
    }
    with pytest.raises(ValidationFailed) as info:
        schedule_import(data=bad)
    fields = info.value.fields
    text = " ".join(str(m) for msgs in fields.values() for m in msgs)
    assert "holiday" in text  # unknown key named
    assert "2028-01-03 不在 2027 年内" in text
    assert "不能既是节假日又是调休上班日" in text
    assert "普通周末" in text
    assert "日期无效" in text
    assert "本来就是工作日" in text
    assert info.value.status == 422
    assert _snapshot() == before
    with pytest.raises(NoSchedule):
        is_workday(day=D(2027, 1, 4))


def test_bad_year_and_shape():
    for data in (None, [], {"year": "2027"}, {"year": 1899, "holidays": []}, {"year": True}):
        with pytest.raises(ValidationFailed):
            schedule_import(data=data)
    assert not ScheduleYear.objects.filter(year__gte=2027).exists()


def test_failure_midway_rolls_back(monkeypatch):
    """All-or-nothing even when something breaks after rows were written."""
    before = _snapshot()

    def boom(*args, **kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(services, "audit_record", boom)
    with pytest.raises(RuntimeError):
        schedule_import(data=yaml.safe_load(DATA.read_text(encoding="utf-8")))
    assert _snapshot() == before


def test_command_reports_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("year: 2027\nworkdays:\n  - {date: 2027-03-03, name: x}\n", encoding="utf-8")
    with pytest.raises(CommandError) as info:
        call_command("workdays_import", str(bad))
    assert "2027-03-03" in str(info.value)
    broken = tmp_path / "broken.yaml"
    broken.write_text("year: [2027\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("workdays_import", str(broken))
    assert not ScheduleYear.objects.filter(year=2027).exists()
