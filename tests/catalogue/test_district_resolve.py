"""One rule for "which district is this request about" (``catalogue.selectors``)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from onetrip.catalogue.selectors import district_get, district_resolve
from onetrip.errors import NotFound
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_the_named_district_wins(world):
    assert district_resolve(code="xh", user=world.clerk) == world.other_district
    with pytest.raises(NotFound):
        district_resolve(code="nowhere", user=world.clerk)


def test_else_the_staff_members_own_district(world):
    other = make_user("clerk-xh2", "clerk", point=world.other_district)
    assert district_resolve(user=other) == world.other_district
    street_clerk = make_user("clerk-street", "clerk", point=world.street)
    assert district_resolve(user=street_clerk) == world.district


def test_else_the_deployments_first_district(world):
    assert district_resolve(user=AnonymousUser()) == world.district
    assert district_resolve() == world.district
    assert district_get() == world.district
    assert district_get(code="xh") == world.other_district
