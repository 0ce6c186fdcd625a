from __future__ import annotations

import datetime as dt

from onetrip.audit.models import AuditEvent
from onetrip.cases.models import Case, CaseEvent
from onetrip.cases.services import case_create, case_open
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


def window_intake(w, **over):
    """A window intake by the clerk through ``case_open`` (the API's and the intake page's
    path: on PostgreSQL outside a transaction, the one-statement intake), accepted unless
    ``over`` says otherwise."""
    kw = dict(
        actor=w.clerk,
        matter_code="sc-003",
        applicant_kind="person",
        applicant_number=w.person.id_number,
        materials=[
            {"material": w.form.pk, "status": "received"},
            {"material": w.lease.pk, "status": "received"},
        ],
        accept=True,
    )
    kw.update(over)
    return case_open(**kw)


SKIP_CASE = {"id", "number", "tracking_token"}


def written_rows(case) -> tuple[dict, list[dict], list[dict], list[dict]]:
    """What the write paths wrote for ``case``, comparable across two cases: the case row (but
    its id, number and token), its events, its audit records and its visits."""
    fresh = Case.objects.get(pk=case.pk)
    row = {
        f.attname: getattr(fresh, f.attname)
        for f in Case._meta.concrete_fields
        if f.attname not in SKIP_CASE
    }
    events = list(
        CaseEvent.objects.filter(case=case)
        .order_by("id")
        .values("at", "actor_id", "role", "action", "from_state", "to_state", "note", "data")
    )
    audits = list(
        AuditEvent.objects.filter(subject_type="case", subject_id=case.number)
        .order_by("id")
        .values("actor_id", "role", "action", "from_state", "to_state", "note", "point_id", "data")
    )
    visits = list(fresh.visits.order_by("id").values("kind", "point_id", "recorded_by_id"))
    # result documents are numbered after the case: compare them with the number left out
    row["documents"] = _without_number(row["documents"], case.number)
    for item in (*events, *audits):
        item["data"] = _without_number(item["data"], case.number)
    return row, events, audits, visits


def _without_number(value, number: str):
    import json

    return json.loads(json.dumps(value, default=str).replace(number, "<number>"))
