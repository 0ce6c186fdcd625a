"""Community post (一岗受理): a social worker at a community point accepts what the community
may accept, and starts any other matter on the resident's behalf, forwarding it to the
district's front office; the resident's one trip is to the community."""

from __future__ import annotations

import pytest

from onetrip.cases.models import Case, CaseEvent
from onetrip.cases.services import case_create, case_open, case_transition
from onetrip.catalogue.models import Material
from onetrip.errors import DomainError
from onetrip.people.models import Applicant
from tests.factories import make_matter, make_user, ric_number

pytestmark = pytest.mark.usefixtures("frozen")  # no deadline reaches an unscheduled year


@pytest.fixture
def post(world):
    w = world
    w.worker = make_user("sw1", "social_worker", point=w.community, display_name="社工甲")
    w.resident = Applicant.objects.create(name="王阿姨", id_number=ric_number(birth="19600303"))
    # A district-only matter for individuals (not open at community level).
    w.district_only = make_matter(w.district, w.civil, "sc-010", "困难救助申请")
    Material.objects.create(matter=w.district_only, position=1, name="申请书")
    return w


def test_refused_without_forwarding_then_forwarded(post):
    w = post
    with pytest.raises(DomainError) as exc:
        case_create(
            matter=w.district_only, actor=w.worker, channel="community", point=w.community,
            applicant=w.resident,
        )  # fmt: skip
    assert exc.value.code == "level_not_offered"
    case = case_create(
        matter=w.district_only,
        actor=w.worker,
        channel="community",
        point=w.community,
        applicant=w.resident,
        materials={w.district_only.materials.get().pk: {"status": "received"}},
        forward=True,
        accept=True,  # ignored: the responsible front office accepts a forwarded case
    )
    assert case.state == "submitted" and case.visit_count == 1
    assert CaseEvent.objects.get(case=case, action="create").data.get("forwarded") is True
    # The district's front office accepts it; the resident never goes to the district.
    case = case_transition(case=case, action="accept", actor=w.clerk)
    assert case.state == "accepted" and case.visit_count == 1


def test_forwarding_is_for_social_workers_and_the_web_form(client, post):
    w = post
    clerk_street = make_user("c2", "clerk", point=w.street)
    n = Case.objects.count()
    with pytest.raises(DomainError) as exc:
        case_create(
            matter=w.district_only, actor=clerk_street, channel="street", point=w.street,
            applicant=w.resident, forward=True,
        )  # fmt: skip
    assert exc.value.code == "forward_not_allowed"
    assert Case.objects.count() == n
    case = case_open(
        actor=w.worker,
        matter_code="sc-010",
        applicant_kind="person",
        applicant_number=w.resident.id_number,
        channel="community",
        forward=True,
    )
    assert case.state == "submitted" and case.point_id == w.community.pk
    client.force_login(w.worker)
    page = client.get("/cases/new/", {"q": "困难"}).content.decode()
    assert "困难救助申请" in page and 'data-testid="matter-forward"' in page


def test_web_form_forwards_instead_of_accepting(client, post):
    w = post
    client.force_login(w.worker)
    page = client.get(f"/cases/new/?matter={w.district_only.pk}").content.decode()
    assert 'id="forward-note"' in page and 'value="accept"' not in page
    resp = client.post(
        "/cases/new/",
        {
            "matter": w.district_only.pk,
            "applicant_kind": "person",
            "applicant_number": w.resident.id_number,
            f"material_{w.district_only.materials.get().pk}": "received",
            "do": "accept",  # a crafted accept is still only a forwarding
        },
    )
    assert resp.status_code == 302
    case = Case.objects.get(matter=w.district_only)
    assert case.state == "submitted" and case.point_id == w.community.pk
    assert case.visit_count == 1
