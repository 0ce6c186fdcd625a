"""Working-day arithmetic across real holidays, the refusal beyond the calendar, and query cost."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onetrip.workdays.selectors import (
    NoSchedule,
    is_workday,
    working_days_after,
    working_days_between,
)

D = dt.date
pytestmark = pytest.mark.django_db


def test_spring_festival_2026():
    for day in range(15, 24):
        assert not is_workday(day=D(2026, 2, day)), f"Feb {day} 2026 is a Spring Festival holiday"
    assert is_workday(day=D(2026, 2, 14))  # Saturday, shifted working day
    assert is_workday(day=D(2026, 2, 28))  # Saturday, shifted working day
    assert not is_workday(day=D(2026, 2, 21))  # a Saturday inside the holiday
    # Friday 13th + 1 working day = the working Saturday; + 2 jumps the whole holiday.
    assert working_days_after(start=D(2026, 2, 13), days=1) == D(2026, 2, 14)
    assert working_days_after(start=D(2026, 2, 13), days=2) == D(2026, 2, 24)
    assert working_days_between(start=D(2026, 2, 13), end=D(2026, 2, 24)) == 2
    # Mon 23 Feb is still off; the working Saturday 28 Feb counts.
    assert working_days_after(start=D(2026, 2, 23), days=5) == D(2026, 2, 28)


def test_national_day_2025():
    for day in range(1, 9):
        assert not is_workday(day=D(2025, 10, day))
    assert is_workday(day=D(2025, 9, 28))  # Sunday, shifted working day
    assert is_workday(day=D(2025, 10, 11))  # Saturday, shifted working day
    assert working_days_after(start=D(2025, 9, 26), days=1) == D(2025, 9, 28)
    assert working_days_after(start=D(2025, 9, 30), days=1) == D(2025, 10, 9)
    assert working_days_after(start=D(2025, 9, 30), days=3) == D(2025, 10, 11)
    assert (
        working_days_between(start=D(2025, 9, 27), end=D(2025, 10, 12)) == 6
    )  # 28,29,30 Sep; 9,10,11 Oct


def test_zero_days_is_same_or_next_working_day():
    assert working_days_after(start=D(2025, 10, 1), days=0) == D(2025, 10, 9)
    assert working_days_after(start=D(2025, 10, 9), days=0) == D(2025, 10, 9)


def test_between_is_antisymmetric():
    a, b = D(2025, 9, 1), D(2025, 10, 31)
    assert working_days_between(start=b, end=a) == -working_days_between(start=a, end=b)
    assert working_days_between(start=a, end=a) == 0


def test_deadline_reaching_2027_is_refused_loudly():
    with pytest.raises(NoSchedule) as info:
        working_days_after(start=D(2026, 12, 20), days=30)
    exc = info.value
    assert exc.year == 2027
    assert exc.code == "no_workday_schedule" and exc.status == 409
    assert "2027" in str(exc) and "节假日安排" in str(exc)
    with pytest.raises(NoSchedule):
        is_workday(day=D(2027, 1, 4))  # a plain Monday is not guessed either
    with pytest.raises(NoSchedule):
        working_days_between(start=D(2026, 12, 1), end=D(2027, 1, 10))


def test_one_query_per_year(django_assert_num_queries):
    with django_assert_num_queries(1):
        working_days_after(start=D(2025, 3, 3), days=30)
    with django_assert_num_queries(2):  # crosses into 2026: one more year
        working_days_after(start=D(2025, 12, 10), days=30)
    with django_assert_num_queries(1):
        working_days_between(start=D(2024, 1, 1), end=D(2024, 12, 31))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=st.dates(min_value=D(2024, 1, 1), max_value=D(2026, 9, 30)),
    n=st.integers(min_value=0, max_value=60),
)
def test_after_then_between_roundtrip(start, n):
    end = working_days_after(start=start, days=n)
    assert end >= start
    if n == 0:
        assert working_days_between(start=start, end=end) == (0 if end == start else 1)
    else:
        assert working_days_between(start=start, end=end) == n
        assert is_workday(day=end)


def test_shared_calendar_reads_each_year_once_for_a_batch(django_assert_num_queries):
    from onetrip.workdays.selectors import WorkdayCalendar

    cal = WorkdayCalendar()
    starts = [D(2025, 1, 2) + dt.timedelta(days=7 * i) for i in range(52)]
    with django_assert_num_queries(2):  # 2025 and 2026, for 52 deadlines
        ends = [working_days_after(start=s, days=20, calendar=cal) for s in starts]
    assert ends == [working_days_after(start=s, days=20) for s in starts]
