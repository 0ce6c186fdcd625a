"""The promise kept: for every matter of the sample catalogue and every kind of applicant it
allows, the scripted journey (journey.py) completes within the visits the catalogue promises.

The (matter, applicant kind) pairs are generated from the catalogue file with the same
``catalogue.rules.applicant_kinds`` the platform uses, and each test re-checks them against
the imported matter, so a matter added to the catalogue gets its journeys without touching
this file."""

from __future__ import annotations

import pytest
from stdnum.cn import uscc

from onetrip.cases.models import Visit
from onetrip.catalogue.rules import ApplicantKind, applicant_kinds
from onetrip.intake.models import OnlineApplication
from tests.journeys import journey
from tests.journeys.conftest import CATALOGUE, PAIRS, import_matter


def test_every_kind_of_applicant_is_covered():
    kinds = {kind for _code, kind in (p.values for p in PAIRS)}
    assert kinds == set(ApplicantKind.values)
    assert len(PAIRS) > len(CATALOGUE["matters"])


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "kind"), PAIRS)
def test_journey_within_promised_visits(code, kind, tmp_path, people, frozen):
    matter = import_matter(code, tmp_path)
    assert kind in applicant_kinds(matter)
    p = people(matter)
    done = journey.run(p, kind)
    case = done.case
    assert case.state == "delivered", (done.route, case.state)
    visits = Visit.objects.filter(case=case).count()
    assert visits == case.visit_count
    assert visits <= matter.visits_needed, (done.route, visits, matter.visits_needed)
    assert visits == done.rules.visits_for(done.route)
    if done.route == "online":  # through the real online application (intake.apply_services)
        assert OnlineApplication.objects.filter(case=case).exists()
        assert case.channel in ("online", "agent") and visits == 0
    if matter.founding:
        company = case.company
        assert company is not None and company.name == p.new_company_name
        assert uscc.is_valid(company.credit_code), company.credit_code
        assert company.credit_code in {d["number"] for d in case.documents}
