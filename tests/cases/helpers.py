from __future__ import annotations

import datetime as dt

from onetrip.cases.services import case_create
from tests.cases.conftest import at


def window_case(w, *, day: dt.date, accept: bool = True, matter=None, **kw):
    """A case for the person, accepted at the district centre window on ``day``."""
    matter = matter or w.permit
    materials = kw.pop(
        "materials",
        {m.pk: {"status": "received"} for m in matter.materials.all() if not m.government_held},
    )
    return case_create(
        matter=matter,
        actor=kw.pop("actor", w.clerk),
        channel=kw.pop("channel", "window"),
        applicant=kw.pop("applicant", w.person),
        materials=materials,
        accept=accept,
        now=at(day),
        today=day,
        **kw,
    )
