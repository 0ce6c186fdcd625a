"""Two agencies of the first district, their agents, companies and authorisations."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from onetrip.agencies.models import Authorisation
from onetrip.catalogue.models import Material
from onetrip.people.models import Agency, Company
from tests.factories import make_matter, make_user, uscc_number


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _company(name: str) -> Company:
    return Company.objects.create(name=name, credit_code=uscc_number())


@pytest.fixture
def ag(world):
    w = world
    today = timezone.localdate()
    a = SimpleNamespace(w=w, today=today)
    # A second company matter with one material, and one open to individuals only.
    a.filing = make_matter(
        w.district, w.dept, "sc-003", "企业备案", audience="company", visits_needed=0,
        channel_online=True, online_depth=4,
    )  # fmt: skip
    Material.objects.create(matter=a.filing, position=1, name="备案申请表")
    a.agency = Agency.objects.create(
        district=w.district, name="甲代办公司", credit_code=uscc_number(), contact_name="甲"
    )
    a.other_agency = Agency.objects.create(
        district=w.district, name="乙代办公司", credit_code=uscc_number()
    )
    a.agent = make_user("agentA", "agent", agency=a.agency, display_name="代办员甲")
    a.other_agent = make_user("agentB", "agent", agency=a.other_agency, display_name="代办员乙")
    a.c1, a.c2, a.c3 = _company("一号公司"), _company("二号公司"), _company("三号公司")
    a.expired = _company("过期公司")
    a.theirs = _company("乙的客户")
    year = dt.timedelta(days=365)
    for c in (a.c1, a.c2, a.c3):
        Authorisation.objects.create(
            agency=a.agency, company=c, valid_from=today - year, valid_until=today + year
        )
    Authorisation.objects.create(
        agency=a.agency,
        company=a.expired,
        valid_from=today - 2 * year,
        valid_until=today - dt.timedelta(days=1),
    )
    Authorisation.objects.create(
        agency=a.other_agency, company=a.theirs, valid_from=today, valid_until=today + year
    )
    return a


@pytest.fixture(autouse=True)
def _frozen(monkeypatch):
    """Monday 2 March 2026, 10:00 Shanghai: deadlines never reach a year the working-day
    calendar has no schedule for, whatever the real date."""
    from tests.cases.conftest import FROZEN_NOW

    monkeypatch.setattr(timezone, "now", lambda: FROZEN_NOW)
    return FROZEN_NOW
