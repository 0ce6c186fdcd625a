import datetime as dt

import pytest
from django.contrib.auth.models import Group

from onetrip.workdays.selectors import working_days_after


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_get_roles_and_calendar_back():
    assert Group.objects.filter(name="clerk").exists()
    # Spring Festival 2026: the Friday before it plus one working day is the working Saturday.
    assert working_days_after(start=dt.date(2026, 2, 13), days=1) == dt.date(2026, 2, 14)
