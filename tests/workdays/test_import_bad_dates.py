"""A date-like YAML value that is no real date (2027-13-01) is a form error, never a 500."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from onetrip.workdays.models import ScheduleYear

pytestmark = pytest.mark.django_db
BAD = "year: 2027\nholidays:\n  - {date: 2027-13-01, name: 元旦}\nworkdays: []\n"


def test_admin_import_with_impossible_date_is_a_form_error(admin_client):
    response = admin_client.post("/admin/workdays/scheduleyear/import/", {"text": BAD})
    assert response.status_code == 200
    page = response.content.decode()
    assert "日期无效" in page and "month must be in 1..12" in page
    assert not ScheduleYear.objects.filter(year=2027).exists()


def test_command_import_with_impossible_date_is_a_command_error(tmp_path):
    path = tmp_path / "2027.yaml"
    path.write_text(BAD.replace("2027-13-01", "2027-02-30"), encoding="utf-8")
    with pytest.raises(CommandError, match="invalid date"):
        call_command("workdays_import", str(path))
    assert not ScheduleYear.objects.filter(year=2027).exists()
