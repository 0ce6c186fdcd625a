"""demo_load end to end on the test database: idempotent, valid numbers, working logins,
the provisional calendar year, and the extension registry."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.http import HttpRequest
from django.test import Client
from django.utils import timezone

from onetrip.catalogue.models import Department, Matter, ServicePoint
from onetrip.demo import registry, services
from onetrip.people.models import Agency, Applicant, Company, User
from onetrip.people.validators import clean_credit_code, clean_id_number
from onetrip.workdays.models import ScheduleYear
from onetrip.workdays.selectors import working_days_after

TODAY = dt.date(2026, 11, 27)


def _row_counts() -> dict[str, int]:
    tables = set(connection.introspection.table_names())
    counts = {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and m._meta.db_table in tables
    }
    assert counts["catalogue.Material"] > 0 and counts["people.Agency_clients"] > 0
    return counts


@pytest.fixture
def fast_hasher(settings):
    # Checking 45 PBKDF2 hashes would take a minute; the demo hash is made once per process.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    services._demo_password_hash.cache_clear()
    yield
    services._demo_password_hash.cache_clear()


@pytest.fixture
def probe_extensions():
    """A well-behaved extension and a broken one, removed again after the test."""
    calls = []

    def good(*, district, stdout=None):
        calls.append(district.code)
        return {"seen": district.code}

    def broken(*, district, stdout=None):
        Department.objects.create(district=district, code="broken", name="坏扩展写入")
        raise RuntimeError("boom")

    registry.demo_extension(good, name="zz-test-good", order=1)
    registry.demo_extension(broken, name="zz-test-broken", order=2)
    yield calls
    # Remove only the probes: apps' extensions imported during the test must stay registered.
    registry.DEMO_EXTENSIONS.remove("zz-test-good")
    registry.DEMO_EXTENSIONS.remove("zz-test-broken")


@pytest.mark.slow
@pytest.mark.django_db
def test_demo_load_twice_changes_nothing(fast_hasher, probe_extensions):
    out = io.StringIO()
    first = services.demo_load(stdout=out, today=TODAY)
    after_first = _row_counts()

    district = ServicePoint.objects.get(code="sc")
    assert Matter.objects.filter(district=district).count() >= 65
    assert Department.objects.filter(district=district).count() >= 12
    assert ServicePoint.objects.filter(district=district, level="street").count() == 6
    assert ServicePoint.objects.filter(district=district, level="community").count() == 6
    assert first["created"]["agencies"] >= 5
    assert first["catalogue"]["created"]["matters"] == Matter.objects.count()
    senior = Matter.objects.get(name="老年人优待证办理")
    assert senior.level_community and senior.channel_door and senior.visits_needed == 0
    assert senior.result_sample.name.endswith(".pdf")
    with senior.result_sample.open("rb") as fh:
        assert fh.read(5) == b"%PDF-"
    assert Matter.objects.get(name="营业性演出许可").is_five_star

    # extensions: called with the district; a failing one is rolled back and reported
    assert probe_extensions == ["sc"]
    assert first["extensions"]["zz-test-good"] == {"seen": "sc"}
    assert "boom" in first["extension_errors"]["zz-test-broken"]
    assert not Department.objects.filter(code="broken").exists()
    assert "FAILED" in out.getvalue()
    assert {k for k in first["extension_errors"]} == {"zz-test-broken"}

    # the calendar stand-in for 2027, loudly marked and usable
    assert first["provisional_years"] == [2027]
    sy = ScheduleYear.objects.get(year=2027)
    assert sy.source == "demo-provisional" and "非官方" in sy.note
    assert "NOT OFFICIAL" in out.getvalue()
    # weekends only: 元旦 (Fri 1 Jan 2027) counts as a working day — the caveat the warning names
    assert working_days_after(start=dt.date(2026, 12, 31), days=1) == dt.date(2027, 1, 1)
    assert working_days_after(start=dt.date(2027, 1, 1), days=1) == dt.date(2027, 1, 4)
    assert ScheduleYear.objects.get(year=2026).source != "demo-provisional"

    second = services.demo_load(stdout=io.StringIO(), today=TODAY)
    assert _row_counts() == after_first
    assert second["created"] == {}
    assert second["provisional_years"] == []
    assert not second["catalogue"]["created"] and not second["catalogue"]["updated"]
    assert probe_extensions == ["sc", "sc"]

    # every number stored is valid
    assert Applicant.objects.count() >= 8 and Company.objects.count() >= 15
    for a in Applicant.objects.all():
        assert clean_id_number(a.id_number) == a.id_number
        assert a.birth_date is not None
    for c in Company.objects.all():
        assert clean_credit_code(c.credit_code) == c.credit_code
    for ag in Agency.objects.all():
        assert clean_credit_code(ag.credit_code) == ag.credit_code
        assert ag.district_id == district.pk
        assert ag.clients.count() >= 3
        assert ag.agents.filter(groups__name="agent").exists()
        # every client's authorisation letter is on file and valid today
        today_local = timezone.localdate()
        valid = {a.company_id for a in ag.authorisations.all() if a.is_valid_on(today_local)}
        assert valid == set(ag.clients.values_list("pk", flat=True))

    # every demo login works and carries its role and place
    logins = services.demo_logins()
    assert {r["password"] for r in logins} == {"onetrip-demo"}
    assert User.objects.filter(username__in=[r["username"] for r in logins]).count() == len(logins)
    client = Client()
    for row in logins:
        assert client.login(
            request=HttpRequest(), username=row["username"], password="onetrip-demo"
        ), row
        client.logout()
    roles = {
        "guide", "clerk", "reviewer", "social_worker", "specialist", "grid_worker",
        "operator", "manager", "agent", "applicant",
    }  # fmt: skip
    have = set(User.objects.values_list("groups__name", flat=True))
    assert roles <= have
    assert User.objects.get(username="admin").is_superuser
    # the roles that need a second factor are pre-enrolled with the demo's shown key
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from onetrip.demo.people_data import DEMO_TOTP_KEY

    enrolled = TOTPDevice.objects.filter(name="demo", confirmed=True, key=DEMO_TOTP_KEY)
    assert {"admin", "manager"} <= set(enrolled.values_list("user__username", flat=True))
    assert User.objects.filter(groups__name="clerk", point=district).count() == 3
    assert User.objects.get(username="reviewer-scjg").department.code == "scjg"
    assert User.objects.get(username="social-nanxing").point.level == "community"
    assert Applicant.objects.get(user__username="citizen").id_number.startswith("330102")
    assert Company.objects.filter(users__username="company").count() == 1
    # the login page itself, as a person would use it
    response = Client().post(
        "/accounts/login/", {"username": "citizen", "password": "onetrip-demo"}
    )
    assert response.status_code == 302


@pytest.mark.slow
@pytest.mark.django_db
def test_demo_command_loads_prints_logins_and_does_not_serve(fast_hasher, monkeypatch):
    served = []
    monkeypatch.setattr(
        "onetrip.demo.management.commands.demo.call_command",
        lambda name, *a, **kw: served.append(name),
    )
    # Run no extension, but leave the registry itself alone for the other tests.
    monkeypatch.setattr(services, "demo_extensions_ordered", lambda: [])
    monkeypatch.setattr(services, "autodiscover_modules", lambda *a: None)
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    text = out.getvalue()
    assert served == ["migrate"]
    assert "onetrip-demo" in text and "reviewer-scjg" in text and "agent1" in text
    assert "演示用临时安排（非官方，仅周末休息）" in text
    assert Matter.objects.count() >= 65
