"""Issue 9 (build 2): when a shared-data source does not answer (timeout, error), the window
clerk is told which source and why, may take the paper copy, and nothing is refused for it."""

from __future__ import annotations

import pytest
from django.test import Client

from onetrip.cases.models import Case, MaterialStatus
from onetrip.cases.services import case_material_update, case_open, case_transition
from onetrip.errors import DomainError
from onetrip.sharing.models import SharedDocument
from onetrip.sharing.sources import SourceUnavailable, register_source, unregister_source
from tests.journeys.conftest import NOW, import_matter

HELD = "法定代表人居民身份证"


class TimingOut:
    """A department's system that does not answer in time (as ``HttpSource`` reports it)."""

    name = "gaj-rk"
    kinds = frozenset({"resident_id"})
    identities = frozenset({"person", "company"})

    def provides(self, kind: str) -> bool:
        return kind in self.kinds

    def lookup(self, *, holder_number, kinds, on, district=None):
        try:
            raise TimeoutError("timed out")
        except TimeoutError as exc:
            raise SourceUnavailable(f"{self.name}: {exc}") from exc


@pytest.fixture
def source_down():
    register_source(TimingOut())
    yield
    unregister_source("gaj-rk")


def _given(matter, *, paper: bool):
    return [
        {"material": m.pk, "status": "received"}
        for m in matter.materials.all()
        if m.required and not m.agent_only and (not m.government_held or paper)
    ]


def _open(p, matter, **kw):
    return case_open(
        actor=p.clerk,
        matter_code=matter.code,
        applicant_kind="founder",
        applicant_number=p.founder.id_number,
        applicant_name=p.founder.name,
        company_name=p.new_company_name,
        now=NOW,
        **kw,
    )


@pytest.mark.django_db
def test_source_down_names_the_source_and_the_paper_copy_is_taken(
    tmp_path, people, frozen, source_down
):
    matter = import_matter("sc-scjg-0001", tmp_path)
    p = people(matter)
    # the founder's 居民身份证 is only in the department's system, which does not answer
    SharedDocument.objects.filter(holder_number=p.founder.id_number).delete()

    # the clerk is told which source and why, when accepting on the spot …
    with pytest.raises(DomainError) as refused:
        _open(p, matter, materials=_given(matter, paper=False), accept=True)
    message = str(refused.value.message)
    assert HELD in message and "gaj-rk" in message and "查询超时" in message
    assert "纸质" in message
    # … and on the case (created without accepting): the material says so
    case = _open(p, matter, materials=_given(matter, paper=False), submit=True)
    held = case.materials.get(name=HELD)
    assert held.status == MaterialStatus.MISSING
    assert "gaj-rk" in held.reason and "查询超时" in held.reason
    client = Client()
    client.force_login(p.clerk)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert "gaj-rk" in page and "查询超时" in page
    # marking it as held is refused with the reason (nothing changes) …
    with pytest.raises(DomainError) as not_held:
        case_material_update(
            case=case, case_material_id=held.pk, status="government_held", actor=p.clerk
        )
    assert not_held.value.code == "shared_source_unavailable"
    # … the clerk takes the paper copy and accepts: nothing refused for the source
    case_material_update(case=case, case_material_id=held.pk, status="received", actor=p.clerk)
    case = case_transition(case=Case.objects.get(pk=case.pk), action="accept", actor=p.clerk)
    assert case.state == "accepted"
    # at intake with the paper copy taken at once: accepted on the spot
    other = _open(p, matter, materials=_given(matter, paper=True), accept=True)
    assert other.state == "accepted"


@pytest.mark.django_db
def test_precheck_names_the_source_that_did_not_answer(tmp_path, people, frozen, source_down):
    from onetrip.intake.services import precheck_run

    matter = import_matter("sc-scjg-0001", tmp_path)
    p = people(matter)
    SharedDocument.objects.filter(holder_number=p.founder.id_number).delete()
    check = precheck_run(
        matter=matter,
        applicant_kind="founder",
        holder_number=p.founder.id_number,
        materials_at_hand=[],
        actor=p.guide,
        on=NOW.date(),
    )
    reason = next(m["reason"] for m in check.missing if m["name"] == HELD)
    assert "gaj-rk" in reason and "查询超时" in reason and "纸质" in reason
