"""Shared fixtures: two districts (nothing of one may leak into the other), users per role,
and Playwright on Debian's Chromium."""

from __future__ import annotations

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; live_server needs the ORM there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    """Close every browser context a test opened before its live server and database go away.

    A page left open keeps polling (hall board, ticket status, command centre) into the next
    test's database, where SQLite answers 'table is locked' and PostgreSQL sees stray rows."""
    browser = getattr(item, "funcargs", {}).get("browser")
    if browser is None:
        return
    for context in list(browser.contexts):
        try:
            context.close()
        except Exception:  # a context the test closed itself, or a crashed page
            pass


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Real hashing costs ~0.3 s per user; the hasher is not what these tests check.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Staff in other suites sign in with a password only; tests/signin/ turns the second factor
    # for managers and administrators (production's default) back on.
    settings.ONETRIP_OTP_REQUIRED_ROLES = ()
    # Tests run in one process: an in-memory cache is shared with the live server thread too,
    # and clearing it needs no database.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()  # (the abuse limits count in the database: onetrip.throttles)


@pytest.fixture(autouse=True)
def _role_groups(request):
    """Role groups and the working-day calendar come from data migrations; transactional tests
    flush them, so put them back."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not (
        marker.kwargs.get("transaction") or "transactional_db" in request.fixturenames
    ):
        return
    request.getfixturevalue("transactional_db")
    from django.contrib.auth.models import Group

    from onetrip.people.models import Role

    for role in Role.values:
        Group.objects.get_or_create(name=role)
    _seed_calendar_if_flushed()


def _seed_calendar_if_flushed() -> None:
    """The same days migration 0002 seeds, written with today's models."""
    import datetime as dt

    import chinese_calendar

    from onetrip.workdays.models import DayException, ScheduleYear

    if ScheduleYear.objects.exists():
        return
    rows = []
    for year in sorted({d.year for d in chinese_calendar.holidays}):
        schedule = ScheduleYear.objects.create(year=year, source="chinese-calendar")
        day = dt.date(year, 1, 1)
        while day.year == year:
            actual = chinese_calendar.is_workday(day)
            if actual != (day.isoweekday() <= 5):
                rows.append(DayException(date=day, is_workday=actual, schedule=schedule))
            day += dt.timedelta(days=1)
    DayException.objects.bulk_create(rows)


@pytest.fixture
def world(db):
    """Two districts with a street, a community, a department and a few matters each."""
    from tests.factories import make_world

    return make_world()


@pytest.fixture(autouse=True)
def _site_language():
    """A page requested in English (LocaleMiddleware activates the request's language and
    leaves it active in the thread) must not turn the next test's messages English: every test
    ends back in the site's language (tests/queueing/test_services.py's English status page
    followed by tests/journeys/test_bad_input.py failed in that order)."""
    yield
    from django.utils import translation

    translation.deactivate()
