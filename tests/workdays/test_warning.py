"""The administrator is warned before the calendar runs out: selector, system check, admin."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from django.utils import timezone

from onetrip.audit.models import AuditEvent
from onetrip.workdays.checks import schedule_runs_out
from onetrip.workdays.models import DayException, ScheduleYear
from onetrip.workdays.selectors import schedule_warning, workdays_status
from onetrip.workdays.services import schedule_import

D = dt.date
DATA = Path(__file__).parent / "data" / "2027.yaml"
pytestmark = pytest.mark.django_db


def test_status_of_seeded_calendar():
    status = workdays_status(today=D(2026, 6, 1))
    assert status.first_year == 2004 and status.last_year == 2026
    assert status.missing_years == []
    assert status.last_day == D(2026, 12, 31)
    assert status.days_left == (D(2026, 12, 31) - D(2026, 6, 1)).days
    assert status.warning is None


def test_warning_within_60_days_of_the_end():
    assert schedule_warning(today=D(2026, 10, 31)) is None  # 61 days left
    assert "还剩 60 天" in schedule_warning(today=D(2026, 11, 1))
    warning = schedule_warning(today=D(2026, 11, 15))
    assert warning and "2026-12-31" in warning and "2027" in warning and "46" in warning
    assert "今年" in schedule_warning(today=D(2027, 1, 5))
    schedule_import(data=yaml.safe_load(DATA.read_text(encoding="utf-8")))
    assert schedule_warning(today=D(2026, 11, 15)) is None


def test_provisional_year_is_flagged():
    ScheduleYear.objects.create(year=2027, source="demo-provisional")
    warning = schedule_warning(today=D(2026, 12, 1))
    assert warning and "非官方" in warning and "2027" in warning
    assert workdays_status(today=D(2026, 12, 1)).provisional_years == [2027]


def test_no_calendar_at_all():
    DayException.objects.all().delete()
    ScheduleYear.objects.all().delete()
    assert "没有任何年份" in schedule_warning(today=D(2026, 1, 1))


def _noon(day: dt.date) -> dt.datetime:
    """Noon in Shanghai on ``day`` (``onetrip.clock`` reads the date off ``timezone.now``)."""
    return dt.datetime.combine(day, dt.time(4), tzinfo=dt.UTC)


def test_system_check(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: _noon(D(2026, 12, 20)))
    messages = schedule_runs_out()
    assert [m.id for m in messages] == ["workdays.W001"]
    assert "2027" in messages[0].msg
    monkeypatch.setattr(timezone, "now", lambda: _noon(D(2026, 3, 1)))
    assert schedule_runs_out() == []


@pytest.fixture
def admin_client_late(admin_client, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: _noon(D(2026, 12, 1)))
    return admin_client


def test_admin_shows_warning_and_banner(admin_client_late):
    page = admin_client_late.get("/admin/workdays/scheduleyear/")
    assert page.status_code == 200
    assert "2027" in page.content.decode() and "工作日历只录入到" in page.content.decode()
    index = admin_client_late.get("/admin/").content.decode()
    assert "工作日历提醒" in index


def _inline(prefix, rows):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, (date, workday, name) in enumerate(rows):
        data[f"{prefix}-{i}-date"] = date
        if workday:
            data[f"{prefix}-{i}-is_workday"] = "on"
        data[f"{prefix}-{i}-name"] = name
    return data


def test_admin_adds_a_year_with_days_audited(admin_client):
    form = {"year": "2027", "source": "国办发明电", "note": ""}
    bad = form | _inline("days", [("2028-01-01", False, "元旦")])
    response = admin_client.post("/admin/workdays/scheduleyear/add/", bad)
    assert response.status_code == 200 and "2027 年内" in response.content.decode()
    assert not ScheduleYear.objects.filter(year=2027).exists()
    weekday_workday = form | _inline("days", [("2027-03-03", True, "调休")])
    response = admin_client.post("/admin/workdays/scheduleyear/add/", weekday_workday)
    assert response.status_code == 200
    assert not ScheduleYear.objects.filter(year=2027).exists()
    good = form | _inline("days", [("2027-01-01", False, "元旦"), ("2027-02-20", True, "调休")])
    response = admin_client.post("/admin/workdays/scheduleyear/add/", good)
    assert response.status_code == 302, response.content.decode()[:2000]
    schedule = ScheduleYear.objects.get(year=2027)
    assert schedule.days.count() == 2
    actions = set(
        AuditEvent.objects.filter(subject_type="workdays.schedule", subject_id="2027").values_list(
            "action", flat=True
        )
    )
    assert actions == {"schedule_created", "schedule_days_changed"}


def test_admin_bulk_import_form(admin_client):
    url = "/admin/workdays/scheduleyear/import/"
    assert "导入节假日安排" in admin_client.get("/admin/workdays/scheduleyear/").content.decode()
    bad = "year: 2027\nholidays:\n  - {date: 2027-03-03, name: 元旦}\nworkdays:\n  - {date: 2027-03-04, name: x}\n"
    response = admin_client.post(url, {"text": bad})
    assert response.status_code == 200
    assert "2027-03-04" in response.content.decode()
    assert not ScheduleYear.objects.filter(year=2027).exists()
    with DATA.open("rb") as fh:
        response = admin_client.post(url, {"file": fh})
    assert response.status_code == 302
    assert ScheduleYear.objects.get(year=2027).days.count() == 28
    event = AuditEvent.objects.get(action="schedule_imported", subject_id="2027")
    assert event.actor is not None and event.actor.is_superuser
