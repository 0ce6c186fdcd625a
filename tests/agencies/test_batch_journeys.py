"""The journey through a batch, generated from the demo catalogue: every matter open to agents
completes through a batch — submitted online (and, where the matter promises a visit, at the
agent window), one supplement round answered online, decided, delivered together — within the
visits the catalogue promises, per case and for the batch."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from onetrip.agencies.models import Authorisation
from onetrip.agencies.rules import matter_open_to_agents
from onetrip.agencies.services import BatchRow, batch_deliver, batch_submit
from onetrip.cases.services import case_file_upload, case_transition
from onetrip.catalogue.interchange import catalogue_import
from onetrip.catalogue.models import Matter
from onetrip.people.models import Agency, Company, User
from tests.factories import make_user, uscc_number

DEMO_YAML = Path(__file__).resolve().parents[2] / "src/onetrip/demo/data/catalogue.yaml"
PDF = b"%PDF-1.4 supplement"


@pytest.fixture
def demo(db, tmp_path):
    shutil.copy(DEMO_YAML, tmp_path / "catalogue.yaml")
    for rel in set(
        re.findall(r"(?:result_sample|sample|blank_form): (\S+)", DEMO_YAML.read_text())
    ):
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"%PDF placeholder")
    catalogue_import(path=tmp_path / "catalogue.yaml")
    from onetrip.catalogue.models import ServicePoint

    district = ServicePoint.objects.get(code="sc")
    agency = Agency.objects.create(district=district, name="甲代办", credit_code=uscc_number())
    return {
        "district": district,
        "agency": agency,
        "agent": make_user("agentJ", "agent", agency=agency, point=district),
        "clerk": make_user("clerkJ", "clerk", point=district),
        "manager": make_user("managerJ", "manager", point=district),
    }


def _fresh(user):
    return User.objects.get(pk=user.pk)  # roles are memoised per request (user object)


def _journey(d, matter: Matter, route: str, committed) -> None:
    company = Company.objects.create(name=f"{matter.code}-{route}", credit_code=uscc_number())
    today = timezone.localdate()
    Authorisation.objects.create(
        agency=d["agency"],
        company=company,
        valid_from=today,
        valid_until=today + dt.timedelta(days=30),
    )
    names = [m.name for m in matter.materials.all()]
    row = BatchRow(credit_code=company.credit_code, matter_code=matter.code, materials=names)
    if route == "online":
        batch = batch_submit(actor=_fresh(d["agent"]), rows=[row])
        case = batch.items.get().case
        committed(case_transition, case=case, action="accept", actor=_fresh(d["clerk"]))
    else:
        batch = batch_submit(actor=_fresh(d["clerk"]), agent=d["agent"], route="window", rows=[row])
        case = batch.items.get().case
    case.refresh_from_db()
    assert case.state == "accepted", (matter.code, route, case.state)
    if names:  # one supplement round, answered online by the agent
        cm = case.materials.order_by("position").first()
        committed(
            case_transition, case=case, action="request_supplement", actor=_fresh(d["manager"]),
            items=[{"material": cm.pk, "status": "defective", "reason": "复印件不清晰"}],
        )  # fmt: skip
        case_file_upload(
            case=case, case_material_id=cm.pk, actor=_fresh(d["agent"]),
            upload=SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"),
        )  # fmt: skip
        committed(case_transition, case=case, action="resubmit", actor=_fresh(d["agent"]))
    committed(case_transition, case=case, action="approve", actor=_fresh(d["manager"]))
    batch.refresh_from_db()
    assert batch.state == "ready", (matter.code, route)
    method = "pickup" if case.visit_count < matter.visits_needed else "post"
    batch = committed(
        batch_deliver, batch=batch, method=method, actor=_fresh(d["clerk"]), note="EMS9876543210"
    )
    case.refresh_from_db()
    assert case.state == "delivered"
    assert case.visit_count <= matter.visits_needed, (matter.code, route, case.visit_count)
    assert batch.visit_count <= max(matter.visits_needed, 1 if route == "window" else 0)


def test_every_matter_open_to_agents_completes_through_a_batch(
    demo, django_capture_on_commit_callbacks
):
    def committed(fn, **kw):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kw)

    matters = [
        m
        for m in Matter.objects.filter(district=demo["district"], is_active=True)
        .prefetch_related("materials")
        .order_by("code")
        if matter_open_to_agents(m)
    ]
    assert len(matters) >= 10  # the demo district's company matters
    done = []
    for m in matters:
        _journey(demo, m, "online", committed)
        done.append((m.code, "online"))
        if m.visits_needed >= 1 and m.level_district:
            _journey(demo, m, "window", committed)
            done.append((m.code, "window"))
    assert any(route == "window" for _code, route in done)
