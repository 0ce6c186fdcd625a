"""The data the bad-input suite runs against: the two-district world with a hall, an online
case, a ticket, a grid, a community complex, an agency, and one signed-in identity per kind of
caller. Real path values per route come from here, so bad query and form values reach the
views' own code instead of stopping at a 404."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connection

from onetrip.people.models import Agency, Role
from tests.factories import make_user, uscc_number

#: Bad values for text inputs (query strings, form fields, path segments, JSON strings).
BAD_TEXT = {
    "nul": "a\x00b",
    "long": "x" * 100_000,
    "non_ascii": "é漢字𝟘١٢",
    "not_a_number": "abc",
    "float_id": "1e20",
    "huge_id": "99999999999999999999",
    "negative": "-1",
}
#: Values that are invalid anywhere: after them nothing may have been written.
NEVER_VALID = ("nul", "long")
#: Bad values for JSON fields: wrong types, out-of-range numbers, and the bad text above.
BAD_JSON = {
    **BAD_TEXT,
    "int_huge": 10**20,
    "float_huge": 1e20,
    "int_negative": -1,
    "list": [],
    "object": {},
    "bool": True,
    "null": None,
}
#: Tables that legitimately change on any request: sessions, and the abuse-limit counts (a
#: refused request still counts against its client's limit; that is what the limit is for).
UNCOUNTED = {"sessions.Session", "throttles.ThrottleHistory"}


def _counted_models():
    return [
        m
        for m in apps.get_models()
        if m._meta.managed and not m._meta.proxy and m._meta.label not in UNCOUNTED
    ]


def row_counts() -> dict[str, int]:
    """Every table's row count (all models but ``UNCOUNTED``), in one query: the suites take
    it after every request they send."""
    models = _counted_models()
    qn = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {qn(m._meta.db_table)})" for m in models)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return {m._meta.label: n for m, n in zip(models, row, strict=True)}


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {k: (before[k], after[k]) for k in after if after[k] != before[k]}


def build() -> SimpleNamespace:
    from onetrip.community import services as community
    from onetrip.community.models import FacilityKind, SlotKind
    from onetrip.queueing.services import ticket_issue
    from tests.factories import make_world
    from tests.queueing.conftest import build_hall
    from tests.safety.conftest import make_grid
    from tests.tracking.conftest import FROZEN_NOW, extend_world, online_case

    w = make_world()
    extend_world(w)
    w.hall = build_hall(w)
    make_grid(w)
    w.case = online_case(w, now=FROZEN_NOW)
    w.ticket = ticket_issue(queue=w.hall.qa, phone="13800000009")
    w.agency = Agency.objects.create(
        district=w.district, name="甲代办公司", credit_code=uscc_number(), contact_name="甲"
    )
    w.agent = make_user("agent-x", "agent", agency=w.agency)
    w.complex = community.complex_ensure(point=w.community)
    w.social = make_user("social-x", "social_worker", point=w.community)
    w.classroom = community.facility_ensure(
        complex=w.complex, kind=FacilityKind.CLASSROOM, name="活动室", capacity=20, bookable=True
    )
    import datetime as dt

    from django.utils import timezone

    # tomorrow at 10:00 local, inside the facility's opening hours at any time of day the
    # suite runs (now + 1 day ran past its 20:00 closing after 19:00 local)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(10)))
    w.slot = community.slot_create(
        actor=w.social,
        facility=w.classroom,
        kind=SlotKind.ACTIVITY,
        title="书法",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        capacity=2,
    )
    # Every role at once, tied to the district, a department and the agency: it passes the
    # role checks of every staff page, so bad values reach the code behind them.
    w.omni = make_user(
        "omni",
        *Role.values,
        point=w.district,
        department=w.dept,
        agency=w.agency,
        is_superuser=True,
        is_staff=True,
    )
    assert Group.objects.filter(name__in=Role.values).count() == len(Role.values)
    return w


def real_path_values(w) -> dict[tuple[str, str], str | list[str]]:
    """(first path segment, parameter name) -> a value that names a real object (a list: each
    of them in turn, e.g. every console action)."""
    return {
        ("matters", "code"): w.perf.code,
        ("matters", "pk"): str(w.perf_form.pk),
        ("matters", "kind"): "sample",
        ("matters", "field"): "phone",
        ("points", "code"): w.district.code,
        ("points", "token"): w.ticket.token,
        ("q", "token"): w.ticket.token,
        ("console", "window_id"): str(w.hall.w1.pk),
        ("console", "action"): ["call", "transfer", "park", "finish", "call-next", "open"],
        ("cases", "number"): w.case.number,
        ("staff", "number"): w.case.number,
        ("my", "number"): w.case.number,
        ("t", "token"): w.case.tracking_token,
        ("w", "point_code"): w.district.code,
        ("w", "window_number"): "1",
        ("agencies", "pk"): str(w.agency.pk),
        ("community", "code"): w.community.code,
        ("community", "pk"): str(w.slot.pk),
        ("community", "what"): "facility",
        ("safety", "pk"): str(w.rules[0].pk),
        ("open311", "fmt"): "json",
        ("open311", "code"): "dispute",
    }


@contextmanager
def quiet(*names: str) -> Iterator[None]:
    """Silence these loggers below CRITICAL for the block: thousands of refused requests would
    each log a warning."""
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
